"""Closed event schemas: what a source may say about a subject, and nothing else.

A policy's event types, attributes and enum values are chosen from the vocabulary
(:mod:`glasscredit.vocabulary`, checked when the policy loads); these classes hold the
operator's choice and check events against it. An attribute has one of a few closed
types. There is deliberately no string type: an open string is free text, and free text
can carry speech, beliefs or health. Identifiers (``reference``, ``subject``) are opaque
tokens of a restricted alphabet and length.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from glasscredit.canonical import IDENTIFIER_RE, SUBJECT_RE, TYPE_NAME_RE
from glasscredit.vocabulary import ATTRIBUTE_TYPES

__all__ = [
    "ATTRIBUTE_TYPES",
    "REFERENCE_PATTERN",
    "SUBJECT_PATTERN",
    "AttributeSpec",
    "EventTypeSpec",
    "SourceSpec",
]

SUBJECT_PATTERN = SUBJECT_RE
REFERENCE_PATTERN = IDENTIFIER_RE
# largest magnitude accepted for numbers: beyond it an amount is an error, not a fortune
MAX_ABS_NUMBER = 1e12
# JSON integers beyond int64 cannot be stored exactly
MAX_ABS_INTEGER = 2**53


class AttributeSpec(BaseModel):
    """One attribute of an event type: a closed type with its range or allowed values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    values: list[str] | None = None
    description: str = ""

    @field_validator("type")
    @classmethod
    def _closed_type(cls, v: str) -> str:
        if v in ("string", "str", "text", "free_text", "json", "object", "any"):
            raise ValueError(
                f"type {v!r} is open free text, which glasscredit refuses [free_text]; "
                "use enum (a fixed list), reference (an opaque id) or a number"
            )
        if v not in ATTRIBUTE_TYPES:
            raise ValueError(f"type {v!r} is not one of {', '.join(ATTRIBUTE_TYPES)} [closed_type]")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> AttributeSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum attribute needs a non-empty 'values' list [enum_values]")
        if self.type != "enum" and self.values is not None:
            raise ValueError("only enum attributes take 'values' [enum_values]")
        if (self.minimum is not None or self.maximum is not None) and self.type not in (
            "integer",
            "number",
        ):
            raise ValueError("only integer and number attributes take a range [range]")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is above maximum [range]")
        return self

    def check(self, value: object) -> tuple[str, str] | None:
        """``None`` if the value is valid, else ``(rule, message)``."""
        t = self.type
        if t == "boolean":
            return None if isinstance(value, bool) else ("type", "must be true or false")
        if t == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer() and math.isfinite(value):
                    value = int(value)
                else:
                    return ("type", "must be an integer")
            if abs(value) > MAX_ABS_INTEGER:
                return ("range", f"must be within ±{MAX_ABS_INTEGER}")
            return self._check_range(float(value))
        if t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return ("type", "must be a number")
            x = float(value)
            if not math.isfinite(x):
                return ("finite", "must be a finite number")
            if abs(x) > MAX_ABS_NUMBER:
                return ("range", f"must be within ±{MAX_ABS_NUMBER:g}")
            return self._check_range(x)
        if t == "enum":
            assert self.values is not None
            if not isinstance(value, str) or value not in self.values:
                return ("enum", f"must be one of {', '.join(self.values)}")
            return None
        if t == "subject":
            if not isinstance(value, str) or not SUBJECT_PATTERN.fullmatch(value):
                return ("subject_id", "must be an opaque subject id (A-Z a-z 0-9 . _ : -, max 64)")
            return None
        # reference
        if not isinstance(value, str) or not REFERENCE_PATTERN.fullmatch(value):
            return ("reference", "must be an opaque reference (A-Z a-z 0-9 . _ : / # -, max 128)")
        return None

    def _check_range(self, x: float) -> tuple[str, str] | None:
        if self.minimum is not None and x < self.minimum:
            return ("range", f"must be at least {self.minimum:g}")
        if self.maximum is not None and x > self.maximum:
            return ("range", f"must be at most {self.maximum:g}")
        return None


class EventTypeSpec(BaseModel):
    """An event type: its closed attributes, its polarity and how long it may count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    polarity: Literal["positive", "negative", "neutral"] = "neutral"
    attributes: dict[str, AttributeSpec] = Field(default_factory=dict)
    retention: str | None = None  # None: the policy default for this polarity
    label: str = ""  # short plain-language noun for notices, e.g. "late payment"


class SourceSpec(BaseModel):
    """A partner that reports events, and the event types it may report.

    ``group`` names the party behind the source when several sources are not
    independent (one operator's two brands, a lender and its subsidiary): sources of a
    group count as one wherever independence matters (``distinct_sources`` features and
    so ``min_sources``). Default: the source is its own group.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    types: list[str] = Field(min_length=1)
    group: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.-]{0,63}$")

    @field_validator("types")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for t in v:
            if not TYPE_NAME_RE.match(t):
                raise ValueError(f"{t!r} is not an event type name [type_name]")
        return v
