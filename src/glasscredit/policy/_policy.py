"""The operator's policy: everything glasscredit does, declared as data and hashed.

A policy is validated twice: by pydantic (shape and types) and by
:func:`_check_policy` (cross-references and the refusals glasscredit makes by
construction: special-category and free-text data, undeclared types, a points table
whose attainable range leaves 350-950).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from glasscredit.canonical import digest
from glasscredit.exceptions import FieldError, ForbiddenDataError, PolicyError
from glasscredit.policy._admissible import (
    complete_from_vocabulary,
    denylist_errors,
    vocabulary_errors,
)
from glasscredit.policy._bounds import bounds_errors
from glasscredit.policy._clocks import (
    BackdateRule,
    LatenessSpec,
    backdate_bounds,
    clock_errors,
    lag_bounds,
)
from glasscredit.policy._document import check_document
from glasscredit.policy._durations import parse_duration
from glasscredit.policy._events import EventTypeSpec, SourceSpec
from glasscredit.policy._external import TrustEventsSpec, check_external
from glasscredit.policy._features import FeatureSpec
from glasscredit.policy._points import PointsTable
from glasscredit.policy._texts import Texts, texts_errors

__all__ = [
    "SCORE_MAX",
    "SCORE_MIN",
    "ActionSpec",
    "DimensionSpec",
    "PerkSpec",
    "Policy",
    "TierSpec",
    "UnfoundedSpec",
]

SCORE_MIN = 350
SCORE_MAX = 950


class DimensionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    description: str = ""


class TierSpec(BaseModel):
    """A score band ``[min, max]`` (inclusive) with a name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    min: int
    max: int


class PerkSpec(BaseModel):
    """A benefit granted from a score, optionally with minimum dimension percentages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    min_score: int
    min_dimension_percent: dict[str, float] = Field(default_factory=dict)
    no_negative_within: str | None = None  # e.g. "5y": no countable negative event


class ActionSpec(BaseModel):
    """A realistic action a what-if offers: one ``type`` event from ``source`` every ``every``.

    The operator declares them (paying on time, returning rentals...), so front doors
    offer the actions this policy rewards instead of hard-coding event types.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    type: str
    source: str
    every: str = "1mo"
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)


class RetentionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    negative: str = "7y"
    positive: str = "10y"
    neutral: str = "10y"


class UnfoundedSpec(BaseModel):
    """When repeated unfounded disputes cost a subject the immediate freeze, and how long.

    ``count`` disputes found unfounded (the record upheld) within ``within`` lose the
    freeze for ``lose_freeze_for`` from the verdict that reached the count.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(default=3, ge=1, le=100)
    within: str = "365d"
    lose_freeze_for: str = "180d"


class DisputeSpec(BaseModel):
    """What a dispute does while it is open, its deadlines, and the farming defences.

    ``open_effect``: ``stop_counting`` (the record stops counting at once, the default)
    or ``keep_counting`` (it counts until a verdict removes it or the deadline passes);
    ``provisional_perks``: perks granted only because a disputed record stopped counting
    are marked provisional until the dispute is resolved; ``repeated_unfounded`` (None:
    never) takes the immediate freeze away from a subject whose disputes keep failing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadline: str = "30d"
    extension: str = "15d"
    review_deadline: str = "30d"  # a human review of a decision (GDPR Art. 12(3): a month)
    open_effect: Literal["stop_counting", "keep_counting"] = "stop_counting"
    provisional_perks: bool = True
    repeated_unfounded: UnfoundedSpec | None = Field(default_factory=UnfoundedSpec)


class IngestSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clock_skew: str = "5min"
    max_attributes_bytes: int = 4096
    max_line_bytes: int = 65_536  # one JSON line, JSON array element or Parquet attributes
    max_file_bytes: int = 64 << 30  # one input file
    earliest: str = "1900-01-01T00:00:00Z"  # events dated before are refused (year 0001)
    # how far before its arrival an event may be dated (None: no bound; policy/_clocks.py
    # recommends DEFAULT_MAX_BACKDATE and says why)
    max_backdate: str | None = None
    backdate: list[BackdateRule] = Field(default_factory=list)  # per source and/or type


class Policy(BaseModel):
    """A complete, validated policy. Build it with :func:`glasscredit.policy.load_policy`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    name: str
    description: str = ""
    sources: dict[str, SourceSpec]
    event_types: dict[str, EventTypeSpec]
    features: list[FeatureSpec] = Field(default_factory=list)
    dimensions: dict[str, DimensionSpec] = Field(default_factory=dict)
    points: PointsTable | None = None
    tiers: list[TierSpec] = Field(default_factory=list)
    perks: list[PerkSpec] = Field(default_factory=list)
    whatif_actions: list[ActionSpec] = Field(default_factory=list)
    trust_events: TrustEventsSpec = Field(default_factory=TrustEventsSpec)
    retention: RetentionSpec = Field(default_factory=RetentionSpec)
    disputes: DisputeSpec = Field(default_factory=DisputeSpec)
    ingest: IngestSpec = Field(default_factory=IngestSpec)
    lateness: LatenessSpec = Field(default_factory=LatenessSpec)
    reason_codes: int = Field(default=4, ge=1, le=5)
    settings: dict[str, Any] = Field(default_factory=dict)
    #: plain words per locale: a label and advice per feature, bin and perk (``_texts``)
    texts: Texts | None = None
    _hash: str | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _sound_document(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        check_document(data)  # before pydantic: no value it cannot handle gets through
        return complete_from_vocabulary(data)

    @model_validator(mode="after")
    def _cross_check(self) -> Policy:
        _check_policy(self)
        return self

    # -- derived views ----------------------------------------------------------
    @property
    def hash(self) -> str:
        """sha256 of the canonical JSON form: every score records it.

        Computed once (a full dump costs milliseconds): the policy is frozen, and
        :meth:`model_copy` drops the cached value so a copy with updates rehashes.
        """
        if self._hash is None:
            self._hash = digest(self.model_dump(mode="json", by_alias=True))
        return self._hash

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Policy:
        copy = super().model_copy(update=update, deep=deep)
        copy._hash = None
        return copy

    @property
    def score_range(self) -> tuple[int, int]:
        """The lowest and the highest score (the tiers cover it exactly)."""
        if not self.tiers:
            return SCORE_MIN, SCORE_MAX
        return min(t.min for t in self.tiers), max(t.max for t in self.tiers)

    def action(self, name: str) -> ActionSpec:
        for a in self.whatif_actions:
            if a.name == name:
                return a
        raise KeyError(name)

    def feature(self, name: str) -> FeatureSpec:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)

    def source_groups(self) -> dict[str, str]:
        """Each declared source's independence group (its own name unless declared)."""
        return {name: spec.group or name for name, spec in self.sources.items()}

    def retention_us(self, event_type: str) -> int:
        spec = self.event_types[event_type]
        text = spec.retention or getattr(self.retention, spec.polarity)
        return parse_duration(text)

    def backdate_bounds_us(self) -> dict[tuple[str, str], int]:
        """Per (source, type) the source may send: how far back it may date an event."""
        return backdate_bounds(self)

    def lag_bounds_us(self) -> dict[str, int]:
        """Per positive type with a bound: the largest known-after-occurred lag counted."""
        return lag_bounds(self)

    def tier_of(self, score: int) -> str:
        for t in self.tiers:
            if t.min <= score <= t.max:
                return t.name
        return ""

    def to_json(self) -> str:
        return json.dumps(
            self.model_dump(mode="json", by_alias=True), sort_keys=True, indent=2, allow_nan=False
        )


def _check_policy(p: Policy) -> None:
    # 1. refusals by construction: the vocabulary, then the denylist behind it
    forbidden = vocabulary_errors(p) + denylist_errors(p)
    if forbidden:
        raise ForbiddenDataError(
            "policy refused: it declares data glasscredit never processes", forbidden
        )
    errors = bounds_errors(p) + clock_errors(p)
    # 2. cross references
    for sname, src in p.sources.items():
        for t in src.types:
            if t not in p.event_types:
                errors.append(
                    FieldError(
                        f"sources.{sname}.types",
                        "unknown_type",
                        f"event type {t!r} is not declared",
                    )
                )
    names = [f.name for f in p.features]
    dup = {n for n in names if names.count(n) > 1}
    for n in sorted(dup):
        errors.append(FieldError(f"features.{n}", "unique", "feature declared twice"))
    declared = set(names)
    for i, f in enumerate(p.features):
        where = f"features.{f.name}"
        if p.dimensions and f.dimension not in p.dimensions:
            errors.append(
                FieldError(
                    f"{where}.dimension",
                    "unknown_dimension",
                    f"dimension {f.dimension!r} is not declared",
                )
            )
        for t in f.types:
            if t not in p.event_types:
                errors.append(
                    FieldError(
                        f"{where}.types", "unknown_type", f"event type {t!r} is not declared"
                    )
                )
            elif f.attribute and f.attribute not in p.event_types[t].attributes:
                errors.append(
                    FieldError(
                        f"{where}.attribute",
                        "unknown_attribute",
                        f"{t!r} has no attribute {f.attribute!r}",
                    )
                )
            for a in f.where:
                if t in p.event_types and a not in p.event_types[t].attributes:
                    errors.append(
                        FieldError(
                            f"{where}.where", "unknown_attribute", f"{t!r} has no attribute {a!r}"
                        )
                    )
        _check_min_sources(p, f, errors)
        for ref in (f.numerator, f.denominator):
            if ref is not None and ref not in [g.name for g in p.features[:i]]:
                errors.append(
                    FieldError(
                        f"{where}", "ratio_order", f"{ref!r} must be declared before {f.name!r}"
                    )
                )
    if p.points is not None:
        for fname in p.points.features:
            if fname not in declared:
                errors.append(
                    FieldError(
                        f"points.features.{fname}",
                        "unknown_feature",
                        "points given for an undeclared feature",
                    )
                )
        lo, hi = p.points.min_total, p.points.max_total
        if lo < SCORE_MIN or hi > SCORE_MAX:
            errors.append(
                FieldError(
                    "points",
                    "score_range",
                    f"attainable scores {lo}..{hi} leave "
                    f"{SCORE_MIN}..{SCORE_MAX}; rescale so that no score "
                    "is ever clipped",
                )
            )
    _check_tiers(p, errors)
    for perk in p.perks:
        for d in perk.min_dimension_percent:
            if d not in p.dimensions:
                errors.append(
                    FieldError(
                        f"perks.{perk.name}",
                        "unknown_dimension",
                        f"dimension {d!r} is not declared",
                    )
                )
    _check_actions(p, errors)
    check_external(p.features, p.event_types, p.trust_events, errors)
    errors.extend(texts_errors(p))
    if errors:
        raise PolicyError("policy is invalid", errors)


def _check_min_sources(p: Policy, f: FeatureSpec, errors: list[FieldError]) -> None:
    """``min_sources.feature`` must be a ``distinct_sources`` feature of the policy, and
    its cap below the feature's own (else it would never clip; with ``known_for`` it
    may equal it: the seasoning still limits what counts)."""
    if f.min_sources is None:
        return
    ms = f.min_sources
    if f.cap is not None and (ms.cap > f.cap if ms.known_for else ms.cap >= f.cap):
        errors.append(
            FieldError(
                f"features.{f.name}.min_sources.cap",
                "below_cap",
                f"{f.min_sources.cap:g} must be below the feature's cap {f.cap:g}"
                + (" (or equal to it with known_for)" if f.min_sources.known_for else ""),
            )
        )
    where = f"features.{f.name}.min_sources.feature"
    ref = next((g for g in p.features if g.name == f.min_sources.feature), None)
    if ref is None:
        errors.append(
            FieldError(where, "unknown_feature", f"{f.min_sources.feature!r} is not declared")
        )
    elif ref.agg != "distinct_sources":
        errors.append(
            FieldError(
                where,
                "distinct_sources",
                f"{ref.name!r} is {ref.agg}; min_sources reads a distinct_sources feature",
            )
        )


def _duration(errors: list[FieldError], field: str, text: str) -> None:
    try:
        parse_duration(text)
    except ValueError as exc:
        errors.append(FieldError(field, "duration", str(exc)))


def _check_actions(p: Policy, errors: list[FieldError]) -> None:
    seen: set[str] = set()
    for a in p.whatif_actions:
        where = f"whatif_actions.{a.name}"
        if a.name in seen:
            errors.append(FieldError(where, "unique", "action declared twice"))
        seen.add(a.name)
        if a.type not in p.event_types:
            errors.append(FieldError(f"{where}.type", "unknown_type", f"{a.type!r} not declared"))
        if a.source not in p.sources:
            errors.append(
                FieldError(f"{where}.source", "unknown_source", f"{a.source!r} not declared")
            )
        elif a.type not in p.sources[a.source].types:
            errors.append(
                FieldError(f"{where}.source", "source_type", f"{a.source!r} cannot send {a.type!r}")
            )
        declared = p.event_types[a.type].attributes if a.type in p.event_types else {}
        for k in a.attributes:
            if k not in declared:
                errors.append(
                    FieldError(f"{where}.attributes.{k}", "unknown_attribute", "not declared")
                )
        _duration(errors, f"{where}.every", a.every)


def _check_tiers(p: Policy, errors: list[FieldError]) -> None:
    if not p.tiers:
        return
    tiers = sorted(p.tiers, key=lambda t: t.min)
    if tiers[0].min != SCORE_MIN or tiers[-1].max != SCORE_MAX:
        errors.append(
            FieldError("tiers", "cover_range", f"tiers must cover {SCORE_MIN}..{SCORE_MAX} exactly")
        )
    for a, b in itertools.pairwise(tiers):
        if b.min != a.max + 1:
            errors.append(
                FieldError("tiers", "contiguous", f"tier {b.name!r} must start at {a.max + 1}")
            )
    for t in tiers:
        if t.min > t.max:
            errors.append(FieldError(f"tiers.{t.name}", "range", "min is above max"))
