"""Plain words for the person: a label and a piece of advice for every feature, bin and
perk, per locale (the policy's ``texts`` section).

The words live apart from the points table (a text never reaches a points row: the
table's rows refuse unknown keys), so translating a page never changes a score's
points table hash. A policy that has ``texts`` must give, in its default locale, a
label and advice for every feature its points table scores (a perk or tier without
texts reads its description or its name in words); texts for names the policy does not
declare are ignored (a policy derived by dropping a feature keeps working); another
locale may be partial (what it lacks is read from the default locale).

A bin reads as words generated from its edges and the feature's value phrase ("30 to
59 days late", "at least 4 late payments", "under 80% of payments on time"), never as
interval notation; a feature may list its bins' words instead (``bins``), used when the
table has that many bins.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from glasscredit.exceptions import FieldError

if TYPE_CHECKING:
    from glasscredit.policy._points import FeaturePoints
    from glasscredit.policy._policy import Policy

__all__ = [
    "BinText",
    "FeatureText",
    "LocaleTexts",
    "PerkText",
    "Texts",
    "Words",
    "bin_words",
    "feature_text",
    "locale_texts",
    "perk_text",
    "texts_errors",
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BinText(_Spec):
    label: str = Field(min_length=1)


class FeatureText(_Spec):
    """What a feature means, what to do about it, and how its values read."""

    label: str = Field(min_length=1)
    advice: str = Field(min_length=1)
    #: a value in words, ``{n}`` the number: "{n} late payments"; ``value_one`` for 1
    value: str = "{n}"
    value_one: str | None = None
    #: how a value reads: ``whole`` numbers, a ``percent`` of 1, or a ``decimal``
    number: Literal["whole", "percent", "decimal"] = "whole"
    #: the words for zero of a whole count ("no late payments")
    none: str | None = None
    #: the words for no value at all ("no late payment in the last 24 months")
    missing: str | None = None
    #: the bins' words, lowest first, when the generated ones read badly
    bins: list[BinText] = Field(default_factory=list)


class PerkText(_Spec):
    label: str = Field(min_length=1)
    advice: str = Field(min_length=1)


class Words(_Spec):
    """The connecting words of generated bin labels (``{v}``, ``{lo}``, ``{hi}``)."""

    up_to: str = "up to {v}"
    under: str = "under {v}"
    range: str = "{lo} to {hi}"
    range_under: str = "{lo} to under {hi}"
    at_least: str = "at least {v}"
    missing: str = "no record of this"


class LocaleTexts(_Spec):
    words: Words = Field(default_factory=Words)
    features: dict[str, FeatureText] = Field(default_factory=dict)
    perks: dict[str, PerkText] = Field(default_factory=dict)
    tiers: dict[str, str] = Field(default_factory=dict)
    #: what a person with no records reads: why they score as they do, what would change it
    no_data: str = ""


class Texts(_Spec):
    default_locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    locales: dict[str, LocaleTexts]

    def locale(self, name: str | None = None) -> LocaleTexts:
        """The texts of ``name`` (default: the default locale); missing entries come from
        the default locale."""
        base = self.locales[self.default_locale]
        if name is None or name == self.default_locale or name not in self.locales:
            return base
        mine = self.locales[name]
        return LocaleTexts(
            words=mine.words,
            features={**base.features, **mine.features},
            perks={**base.perks, **mine.perks},
            tiers={**base.tiers, **mine.tiers},
            no_data=mine.no_data or base.no_data,
        )


def texts_errors(p: Policy) -> list[FieldError]:
    """What a policy's ``texts`` lacks or names that the policy does not declare."""
    t = p.texts
    if t is None:
        return []
    if t.default_locale not in t.locales:
        return [
            FieldError(
                "texts.default_locale",
                "known_locale",
                f"{t.default_locale!r} is not one of the locales given",
            )
        ]
    errors: list[FieldError] = []
    features = {f.name for f in p.features}
    base = t.locales[t.default_locale]
    scored = sorted(p.points.features) if p.points is not None else sorted(features)
    where = f"texts.locales.{t.default_locale}"
    for n in scored:
        if n not in base.features:
            errors.append(
                FieldError(
                    f"{where}.features.{n}",
                    "required",
                    "every feature the policy scores needs a label and advice",
                )
            )
        elif p.points is not None and (got := base.features[n].bins):
            fp = p.points.features[n]
            want = len(fp.points)
            if len(got) != want:
                errors.append(
                    FieldError(
                        f"{where}.features.{n}.bins",
                        "bin_count",
                        f"{len(got)} labels for the points table's {want} bins",
                    )
                )
    if not base.no_data:
        errors.append(
            FieldError(f"{where}.no_data", "required", "what a person with no records reads")
        )
    return errors


def _num(ft: FeatureText, x: float) -> str:
    if ft.number == "percent":
        return f"{x * 100:g}%"
    if ft.number == "whole":
        return str(int(x))
    return f"{x:g}"


def _value(ft: FeatureText, x: float, *, bare: bool = False) -> str:
    """``x`` in words ("45 days late"); ``bare``: the number alone (a range's first end)."""
    n = _num(ft, x)
    if bare:
        return n
    if ft.number == "whole" and x == 0 and ft.none:
        return ft.none
    template = ft.value_one if (x == 1 and ft.value_one) else ft.value
    return template.replace("{n}", n)


def bin_words(ft: FeatureText, words: Words, fp: FeaturePoints, label: str) -> str:
    """The words of the bin ``label`` (as ``FeaturePoints.bin_of`` names it) of a feature."""
    if label == "missing":
        return ft.missing or words.missing
    if fp.kind != "numeric" or not label.startswith("["):
        return label  # a special value's or a category group's own label
    i = next((k for k in range(len(fp.points)) if fp.bin_label(k) == label), None)
    if i is None:
        return label
    if ft.bins and len(ft.bins) == len(fp.points):
        return ft.bins[i].label
    lo = None if i == 0 else fp.edges[i - 1]
    hi = None if i == len(fp.edges) else fp.edges[i]
    whole = ft.number == "whole"
    if lo is None and hi is None:
        return ft.value.replace("{n}", "any")
    if hi is None:
        assert lo is not None
        return words.at_least.replace("{v}", _value(ft, lo))
    if whole:
        top = math.ceil(hi) - 1  # whole values below hi
        if lo is None:
            return _value(ft, 0) if top == 0 else words.up_to.replace("{v}", _value(ft, top))
        first = math.ceil(lo)
        if first == top:
            return _value(ft, first)
        return words.range.replace("{lo}", _value(ft, first, bare=True)).replace(
            "{hi}", _value(ft, top)
        )
    if lo is None:
        return words.under.replace("{v}", _value(ft, hi))
    return words.range_under.replace("{lo}", _value(ft, lo, bare=True)).replace(
        "{hi}", _value(ft, hi)
    )


_WHOLE = ("count", "distinct_sources", "months_since_first")
_LEVER_ADVICE = {
    "more": "More records of this kind, reported by partners, raise this part of your score.",
    "less": "Fewer records of this kind raise this part of your score.",
    "wait": "This part improves by itself as these records get older and stop counting.",
    "fixed": "This part does not change with what you do; it is shown so you can check it.",
}


def feature_text(p: Policy, name: str, locale: str | None = None) -> FeatureText:
    """The plain words of feature ``name``: the policy's texts, or (a policy without
    them) its reason and advice from its lever, so a person never reads its name."""
    if p.texts is not None:
        found = p.texts.locale(locale).features.get(name)
        if found is not None:
            return found
    f = p.feature(name)
    return FeatureText(
        label=f.reason or name.replace("_", " "),
        advice=_LEVER_ADVICE[f.lever],
        number="whole"
        if f.agg in ("count", "distinct_sources", "months_since_first")
        else "decimal",
    )


def perk_text(p: Policy, name: str, locale: str | None = None) -> PerkText:
    """The plain words of perk ``name`` (its description when the policy has no texts)."""
    if p.texts is not None:
        found = p.texts.locale(locale).perks.get(name)
        if found is not None:
            return found
    perk = next(k for k in p.perks if k.name == name)
    return PerkText(
        label=perk.description or name.replace("_", " "), advice=perk.description or "-"
    )


def locale_texts(p: Policy, locale: str | None = None) -> LocaleTexts:
    """The policy's texts of ``locale``, or the built-in English connecting words."""
    return p.texts.locale(locale) if p.texts is not None else LocaleTexts()
