"""The shape of a vocabulary term: what it means, its type and unit, and why it is admissible.

Every term (an event family, an event type, an attribute, an enum value) carries a
``rationale``: a sentence saying why it is not special-category data (GDPR Art. 9),
not speech, not a protected basis (ECOA) and not a direct identifier. A term without
one cannot be shipped; a test checks each of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ATTRIBUTE_TYPES",
    "POLARITIES",
    "AttributeTerm",
    "AttributeType",
    "EnumValue",
    "EventFamily",
    "EventTypeTerm",
    "Polarity",
    "Term",
    "Vocabulary",
]

AttributeType = Literal["integer", "number", "boolean", "enum", "subject", "reference"]
# There is deliberately no string type: an open string is free text, and free text can
# carry speech, beliefs or health. Identifiers are opaque tokens of a restricted alphabet.
ATTRIBUTE_TYPES: tuple[str, ...] = ("integer", "number", "boolean", "enum", "subject", "reference")
Polarity = Literal["positive", "negative", "neutral"]
POLARITIES: tuple[str, ...] = ("positive", "negative", "neutral")


@dataclass(frozen=True, slots=True)
class EnumValue:
    """One value of a closed list.

    ``reviewed`` names the denylist category a value's spelling resembles when a review
    found the value harmless (``phone`` as the kind of bill paid is a service, not a
    phone number); a test checks the denylist still says exactly that.
    """

    name: str
    meaning: str
    rationale: str
    reviewed: str | None = None


@dataclass(frozen=True, slots=True)
class AttributeTerm:
    """An attribute: a closed type, its unit, the widest range and the allowed values.

    A policy may narrow the range or choose a subset of the values, never widen them.
    ``essential`` attributes are read by glasscredit itself (the trust graph reads an
    endorsement's ``endorser``): a policy that declares the type must require them.
    """

    name: str
    type: AttributeType
    meaning: str
    rationale: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[EnumValue, ...] = ()
    essential: bool = False

    def value(self, name: str) -> EnumValue | None:
        return next((v for v in self.values if v.name == name), None)

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.values)


@dataclass(frozen=True, slots=True)
class EventTypeTerm:
    """An event type a partner may report: its polarity and its admissible attributes."""

    name: str
    polarity: Polarity
    label: str
    meaning: str
    rationale: str
    attributes: tuple[AttributeTerm, ...]

    def attribute(self, name: str) -> AttributeTerm | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True, slots=True)
class EventFamily:
    """A family of event types sharing a subject matter (payments, loans, rentals...)."""

    name: str
    meaning: str
    rationale: str
    types: tuple[EventTypeTerm, ...]


@dataclass(frozen=True, slots=True)
class Term:
    """Any term of the vocabulary with where it sits, for listing and for tests."""

    kind: Literal["family", "event_type", "attribute", "value"]
    path: str  # "payment", "payment.late", "payment.late.days_late", "bill.paid.kind=phone"
    name: str
    meaning: str
    rationale: str
    reviewed: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The admissible facts: a policy chooses among these and cannot name others."""

    families: tuple[EventFamily, ...]
    _types: dict[str, EventTypeTerm] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        types = {t.name: t for f in self.families for t in f.types}
        object.__setattr__(self, "_types", types)

    def event_type(self, name: str) -> EventTypeTerm | None:
        return self._types.get(name)

    @property
    def type_names(self) -> tuple[str, ...]:
        return tuple(self._types)

    def terms(self) -> Iterator[Term]:
        """Every term, families first, each followed by its types, attributes and values."""
        for fam in self.families:
            yield Term("family", fam.name, fam.name, fam.meaning, fam.rationale)
            for t in fam.types:
                yield Term("event_type", t.name, t.name, t.meaning, t.rationale)
                for a in t.attributes:
                    path = f"{t.name}.{a.name}"
                    yield Term("attribute", path, a.name, a.meaning, a.rationale)
                    for v in a.values:
                        yield Term(
                            "value", f"{path}={v.name}", v.name, v.meaning, v.rationale, v.reviewed
                        )
