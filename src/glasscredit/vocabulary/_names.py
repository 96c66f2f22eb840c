"""Names and texts that cannot pass for other names.

A refusal by name is only as good as the spelling it sees: ``religіon`` with a Cyrillic
``і``, ``relıgion`` with a dotless ``ı``, fullwidth ``ｒｅｌｉｇｉｏｎ`` or a zero-width
space inside a word all read as "religion" to a person and as something else to a
program. So identifiers (type, attribute, feature, dimension, tier, perk and source
names, enum values) are ASCII only, and texts shown to people (labels, reasons,
descriptions) are NFKC-stable, free of invisible and control characters, and written
one script per word. Each refusal says which character broke which rule.

:func:`skeleton` gives the spelling the denylist matches against: case folded, accents
stripped, look-alike letters mapped to the ASCII letter they imitate.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "CONFUSABLES",
    "describe_char",
    "identifier_problem",
    "skeleton",
    "strip_marks",
    "text_problem",
]

# Letters that look like an ASCII letter (lowercase; text is case folded first). From
# Unicode's confusables.txt, restricted to letters a reader cannot tell apart.
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Latin letters that imitate other Latin letters
    "ı": "i", "ȷ": "j", "ł": "l", "ſ": "s", "ɑ": "a", "ɩ": "i", "ɪ": "i", "ʏ": "y",
    "ᴅ": "d", "ᴇ": "e", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u",
    "ꞵ": "b", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l",
}  # fmt: skip

# Characters that render as nothing (or as a space) but change a string's identity.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2800")
_CJK_HEADS = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "IDEOGRAPHIC", "HANGUL", "BOPOMOFO"}
)


def describe_char(ch: str) -> str:
    """``'о' (U+043E CYRILLIC SMALL LETTER O)``: how an error names a character."""
    name = unicodedata.name(ch, "") or f"category {unicodedata.category(ch)}"
    shown = "an invisible character" if _invisible(ch) else repr(ch)
    return f"{shown} (U+{ord(ch):04X} {name})"


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_EXTRA


def _script(ch: str) -> str:
    head = unicodedata.name(ch, "").split(" ", 1)[0]
    return "CJK" if head in _CJK_HEADS else (head or "UNKNOWN")


def strip_marks(text: str) -> str:
    """Case fold, drop invisible characters and accents: ``Religión`` -> ``religion``."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in folded if unicodedata.category(c) != "Mn" and not _invisible(c))


def skeleton(text: str) -> str:
    """:func:`strip_marks`, then look-alikes mapped to ASCII: ``relıgіon`` -> ``religion``."""
    return "".join(CONFUSABLES.get(c, c) for c in strip_marks(text))


def _common_problem(text: str, *, newlines: bool) -> tuple[str, str] | None:
    if text.isascii() and text.isprintable():
        return None  # no invisible, control or compatibility character in printable ASCII
    for ch in text:
        if _invisible(ch):
            return (
                "invisible_character",
                f"contains {describe_char(ch)}, which shows as nothing and makes one "
                "name look like another",
            )
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") and not (newlines and ch == "\n"):
            return ("control_character", f"contains the control character {describe_char(ch)}")
    normal = unicodedata.normalize("NFKC", text)
    if normal != text:
        bad = next(c for c in text if unicodedata.normalize("NFKC", c) != c)
        return (
            "normalisation",
            f"contains {describe_char(bad)}, a compatibility form (fullwidth, ligature, "
            f"superscript...) that reads as {unicodedata.normalize('NFKC', bad)!r} (Unicode "
            "NFKC); write the plain character",
        )
    return None


def _mixed_script(word: str) -> tuple[str, str] | None:
    scripts: dict[str, str] = {}
    for ch in word:
        if ch.isalpha():
            scripts.setdefault(_script(ch), ch)
    if len(scripts) < 2:
        return None
    names = " and ".join(sorted(scripts))
    odd = next((c for c in scripts.values() if c in CONFUSABLES), None)
    looks = f"; {describe_char(odd)} looks like {CONFUSABLES[odd]!r}" if odd else ""
    return (
        "mixed_script",
        f"the word {word!r} mixes {names} letters{looks}: a look-alike spelling",
    )


def identifier_problem(
    name: str, *, max_length: int = 128, spaces: bool = False
) -> tuple[str, str] | None:
    """``None`` if ``name`` may be an identifier in a policy, else ``(rule, words)``.

    Identifiers are printable ASCII (without spaces unless ``spaces``): then no two
    different names can look alike, and the allowlist and the denylist see what a reader
    sees.
    """
    problem = _common_problem(name, newlines=False)
    if problem is not None:
        return problem
    if not name.isascii():
        mixed = _mixed_script(name)
        if mixed is not None:
            return mixed
        odd = next((c for c in name if c in CONFUSABLES), None)
        if odd is not None:
            return (
                "look_alike",
                f"contains {describe_char(odd)}, which looks like {CONFUSABLES[odd]!r}: "
                f"{name!r} reads as {skeleton(name)!r}",
            )
        bad = next(c for c in name if not c.isascii())
        return (
            "ascii_identifier",
            f"contains {describe_char(bad)}; names are ASCII (letters, digits, _ . - : / #) "
            "so that no spelling can pass for another",
        )
    # past _common_problem and isascii, the only blank left is a space (tabs are controls)
    if not name.strip() or (" " in name and not spaces):
        return ("identifier", "a name is one or more printable characters without spaces")
    if len(name) > max_length:
        return ("length", f"is {len(name)} characters long; names are at most {max_length}")
    return None


def text_problem(text: str, *, max_length: int, newlines: bool = False) -> tuple[str, str] | None:
    """``None`` if ``text`` may be shown to people as a label, reason or description.

    Any language is welcome, one script per word: a word that mixes Latin and Cyrillic
    letters is a disguise, not a language.
    """
    problem = _common_problem(text, newlines=newlines)
    if problem is not None:
        return problem
    if len(text) > max_length:
        return ("length", f"is {len(text)} characters long; at most {max_length} here")
    if text.isascii():
        return None  # one script: Latin
    word: list[str] = []
    for ch in [*text, " "]:
        if ch.isalpha():
            word.append(ch)
            continue
        if word:
            mixed = _mixed_script("".join(word))
            if mixed is not None:
                return mixed
            word = []
    return None
