"""Source probation: what a flag leads to once an operator acts on it.

A flag alone changes nothing. An operator who puts a source on probation (by hand, or
by acting on its flags of the kinds :data:`PROBATION_KINDS`) decides that, from then on,
the source's positive events about its *sole cohort* count only once the ledger has
known them for the seasoning period (``settings.sources.seasoning``, default 12mo):

* the sole cohort: the source's subjects below ``min`` independent source groups on a
  ``distinct_sources`` feature that a ``min_sources`` of the policy names (the default:
  fewer than 2 groups reporting payments, bills, loans repaid, contracts or rentals in
  24 months, as the kernel counts ``active_sources_24m``); so an identity check from
  another partner does not take a subject out of it, a second partner's history does.
  A policy without ``min_sources`` uses the flags' cohort (positive events of the last
  ``settings.sources.history`` from the source's group alone);
* new to the source: of that cohort, the subjects whose first positive event from the
  source the ledger has known for less than the seasoning period (a source's
  long-standing customers, honest ones known to it alone included, are never held);
* held: each positive event of the source about a new subject of that cohort at the scan
  that the ledger has known for less than the seasoning period (arrived before the
  probation or after), from when the ledger knew it (at the earliest, the probation's
  start) until it has known it the seasoning period (``store.ProbationStore.hold``);
  what is held is what the features, the trust seeds and the perks do not count;
* lifted: a held subject whose positive history comes from a second independent
  group at a later scan counts the held events again from that scan on.

Each routine scan (:func:`apply_probations`) holds what arrived since; releasing a
source closes its open holds. Everything is on the ledger's clock (``known_at_us``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from glasscredit.policy import Policy, parse_duration
from glasscredit.sources._baselines import CLOCK
from glasscredit.sources._flags import SourceFlag
from glasscredit.sources._settings import SourceSettings, source_settings
from glasscredit.store import Probation, Store

__all__ = [
    "PROBATION_KINDS",
    "ProbationScan",
    "apply_probations",
    "probation_targets",
    "probations_from_flags",
    "sole_cohort",
]

#: the flags that put a source on probation when the operator acts on them: those whose
#: evidence is a cohort of subjects (``disputes`` is about records: the dispute answers it)
PROBATION_KINDS = ("rate", "per_subject", "sole_cohort", "young", "newcomers")


@dataclass(frozen=True, slots=True)
class ProbationScan:
    """What one scan did: probations placed, events held, holds lifted."""

    placed: list[Probation]
    held: int
    lifted: int


def _positive(policy: Policy) -> list[str]:
    return [n for n, s in policy.event_types.items() if s.polarity == "positive"]


def _history_rules(policy: Policy) -> list[tuple[list[str], int, int]]:
    """``(types, window_us, min)`` of each ``distinct_sources`` feature a ``min_sources``
    names (what "independent sources of positive history" means in this policy)."""
    out: dict[str, tuple[list[str], int, int]] = {}
    for f in policy.features:
        if f.min_sources is None:
            continue
        d = policy.feature(f.min_sources.feature)
        window = parse_duration(d.window) if d.window else 0
        k = max(out.get(d.name, ([], 0, 0))[2], f.min_sources.min)
        out[d.name] = (list(d.types), window, k)
    return list(out.values())


def sole_cohort(
    events: pl.DataFrame, policy: Policy, settings: SourceSettings, source: str, at_us: int
) -> set[str]:
    """The subjects of ``source`` (a positive event from it by ``at_us``) below ``min``
    independent source groups on a ``distinct_sources`` feature that a ``min_sources``
    names (its types, its window on ``occurred_at_us``, as the kernel counts them); a
    policy without ``min_sources``: whose positive events of the last ``history`` come
    from ``source``'s group alone (the flags' cohort). ``events``: ``subject, source,
    type, occurred_at_us`` and :data:`CLOCK`, what the ledger held at ``at_us``."""
    groups = policy.source_groups()
    known = events.filter(pl.col(CLOCK) <= at_us).with_columns(
        pl.col("source").replace_strict(groups, default=pl.col("source")).alias("_group")
    )
    positive = _positive(policy)
    mine = set(
        known.filter((pl.col("source") == source) & pl.col("type").is_in(positive))["subject"]
        .unique()
        .to_list()
    )
    rules = _history_rules(policy)
    if not rules:
        pos = known.filter(
            pl.col("type").is_in(positive) & (pl.col(CLOCK) > at_us - settings.history_us)
        )
        others = pos.filter(pl.col("_group") != groups[source])["subject"].unique()
        return mine - set(others.to_list())
    cohort: set[str] = set()
    for types, window_us, k in rules:
        hist = known.filter(pl.col("type").is_in(types) & (pl.col("occurred_at_us") <= at_us))
        if window_us:
            hist = hist.filter(pl.col("occurred_at_us") > at_us - window_us)
        n = dict(hist.group_by("subject").agg(pl.col("_group").n_unique()).iter_rows())
        cohort |= {s for s in mine if n.get(s, 0) < k}
    return cohort


def probation_targets(
    events: pl.DataFrame,
    policy: Policy,
    settings: SourceSettings,
    prob: Probation,
    at_us: int,
) -> tuple[list[tuple[str, str, int]], set[str]]:
    """The events ``prob`` holds at a scan at ``at_us`` (``(event_id, subject,
    known_at_us)``: positive, from its source, not yet seasoned (the ledger has known
    them for less than the seasoning period, whenever they arrived: a source flagged
    late does not keep what it slipped in before), about the subjects of its sole cohort
    that are new to it (its first positive event about them not yet seasoned either)),
    and the subjects of the source that are not in that cohort (their holds are lifted).
    A hold never starts before the probation (``store.ProbationStore.hold``)."""
    cohort = sole_cohort(events, policy, settings, prob.source, at_us)
    mine = events.filter(
        (pl.col("source") == prob.source)
        & pl.col("type").is_in(_positive(policy))
        & (pl.col(CLOCK) <= at_us)
    )
    # new to the source: its first positive event about them is not yet seasoned (its
    # long-standing customers, honest ones known to it alone included, are never held)
    first = mine.group_by("subject").agg(pl.col(CLOCK).min().alias("_first"))
    new = set(first.filter(pl.col("_first") > at_us - prob.seasoning_us)["subject"].to_list())
    young = mine.filter(pl.col(CLOCK) > at_us - prob.seasoning_us).sort(CLOCK, "event_id")
    held = [
        (str(e), str(s), int(k))
        for e, s, k in young.select("event_id", "subject", CLOCK).iter_rows()
        if s in cohort and s in new
    ]
    return held, set(mine["subject"].unique().to_list()) - cohort


def probations_from_flags(
    ledger: Store, flags: list[SourceFlag], at_us: int, *, actor: str = "operator"
) -> list[Probation]:
    """Put every source flagged with a kind of :data:`PROBATION_KINDS` on probation (a
    source already on probation is left as it is), from the start of the flags' window
    (the events that raised them are held too); returns the probations placed."""
    settings = source_settings(ledger.policy)
    by_source: dict[str, list[SourceFlag]] = defaultdict(list)
    positive = set(_positive(ledger.policy))
    for f in flags:
        # a rate flag is evidence against what a source vouches for only for a positive
        # type (a burst of reports or defaults is answered by corroboration and disputes)
        if f.kind in PROBATION_KINDS and (f.kind != "rate" or f.subject_of in positive):
            by_source[f.source].append(f)
    placed = []
    for source, mine in sorted(by_source.items()):
        if ledger.probations.open_for(source) is not None:
            continue
        reason = "; ".join(f"{f.kind}: {f.why}" for f in mine)[:1_000]
        placed.append(
            ledger.probations.place(
                source,
                from_us=at_us - settings.window_us,
                seasoning_us=settings.seasoning_us,
                flags=[f.ref for f in mine],
                reason=reason,
                actor=actor,
                at_us=at_us,
            )
        )
    return placed


def apply_probations(
    ledger: Store,
    at_us: int,
    *,
    actor: str = "operator",
    events: pl.DataFrame | None = None,
    placed: list[Probation] | None = None,
) -> ProbationScan:
    """The routine's scan: every probation in force at ``at_us`` holds its source's new
    positive events about its sole cohort and lifts the holds of subjects who left it.

    ``events``: what the ledger held at ``at_us`` (``event_id, subject, source, type,
    occurred_at_us`` and :data:`CLOCK`), read here when not given.
    """
    active = ledger.probations.active(at_us)
    if not active:
        return ProbationScan(list(placed or []), 0, 0)
    policy = ledger.policy
    settings = source_settings(policy)
    if events is None:
        events = ledger.event_frame(recorded_by_us=at_us).select(
            "event_id", "subject", "source", "type", "occurred_at_us", CLOCK
        )
    held = lifted = 0
    for prob in active:
        rows, gone = probation_targets(events, policy, settings, prob, at_us)
        gone &= set(ledger.probations.held_by(prob, at_us))  # only open holds to lift
        held += ledger.probations.hold(prob, rows, at_us, actor=actor) if rows else 0
        lifted += ledger.probations.lift(prob, gone, at_us, actor=actor) if gone else 0
    return ProbationScan(list(placed or []), held, lifted)
