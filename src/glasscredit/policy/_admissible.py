"""A policy against the vocabulary (first line) and the denylist (second line).

First line: every event type, attribute and enum value a policy declares must be a term
of :data:`glasscredit.vocabulary.VOCABULARY`, with the vocabulary's type and polarity,
a range inside the vocabulary's and the attributes glasscredit itself reads. Second
line: the names a policy chooses freely (sources, features, dimensions, tiers, perks)
and the texts it shows people (labels, reasons) must not name special-category data,
speech, a protected basis, a direct identifier or other people's scores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from glasscredit.exceptions import FieldError
from glasscredit.policy._forbidden import NAME_KINDS, TEXT_KINDS, refusal
from glasscredit.vocabulary import VOCABULARY, AttributeTerm, EventTypeTerm

if TYPE_CHECKING:
    from glasscredit.policy._events import AttributeSpec, EventTypeSpec
    from glasscredit.policy._policy import Policy

__all__ = ["complete_from_vocabulary", "denylist_errors", "vocabulary_errors"]

_EXTEND = "a new term is a reviewed change to glasscredit.vocabulary (docs/vocabulary.md)"


def _also(name: str) -> str:
    r = refusal(name)
    return f"; moreover {r.explain(name)} [{r.category}]" if r else ""


def complete_from_vocabulary(data: dict[str, Any]) -> dict[str, Any]:
    """The document with what an attribute leaves out taken from the vocabulary.

    An operator may write ``amount: {}`` or ``days_late: {required: false}``: the type,
    the range and (for enums) every value come from the vocabulary. Nothing declared is
    changed (a declared value is checked, not replaced), so a complete policy, such as
    the shipped default, is unchanged and keeps its hash.
    """
    types = data.get("event_types")
    if not isinstance(types, dict):
        return data
    out_types: dict[str, Any] = {}
    for tname, spec in types.items():
        term = VOCABULARY.event_type(tname) if isinstance(tname, str) else None
        attrs = spec.get("attributes") if isinstance(spec, dict) else None
        if term is None or not isinstance(attrs, dict):
            out_types[tname] = spec
            continue
        done: dict[str, Any] = {}
        for aname, aspec in attrs.items():
            at = term.attribute(aname) if isinstance(aname, str) else None
            if at is None or not isinstance(aspec, dict) or aspec.get("type", at.type) != at.type:
                done[aname] = aspec
                continue
            filled = {"type": at.type, **aspec}
            if at.type in ("integer", "number"):
                for bound, value in (("minimum", at.minimum), ("maximum", at.maximum)):
                    if value is not None and bound not in filled:
                        filled[bound] = int(value) if at.type == "integer" else value
            if at.type == "enum" and "values" not in filled:
                filled["values"] = list(at.value_names)
            done[aname] = filled
        out_types[tname] = {**spec, "attributes": done}
    return {**data, "event_types": out_types}


def vocabulary_errors(p: Policy) -> list[FieldError]:
    """Every event type, attribute and value of ``p`` that the vocabulary does not hold."""
    errors: list[FieldError] = []
    for tname, et in p.event_types.items():
        where = f"event_types.{tname}"
        term = VOCABULARY.event_type(tname)
        if term is None:
            errors.append(
                FieldError(
                    where,
                    "vocabulary_type",
                    f"{tname!r} is not an event type of glasscredit's vocabulary (one of "
                    f"{', '.join(VOCABULARY.type_names)}); {_EXTEND}{_also(tname)}",
                )
            )
            continue
        errors += _type_errors(where, term, et)
    for f in p.features:
        for aname, flt in f.where.items():
            for t in f.types:
                spec = p.event_types.get(t)
                a = spec.attributes.get(aname) if spec else None
                if a is None or a.values is None or flt.in_ is None:
                    continue
                for v in flt.in_:
                    if v not in a.values:
                        errors.append(
                            FieldError(
                                f"features.{f.name}.where.{aname}.in",
                                "vocabulary_value",
                                f"{v!r} is not a value {t}.{aname} declares "
                                f"({', '.join(a.values)}){_also(v)}",
                            )
                        )
    return errors


def _type_errors(where: str, term: EventTypeTerm, et: EventTypeSpec) -> list[FieldError]:
    errors: list[FieldError] = []
    if et.polarity != term.polarity:
        errors.append(
            FieldError(
                f"{where}.polarity",
                "vocabulary_polarity",
                f"{term.name!r} ({term.meaning}) is {term.polarity} in the vocabulary, not "
                f"{et.polarity}",
            )
        )
    for aname, spec in et.attributes.items():
        at = term.attribute(aname)
        if at is None:
            have = ", ".join(a.name for a in term.attributes) or "none"
            errors.append(
                FieldError(
                    f"{where}.attributes.{aname}",
                    "vocabulary_attribute",
                    f"{aname!r} is not an attribute of {term.name!r} in glasscredit's "
                    f"vocabulary (it has: {have}); {_EXTEND}{_also(aname)}",
                )
            )
            continue
        errors += _attribute_errors(f"{where}.attributes.{aname}", at, spec)
    for at in term.attributes:
        declared = et.attributes.get(at.name)
        if at.essential and (declared is None or not declared.required):
            errors.append(
                FieldError(
                    f"{where}.attributes.{at.name}",
                    "vocabulary_essential",
                    f"glasscredit reads {term.name}.{at.name} ({at.meaning}): a policy that "
                    "declares the type must declare it, required",
                )
            )
    return errors


def _attribute_errors(where: str, at: AttributeTerm, spec: AttributeSpec) -> list[FieldError]:
    if spec.type != at.type:
        return [
            FieldError(
                f"{where}.type",
                "vocabulary_attribute_type",
                f"{at.name!r} is a {at.type} in the vocabulary ({at.meaning}), not {spec.type}",
            )
        ]
    errors: list[FieldError] = []
    unit = f" {at.unit}" if at.unit else ""
    if at.minimum is not None and (spec.minimum is None or spec.minimum < at.minimum):
        errors.append(
            FieldError(
                f"{where}.minimum",
                "vocabulary_range",
                f"may narrow the vocabulary's minimum, {at.minimum:g}{unit}, never lower it",
            )
        )
    if at.maximum is not None and (spec.maximum is None or spec.maximum > at.maximum):
        errors.append(
            FieldError(
                f"{where}.maximum",
                "vocabulary_range",
                f"may narrow the vocabulary's maximum, {at.maximum:g}{unit}, never raise it",
            )
        )
    for v in spec.values or ():
        if at.value(v) is None:
            errors.append(
                FieldError(
                    f"{where}.values",
                    "vocabulary_value",
                    f"{v!r} is not a value of {at.name!r} in glasscredit's vocabulary (one of "
                    f"{', '.join(at.value_names)}); {_EXTEND}{_also(v)}",
                )
            )
    return errors


def _free_names(p: Policy) -> Iterator[tuple[str, str, bool]]:
    """(field, name or text, is_text) for everything a policy names freely."""
    yield "name", p.name, False
    for s in p.sources:
        yield f"sources.{s}", s, False
    for t, et in p.event_types.items():
        if et.label:
            yield f"event_types.{t}.label", et.label, True
    for f in p.features:
        yield f"features.{f.name}", f.name, False
        if f.reason:
            yield f"features.{f.name}.reason", f.reason, True
    for d, dim in p.dimensions.items():
        yield f"dimensions.{d}", d, False
        yield f"dimensions.{d}.label", dim.label, True
    for tier in p.tiers:
        yield f"tiers.{tier.name}", tier.name, False
    for perk in p.perks:
        yield f"perks.{perk.name}", perk.name, False
    if p.points is not None:
        for fname, fp in p.points.features.items():
            for j, sp in enumerate(fp.specials):
                if sp.label:
                    yield f"points.features.{fname}.specials.{j}.label", sp.label, True


def denylist_errors(p: Policy) -> list[FieldError]:
    """Each freely chosen name or shown text that names what glasscredit never scores."""
    errors: list[FieldError] = []
    for field, text, is_text in _free_names(p):
        r = refusal(text, kinds=TEXT_KINDS if is_text else NAME_KINDS)
        if r is not None:
            errors.append(FieldError(field, r.category, r.explain(text)))
    return errors
