"""The two clocks in the policy: how far back a source may date an event, and how late a
positive event may be reported and still count.

``occurred_at`` is the sender's clock; the ledger's is ``known_at`` (when the ledger
knew the event: its arrival for a live event, the operator-attested date for an event of
an approved backfill). Two bounds tie them together:

* **backdating** (``ingest.max_backdate``, ``ingest.backdate``): an event dated more
  than the bound before its arrival is refused at ingest (``backdated``) unless it
  arrives in an approved backfill. The most specific rule wins: source and type, then
  type, then source, then the default.
* **lag** (``lateness``): a positive event known more than ``max_lag`` after it
  occurred counts for nothing (it is kept, shown, and the explanation says why).
  Negative events have no lag bound: a late report of a default still counts.

Recommended bounds, and why (``DEFAULT_MAX_BACKDATE``, ``DEFAULT_MAX_LAG``): partners
report in monthly cycles (Metro 2 furnishers send one file a
month), so an honest event reaches the ledger at most about two cycles after it
happened: its own cycle and the one it is reported in. ``62d`` covers that; anything
older is history and needs an approved backfill. Facts that a source observes at once
(an identity check, an endorsement, an account opening) have no cycle: ``7d``. A
positive event that counts must have been reported within about one cycle
(``lateness.max_lag``: ``35d``): a bill paid and reported in the next statement counts;
a burst of "old" good behaviour reported in one go does not. The shipped policy sets
these values; a policy that leaves a bound out (``null``) has none (docs/clocks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from glasscredit.exceptions import FieldError
from glasscredit.policy._durations import parse_duration

if TYPE_CHECKING:
    from glasscredit.policy._policy import Policy

__all__ = [
    "DEFAULT_MAX_BACKDATE",
    "DEFAULT_MAX_LAG",
    "BackdateRule",
    "BackfillWindow",
    "LatenessSpec",
    "backdate_bounds",
    "clock_errors",
    "lag_bounds",
]

DEFAULT_MAX_BACKDATE = "62d"  # two monthly reporting cycles
DEFAULT_MAX_LAG = "35d"  # one monthly cycle and a few days


class BackdateRule(BaseModel):
    """How far before its arrival an event of ``source`` and/or ``type`` may be dated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = None
    type: str | None = None
    max: str


class LatenessSpec(BaseModel):
    """Positive events known more than ``max_lag`` after they occurred do not count.

    ``types`` overrides the bound per positive event type (``null``: no bound).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_lag: str | None = None  # recommended: DEFAULT_MAX_LAG
    types: dict[str, str | None] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BackfillWindow:
    """What an approved backfill admits: one source's events dated within
    ``[occurred_from_us, occurred_to_us]``, known from ``known_from_us``."""

    backfill_id: int
    source: str
    occurred_from_us: int
    occurred_to_us: int
    known_from_us: int

    def known_at_us(self, occurred_at_us: int) -> int:
        """The ledger's clock of one of its events: ``max(occurred_at, known_from)``."""
        return max(occurred_at_us, self.known_from_us)


def backdate_bounds(policy: Policy) -> dict[tuple[str, str], int]:
    """Per (source, type) the source may send and that has a bound: how far back it may
    date an event, in microseconds (pairs without a bound are absent)."""
    text = policy.ingest.max_backdate
    default = None if text is None else parse_duration(text)
    rules = {(r.source, r.type): parse_duration(r.max) for r in policy.ingest.backdate}
    out: dict[tuple[str, str], int] = {}
    for s, spec in policy.sources.items():
        for t in spec.types:
            bound = next((rules[k] for k in ((s, t), (None, t), (s, None)) if k in rules), default)
            if bound is not None:
                out[(s, t)] = bound
    return out


def lag_bounds(policy: Policy) -> dict[str, int]:
    """Per positive event type with a bound: the largest ``known_at - occurred_at`` that
    still counts, in microseconds."""
    out: dict[str, int] = {}
    for t, spec in policy.event_types.items():
        if spec.polarity != "positive":
            continue
        text = policy.lateness.types.get(t, policy.lateness.max_lag)
        if text is not None:
            out[t] = parse_duration(text)
    return out


def clock_errors(p: Policy) -> list[FieldError]:
    """Every problem of the clock settings, each naming its field and rule."""
    errors: list[FieldError] = []

    def duration(field: str, text: str) -> None:
        try:
            if parse_duration(text) <= 0:
                errors.append(FieldError(field, "positive", "must be a positive duration"))
        except ValueError as exc:
            errors.append(FieldError(field, "duration", str(exc)))

    if p.ingest.max_backdate is not None:
        duration("ingest.max_backdate", p.ingest.max_backdate)
    seen: set[tuple[str | None, str | None]] = set()
    for i, r in enumerate(p.ingest.backdate):
        where = f"ingest.backdate[{i}]"
        duration(f"{where}.max", r.max)
        if r.source is None and r.type is None:
            errors.append(FieldError(where, "empty_rule", "name a source, a type or both"))
        if (r.source, r.type) in seen:
            errors.append(FieldError(where, "unique", "a rule for this source and type exists"))
        seen.add((r.source, r.type))
        if r.source is not None and r.source not in p.sources:
            errors.append(
                FieldError(f"{where}.source", "unknown_source", f"{r.source!r} is not declared")
            )
        if r.type is not None and r.type not in p.event_types:
            errors.append(
                FieldError(f"{where}.type", "unknown_type", f"{r.type!r} is not declared")
            )
        elif (
            r.type is not None and r.source in p.sources and r.type not in p.sources[r.source].types
        ):
            errors.append(
                FieldError(f"{where}.type", "source_type", f"{r.source!r} cannot send {r.type!r}")
            )
    if p.lateness.max_lag is not None:
        duration("lateness.max_lag", p.lateness.max_lag)
    for t, text in p.lateness.types.items():
        where = f"lateness.types.{t}"
        if t not in p.event_types:
            errors.append(FieldError(where, "unknown_type", f"{t!r} is not declared"))
        elif p.event_types[t].polarity != "positive":
            errors.append(FieldError(where, "polarity", "only positive events have a lag bound"))
        if text is not None:
            duration(where, text)
    return errors
