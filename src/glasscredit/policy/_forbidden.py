"""What glasscredit refuses to name, and why, in words: the denylist behind the allowlist.

The vocabulary (:mod:`glasscredit.vocabulary`) already limits event types, attributes and
enum values to admissible facts. What a policy still names freely (features, dimensions,
tiers, perks, sources) and the texts it shows people (labels, reasons) pass through this
second line, which explains a refusal by its law and category:

* GDPR Art. 9 special categories (political opinion, religion or belief, racial or
  ethnic origin, health, sex life or orientation, trade-union membership, biometric and
  genetic data), speech, and free text;
* ECOA protected bases (sex, marital status, age, national origin, public assistance),
  which may reach the fairness audit and nothing else;
* direct identifiers (names, contact details, addresses, national numbers);
* guilt by association (friends', family's or followers' scores).

Matching is by words, not substrings: a name is split into words (``snake_case``,
``camelCase``, dots, dashes, spaces), each word case folded and stripped of accents and
look-alike letters, and a pattern must match a whole word or adjacent words joined.
So ``union_member`` and ``trade_union`` are refused while ``credit_union_member`` and
``reunion`` pass, and ``relıgion`` is caught as ``religion``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from glasscredit.policy._denylist import CATEGORIES, HONEST_PHRASES, Category, Kind
from glasscredit.vocabulary import CONFUSABLES, strip_marks

__all__ = [
    "FREE_TEXT_RULE",
    "NAME_KINDS",
    "PROTECTED_BASES",
    "SPECIAL_CATEGORIES",
    "TEXT_KINDS",
    "Refusal",
    "forbidden_category",
    "name_words",
    "protected_basis",
    "refusal",
]

FREE_TEXT_RULE = "free_text"
# what a name a policy chooses may not be, and what a text shown to people may not say
NAME_KINDS: frozenset[Kind] = frozenset(
    {"special", "speech", "free_text", "protected", "identifier", "association"}
)
TEXT_KINDS: frozenset[Kind] = NAME_KINDS - {"free_text"}
_SPECIAL_KINDS: frozenset[Kind] = frozenset({"special", "speech", "free_text"})
_PROTECTED_KINDS: frozenset[Kind] = frozenset({"protected"})

# category -> word patterns, as the model fit and the model card read them
SPECIAL_CATEGORIES: dict[str, tuple[str, ...]] = {
    c.key: c.words for c in CATEGORIES if c.kind in ("special", "speech", "free_text")
}
PROTECTED_BASES: dict[str, tuple[str, ...]] = {
    c.key: c.words for c in CATEGORIES if c.kind == "protected"
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a name or text is refused: the category, its law, and the word that matched."""

    category: str
    kind: Kind
    word: str
    what: str
    law: str

    def explain(self, name: str) -> str:
        return f"{name!r} names {self.what} ({self.word!r}): {self.law}"


@dataclass(frozen=True, slots=True)
class _Compiled:
    category: Category
    words: re.Pattern[str]
    whole: re.Pattern[str] | None


def _union(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_COMPILED = tuple(
    _Compiled(c, _union(c.words), _union(c.whole) if c.whole else None) for c in CATEGORIES
)
_WORD_SPLIT = re.compile(r"[\W_]+|(?<=[a-z0-9])(?=[A-Z])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_MAX_JOIN = 4


def _visible(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def name_words(name: str) -> list[str]:
    """Split a name or text into case-folded words without accents."""
    return [w for w in (strip_marks(p) for p in _WORD_SPLIT.split(_visible(name))) if w]


def _segments(words: list[str]) -> Iterator[list[str]]:
    """The runs of words left when honest phrases (``credit union``) are taken out."""
    start, i = 0, 0
    while i < len(words):
        phrase = next((p for p in HONEST_PHRASES if tuple(words[i : i + len(p)]) == p), None)
        if phrase is None:
            i += 1
            continue
        if i > start:
            yield words[start:i]
        i += len(phrase)
        start = i
    if start < len(words):
        yield words[start:]


def _spellings(word: str) -> set[str]:
    return {word, "".join(CONFUSABLES.get(c, c) for c in word)}


def _candidates(words: list[str]) -> set[str]:
    out: set[str] = set()
    for seg in _segments(words):
        for i in range(len(seg)):
            for j in range(i + 1, min(len(seg), i + _MAX_JOIN) + 1):
                out |= _spellings("".join(seg[i:j]))
    return out


def refusal(text: str, *, kinds: Collection[Kind] = NAME_KINDS) -> Refusal | None:
    """Why ``text`` (a name or a text shown to people) is refused, else ``None``."""
    return _refusal(text, frozenset(kinds))


@functools.lru_cache(maxsize=8192)  # a policy's names recur at every load
def _refusal(text: str, kinds: frozenset[Kind]) -> Refusal | None:
    words = name_words(text)
    if not words:
        return None
    cands = sorted(_candidates(words))
    whole = _spellings("".join(words))
    cjk = [w for w in words if _CJK.search(w)]
    for comp in _COMPILED:  # declaration order: Art. 9 first, then protected bases...
        cat = comp.category
        if cat.kind not in kinds:
            continue
        hit = next((c for c in cands if comp.words.fullmatch(c)), None)
        if hit is None and comp.whole is not None:
            hit = next((c for c in whole if comp.whole.fullmatch(c)), None)
        if hit is None:
            hit = next((s for w in cjk for s in cat.cjk if s in w), None)
        if hit is not None:
            return Refusal(cat.key, cat.kind, hit, cat.what, cat.law)
    return None


def forbidden_category(name: str) -> str | None:
    """The special category (or ``speech``, ``free_text``) a name falls in, else ``None``."""
    r = refusal(name, kinds=_SPECIAL_KINDS)
    return r.category if r else None


def protected_basis(name: str) -> str | None:
    """The protected basis a name falls in (for the fairness audit only), else ``None``."""
    r = refusal(name, kinds=_PROTECTED_KINDS)
    return r.category if r else None
