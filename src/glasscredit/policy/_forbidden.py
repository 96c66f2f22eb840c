"""What glasscredit refuses to score, in one place.

Two lists, each a category with the name patterns that trigger it:

* ``SPECIAL_CATEGORIES``: GDPR Art. 9 data (and free text, which can carry anything).
  A policy attribute, feature or model column whose name matches is refused, whatever
  the operator's policy says. There is no switch to turn this off.
* ``PROTECTED_BASES``: ECOA/anti-discrimination bases (sex, marital status, age,
  national origin, public assistance...). They may be given to the fairness audit and
  nowhere else: a model fit refuses them as inputs.

Patterns are matched against the name split into lowercase words (``snake_case``,
``camelCase``, dots and dashes are word breaks), so ``religion_code`` and
``healthScore`` match while ``wealth`` does not match ``health``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "FREE_TEXT_RULE",
    "PROTECTED_BASES",
    "SPECIAL_CATEGORIES",
    "forbidden_category",
    "name_words",
    "protected_basis",
]

FREE_TEXT_RULE = "free_text"

# category -> word patterns (regular expressions matched against whole words or
# joined adjacent words). Keep this list the single source of truth; tests pin it.
SPECIAL_CATEGORIES: dict[str, tuple[str, ...]] = {
    "political_opinion": (
        r"politic\w*",
        r"party(affiliation|membership)",
        r"politicalparty",
        r"vot(e|es|ing|er)",
        r"ideolog\w*",
        r"partisan\w*",
        r"protest\w*",
        r"petition\w*",
        r"activis[mt]\w*",
        r"dissent\w*",
        r"opinion\w*",
    ),
    "religion_or_belief": (
        r"religio\w*",
        r"faith\w*",
        r"belief\w*",
        r"church\w*",
        r"mosque\w*",
        r"temple\w*",
        r"synagogue\w*",
        r"worship\w*",
        r"denomination\w*",
        r"prayer\w*",
        r"philosoph\w*",
        r"caste\w*",
    ),
    "ethnic_or_racial_origin": (
        r"ethnic\w*",
        r"race",
        r"racial\w*",
        r"skin(colou?r|tone)?",
        r"tribe\w*",
        r"tribal",
        r"ancestry",
        r"nationality",
        r"national(origin)?",
        r"hukou",
        r"minority",
    ),
    "health": (
        r"health\w*",
        r"medical\w*",
        r"disease\w*",
        r"diagnos\w*",
        r"illness\w*",
        r"disabilit\w*",
        r"pregnan\w*",
        r"mental\w*",
        r"hospital\w*",
        r"prescription\w*",
        r"medication\w*",
        r"hiv",
        r"covid\w*",
        r"vaccin\w*",
        r"symptom\w*",
        r"therap\w*",
    ),
    "sex_life_or_orientation": (
        r"sexual\w*",
        r"sexlife",
        r"orientation",
        r"lgbt\w*",
        r"gay",
        r"lesbian",
        r"dating",
        r"partnersex",
    ),
    "trade_union_membership": (r"union\w*", r"syndicat\w*", r"labou?runion\w*"),
    "biometric": (
        r"biometric\w*",
        r"fingerprint\w*",
        r"face\w*",
        r"facial\w*",
        r"iris",
        r"retina\w*",
        r"voice(print)?",
        r"gait",
        r"palm(print)?",
    ),
    "genetic": (r"genetic\w*", r"genom\w*", r"dna", r"gene", r"genes", r"genotyp\w*"),
    FREE_TEXT_RULE: (
        r"text",
        r"freetext",
        r"comment\w*",
        r"notes?",
        r"message\w*",
        r"description\w*",
        r"remark\w*",
        r"postings?",
        r"tweet\w*",
        r"speech\w*",
        r"chat\w*",
        r"narrative\w*",
        r"bio",
        r"content",
    ),
}

# Bases that anti-discrimination law protects; for the fairness audit only.
PROTECTED_BASES: dict[str, tuple[str, ...]] = {
    "sex_or_gender": (r"sex", r"gender\w*", r"personalstatusandsex", r"female", r"male"),
    "marital_status": (r"marital\w*", r"married", r"spouse\w*", r"personalstatus"),
    "age": (r"age", r"ages", r"birth\w*", r"dob", r"yearofbirth"),
    "national_origin": (r"foreign\w*", r"immigra\w*", r"citizenship", r"foreignworker"),
    "public_assistance": (r"welfare", r"publicassistance", r"benefits?"),
}

_WORD_SPLIT = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])")

_COMPILED: dict[str, dict[str, re.Pattern[str]]] = {
    "special": {
        c: re.compile("|".join(f"(?:{p})" for p in ps)) for c, ps in SPECIAL_CATEGORIES.items()
    },
    "protected": {
        c: re.compile("|".join(f"(?:{p})" for p in ps)) for c, ps in PROTECTED_BASES.items()
    },
}


def name_words(name: str) -> list[str]:
    """Split an attribute or column name into lowercase words."""
    return [w.lower() for w in _WORD_SPLIT.split(name) if w]


def _candidates(name: str) -> Iterable[str]:
    words = name_words(name)
    # single words, and runs of adjacent words joined (catches "skin_colour", "sex_life")
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + 4) + 1):
            yield "".join(words[i:j])


def _match(kind: str, name: str) -> str | None:
    cands = list(_candidates(name))
    for category, pattern in _COMPILED[kind].items():  # declaration order decides ties
        if any(pattern.fullmatch(c) for c in cands):
            return category
    return None


def forbidden_category(name: str) -> str | None:
    """The special category (or ``free_text``) a name falls in, else ``None``."""
    return _match("special", name)


def protected_basis(name: str) -> str | None:
    """The protected basis a name falls in (for the fairness audit only), else ``None``."""
    return _match("protected", name)
