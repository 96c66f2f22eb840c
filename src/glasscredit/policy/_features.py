"""Feature definitions: windowed aggregates over event types, declared as data.

Each feature is one aggregate of one subject's countable events as of a time ``t``:

==================== ==========================================================
``count``            number of matching events in the window (0 when none)
``sum``              sum of ``attribute`` (0 when none)
``max`` / ``min``    extreme of ``attribute`` (missing when none)
``mean``             mean of ``attribute`` (missing when none)
``months_since_first`` / ``months_since_last``
                     whole mean-Gregorian months since the first/last matching
                     event (missing when none)
``distinct_sources`` number of different sources among matching events
``ratio``            ``numerator / (numerator + denominator)`` of two other
                     features when ``share`` is true, else ``numerator /
                     denominator``; missing when the denominator is 0
``external``         a value supplied by another component (trust), looked up
                     by subject; missing when absent
==================== ==========================================================

``max_per_period`` limits how many events of a subject count per period (anti-
inflation: a bot pumping 500 events a day counts as a few), ``cap`` clips the value.

``min_sources`` makes positive history count fully only when it comes from enough
independent sources: while the named ``distinct_sources`` feature (which counts source
groups, see :class:`~glasscredit.policy.SourceSpec`) is below ``min``, the value is
clipped at ``cap``; with ``known_for``, only the events the ledger has known for that
long count meanwhile (a colluding partner's fresh stream waits; an honest partner's
older history counts). A single partner, colluding or careless, can then lift a subject
only part of the way; the rule is part of what the feature counts, so the score stays
base plus points, exactly explained.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from glasscredit.policy._durations import parse_duration

__all__ = ["AGGREGATES", "AttributeFilter", "FeatureSpec", "MinSources", "PeriodCap"]

Aggregate = Literal[
    "count",
    "sum",
    "max",
    "min",
    "mean",
    "months_since_first",
    "months_since_last",
    "distinct_sources",
    "ratio",
    "external",
]
AGGREGATES: tuple[str, ...] = get_args(Aggregate)
_NEEDS_ATTRIBUTE = ("sum", "max", "min", "mean")
# aggregates whose value grows with the history behind it: what min_sources may clip
_SOURCE_LIMITED = ("count", "sum", "max", "months_since_first")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class AttributeFilter(BaseModel):
    """Keep only events whose attribute lies in ``[min, max]`` or in ``in``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    in_: list[str] | None = Field(default=None, alias="in")


class PeriodCap(BaseModel):
    """At most ``max`` events per subject per ``period`` count (the earliest ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: str = "1d"
    max: int = Field(ge=1)

    @property
    def period_us(self) -> int:
        return parse_duration(self.period)


class MinSources(BaseModel):
    """Count fully only with ``min`` independent sources; below that, at most ``cap``.

    ``feature`` names a ``distinct_sources`` feature (checked by the policy): what
    "sources" means (which types, which window) is declared once, there.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str
    min: int = Field(default=2, ge=2)
    cap: float = Field(ge=0)
    # below ``min``, only events the ledger has known (``known_at``) for at least this
    # long count: a single source's fresh stream cannot lift the accounts it opened
    known_for: str | None = None
    # measure ``known_for`` from the first of the feature's events the ledger knew (how
    # long the subject has been known for it) instead of from each event: an established
    # customer of one partner keeps the capped count; a partner's new accounts wait
    since_first: bool = False

    @model_validator(mode="after")
    def _duration(self) -> MinSources:
        if self.known_for is not None and parse_duration(self.known_for) <= 0:
            raise ValueError(f"known_for {self.known_for!r} must be positive [positive]")
        if self.since_first and self.known_for is None:
            raise ValueError("since_first measures known_for: set known_for [known_for]")
        return self

    @property
    def known_for_us(self) -> int | None:
        return parse_duration(self.known_for) if self.known_for is not None else None


class FeatureSpec(BaseModel):
    """One feature: an aggregate, its inputs, window, caps, dimension and reason text."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str
    agg: Aggregate
    dimension: str
    types: list[str] = Field(default_factory=list)
    attribute: str | None = None
    where: dict[str, AttributeFilter] = Field(default_factory=dict)
    window: str | None = None
    cap: float | None = None
    max_per_period: PeriodCap | None = None
    # caps on the ledger's clock (known_at): at most ``max`` events per subject per
    # period by when the ledger knew them (e.g. 7d and 1mo), after ``max_per_period``;
    # a source cannot spread a flood over backdated days to pass them
    max_per_ledger_period: list[PeriodCap] | None = None
    min_sources: MinSources | None = None
    numerator: str | None = None
    denominator: str | None = None
    share: bool = False
    reason: str = ""
    # a stable reason code for notices (default: "GC" and the feature's position)
    code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9]{1,7}$")
    # how a person can move this feature, used by the path to the next tier:
    # "more" (more of the events helps), "less", "wait" (time heals), or "fixed"
    lever: Literal["more", "less", "wait", "fixed"] = "fixed"
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> FeatureSpec:
        if not _NAME.match(self.name):
            raise ValueError(f"feature name {self.name!r} must be snake_case [feature_name]")
        if self.agg in ("ratio",):
            if not (self.numerator and self.denominator):
                raise ValueError(f"{self.name}: ratio needs numerator and denominator [ratio]")
            if self.types or self.attribute:
                raise ValueError(f"{self.name}: ratio takes features, not types [ratio]")
        elif self.agg == "external":
            if self.types:
                raise ValueError(f"{self.name}: an external feature takes no types [external]")
        else:
            if not self.types:
                raise ValueError(f"{self.name}: {self.agg} needs at least one event type [types]")
        if self.agg in _NEEDS_ATTRIBUTE and not self.attribute:
            raise ValueError(f"{self.name}: {self.agg} needs an attribute [attribute]")
        if self.min_sources is not None and self.agg not in _SOURCE_LIMITED:
            raise ValueError(
                f"{self.name}: min_sources applies to {', '.join(_SOURCE_LIMITED)}, "
                f"not {self.agg} [min_sources]"
            )
        if self.window is not None:
            parse_duration(self.window)
        return self

    @property
    def window_us(self) -> int | None:
        return parse_duration(self.window) if self.window is not None else None

    @property
    def is_event_aggregate(self) -> bool:
        return self.agg not in ("ratio", "external")
