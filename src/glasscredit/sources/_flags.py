"""Flags: a source that departs from its own baseline or from its peers, with evidence.

A flag is for an operator to review, never a penalty by itself: it names the source,
the rule, the value against its reference and threshold, and the subjects and events
behind it. Each rule compares like with like, so a large honest source whose numbers
are steady is not flagged for being large:

==============  ===========================================================================
``rate``        an event type's daily rate in the window is ``rate_ratio`` times its rate
                in the source's baseline (needs ``min_events`` in the window, and a
                baseline of ``min_events``)
``per_subject`` positive events per subject of one type are ``peer_ratio`` times the
                median of the other independent sources that report that type (at
                least ``min_peers`` of them, each with ``min_subjects``)
``sole_cohort`` subjects whose positive history comes from this source alone join its
                cohort ``cohort_ratio`` times faster than in its baseline; a source with
                no baseline is compared on its cohort's share with its peers' median
``young``       the share of subjects first reported while young (known to the ledger
                for less than ``young_days``) is ``young_ratio`` times its baseline's, or
                its peers' median share when it has no baseline
``newcomers``   of the subjects it began vouching for between ``newcomers`` and
                ``settle`` ago (its first positive event about them, on the ledger's
                clock) with positive history from it (at least ``min_subjects``), the
                share that no other group reports positive history about is
                ``peer_ratio`` times the larger of its peers' median share (peers with
                ``min_subjects`` newcomers; the floor when fewer than ``min_peers``) and
                the same share among its own established subjects (``min_subjects``
                of them): a specialist whose customers are known to it alone is judged
                against itself
``disputes``    more than ``max_removed_share`` of its resolved disputes (at least
                ``min_resolved``) were resolved by removing the record
==============  ===========================================================================

Reference *shares* below ``share_floor`` are taken as ``share_floor``, so a share rule
cannot fire on a departure from almost nothing; the count rules need ``min_events`` or
``min_subjects`` in the window instead.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from glasscredit.policy import DAY_US
from glasscredit.sources._baselines import CLOCK, SourceBaseline
from glasscredit.sources._settings import SourceSettings

__all__ = ["FLAG_KINDS", "SourceFlag", "flag_sources"]

FLAG_KINDS = ("rate", "per_subject", "sole_cohort", "young", "newcomers", "disputes")


@dataclass(frozen=True, slots=True)
class SourceFlag:
    """One departure: the rule, the numbers, and the subjects and events behind them."""

    source: str
    kind: str  # one of FLAG_KINDS
    subject_of: str  # the event type, or "" when the rule is about the source as a whole
    value: float
    reference: float  # the baseline's or the peers' value the rule compares with
    threshold: float  # value >= threshold raised the flag
    why: str  # the rule in plain words, with the numbers
    numbers: dict[str, float | int | None] = field(default_factory=dict)
    subjects: list[str] = field(default_factory=list)  # at most settings.evidence
    subjects_total: int = 0
    event_ids: list[str] = field(default_factory=list)  # at most settings.evidence
    events_total: int = 0

    @property
    def ref(self) -> str:
        """Stable name of the flag within a report: source, rule and type."""
        return ":".join(p for p in ("source", self.source, self.kind, self.subject_of) if p)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "source": self.source,
            "kind": self.kind,
            "type": self.subject_of or None,
            "value": self.value,
            "reference": self.reference,
            "threshold": self.threshold,
            "why": self.why,
            "numbers": self.numbers,
            "subjects": self.subjects,
            "subjects_total": self.subjects_total,
            "event_ids": self.event_ids,
            "events_total": self.events_total,
        }


def _median(values: list[float], s: SourceSettings) -> float | None:
    """The peers' median, or None when fewer than ``min_peers`` peers can be compared:
    with one peer, which of the two departs cannot be told."""
    return statistics.median(values) if len(values) >= s.min_peers else None


def flag_sources(
    baselines: list[SourceBaseline],
    window: pl.DataFrame,
    settings: SourceSettings,
) -> list[SourceFlag]:
    """The flags the baselines raise (module docstring), in source order.

    ``window``: the events of the window (``event_id, subject, source, type`` and
    :data:`CLOCK`), where the evidence of ``rate`` and ``per_subject`` flags is found.
    """
    wd, bd = settings.window_us / DAY_US, settings.baseline_us / DAY_US
    out: list[SourceFlag] = []
    for b in baselines:
        peers = [p for p in baselines if p.group != b.group]
        out += _rates(b, window, settings, wd, bd)
        out += _per_subject(b, peers, window, settings)
        out += _cohort(b, peers, window, settings, wd, bd)
        out += _young(b, peers, settings)
        out += _newcomers(b, peers, settings)
        out += _disputes(b, settings)
    return out


def _evidence(window: pl.DataFrame, source: str, type_: str, n: int) -> dict[str, Any]:
    """The subjects with the most events of ``type_`` from ``source``, and the latest events."""
    mine = window.filter((pl.col("source") == source) & (pl.col("type") == type_))
    top = mine.group_by("subject").agg(pl.len()).sort(["len", "subject"], descending=[True, False])
    latest = mine.sort([CLOCK, "event_id"], descending=[True, False])
    return {
        "subjects": top["subject"].head(n).to_list(),
        "subjects_total": top.height,
        "event_ids": latest["event_id"].head(n).to_list(),
        "events_total": mine.height,
    }


def _rates(
    b: SourceBaseline, window: pl.DataFrame, s: SourceSettings, wd: float, bd: float
) -> list[SourceFlag]:
    if b.events_baseline < s.min_events:
        return []  # no baseline of its own: peers judge it (per_subject, sole_cohort, young)
    out = []
    for ty, (nw, nb) in b.by_type.items():
        rate, ref = nw / wd, nb / bd
        if nw < s.min_events or rate < s.rate_ratio * ref:
            continue
        out.append(
            SourceFlag(
                b.source,
                "rate",
                ty,
                rate,
                ref,
                s.rate_ratio * ref,
                f"{ty}: {rate:.2f} a day in the last {s.window}, {rate / ref:.1f}x its "
                f"{ref:.2f} a day in the {s.baseline} before"
                if ref
                else f"{ty}: {rate:.2f} a day in the last {s.window}, none in the "
                f"{s.baseline} before",
                {"window": nw, "baseline": nb, "per_day": rate, "per_day_baseline": ref},
                **_evidence(window, b.source, ty, s.evidence),
            )
        )
    return out


def _per_subject(
    b: SourceBaseline, peers: list[SourceBaseline], window: pl.DataFrame, s: SourceSettings
) -> list[SourceFlag]:
    out = []
    for ty, (n, k) in b.per_subject.items():
        if k < s.min_subjects:
            continue
        theirs = [
            p.per_subject[ty][0] / p.per_subject[ty][1]
            for p in peers
            if p.per_subject.get(ty, (0, 0))[1] >= s.min_subjects
        ]
        ref = _median(theirs, s)
        if ref is None or n / k < s.peer_ratio * ref:
            continue
        out.append(
            SourceFlag(
                b.source,
                "per_subject",
                ty,
                n / k,
                ref,
                s.peer_ratio * ref,
                f"{ty}: {n / k:.2f} events per subject in the last {s.window}, "
                f"{n / k / ref:.1f}x the median {ref:.2f} of {len(theirs)} other source(s)",
                {"events": n, "subjects": k, "peers": len(theirs)},
                **_evidence(window, b.source, ty, s.evidence),
            )
        )
    return out


def _cohort(
    b: SourceBaseline,
    peers: list[SourceBaseline],
    window: pl.DataFrame,
    s: SourceSettings,
    wd: float,
    bd: float,
) -> list[SourceFlag]:
    c = b.cohort
    new = len(c.new_window)
    found: tuple[float, float, float, str] | None = None
    if b.events_baseline >= s.min_events and new >= s.min_subjects:
        value, ref = new / wd, c.new_baseline / bd
        threshold = s.cohort_ratio * ref  # new >= min_subjects guards a cohort from nothing
        if value >= threshold:
            found = (
                value,
                ref,
                threshold,
                f"{new} subjects whose positive history comes from it alone joined in the "
                f"last {s.window} ({value:.2f} a day), against {ref:.2f} a day in the "
                f"{s.baseline} before",
            )
    shares = [p.cohort.share for p in peers if p.cohort.share is not None]
    median = _median(shares, s)
    # the share against peers, with or without a baseline: a source that grows its cohort
    # slowly moves its own baseline with it, not its peers' (the slow_cohort red team)
    if found is None and c.size >= s.min_subjects and median is not None and c.share is not None:
        threshold = s.peer_ratio * max(median, s.share_floor)
        own = "" if b.events_baseline >= s.min_events else " (no baseline of its own)"
        if c.share >= threshold:
            found = (
                c.share,
                median,
                threshold,
                f"{c.share:.0%} of its subjects have positive history from it alone, against "
                f"a median of {median:.0%} at {len(shares)} other source(s){own}",
            )
    if found is None:
        return []
    value, ref, threshold, why = found
    mine = window.filter(
        (pl.col("source") == b.source) & pl.col("subject").is_in(c.new_window)
    ).sort([CLOCK, "event_id"])
    if mine.height == 0:  # a group's cohort: flag the sources behind it
        return []
    return [
        SourceFlag(
            b.source,
            "sole_cohort",
            "",
            value,
            ref,
            threshold,
            why,
            c.as_dict(),
            c.new_window[: s.evidence],
            new,
            mine["event_id"].head(s.evidence).to_list(),
            mine.height,
        )
    ]


def _young(b: SourceBaseline, peers: list[SourceBaseline], s: SourceSettings) -> list[SourceFlag]:
    y = b.young
    if y.first_reports < s.min_subjects or y.share is None:
        return []
    if y.first_reports_baseline >= s.min_subjects and y.share_baseline is not None:
        ref, against = y.share_baseline, f"its {y.share_baseline:.0%} in the {s.baseline} before"
    else:
        shares = [
            p.young.share
            for p in peers
            if p.young.first_reports >= s.min_subjects and p.young.share is not None
        ]
        # no baseline, no peers: the floor (the diluted_cohort red team)
        ref, against = _peer_share(shares, s, "no baseline, no peers")
    threshold = s.young_ratio * max(ref, s.share_floor)
    if y.share < threshold:
        return []
    why = (
        f"{y.share:.0%} of the {y.first_reports} subjects it first reported in the last "
        f"{s.window} were known to the ledger for less than {s.young_days} days, against "
        f"{against}"
    )
    return [_listed(b, "young", (y.share, ref, threshold), why, y.as_dict(), y.young, s)]


def _peer_share(shares: list[float], s: SourceSettings, alone: str) -> tuple[float, str]:
    """The peers' median share and its words, or the floor when there are too few."""
    median = _median(shares, s)
    if median is None:
        return s.share_floor, f"the {s.share_floor:.0%} floor ({alone})"
    return median, f"a median of {median:.0%} at {len(shares)} other source(s)"


def _listed(
    b: SourceBaseline,
    kind: str,
    numbers: tuple[float, float, float],
    why: str,
    detail: dict[str, float | int | None],
    listed: list[tuple[str, str]],
    s: SourceSettings,
) -> SourceFlag:
    """A flag whose evidence is a list of ``(subject, first event id)``: ``numbers`` are
    its value, reference and threshold."""
    value, ref, threshold = numbers
    return SourceFlag(
        b.source,
        kind,
        "",
        value,
        ref,
        threshold,
        why,
        detail,
        [sub for sub, _ in listed[: s.evidence]],
        len(listed),
        [eid for _, eid in listed[: s.evidence]],
        len(listed),
    )


def _newcomers(
    b: SourceBaseline, peers: list[SourceBaseline], s: SourceSettings
) -> list[SourceFlag]:
    """The sole-source share judged on the source's newcomers, not on all its subjects: a
    colluder's established real customers dilute its whole cohort (the slow_wide_cohort
    red team) but not the subjects it began vouching for lately, where every account it
    fabricated stays its alone while honest newcomers acquire a second partner."""
    n = b.newcomers
    if n.acquired < s.min_subjects or n.share is None:
        return []
    shares = [
        p.newcomers.share
        for p in peers
        if p.newcomers.acquired >= s.min_subjects and p.newcomers.share is not None
    ]
    ref, against = _peer_share(shares, s, f"fewer than {s.min_peers} peers")
    own = n.established_share
    if n.established >= s.min_subjects and own is not None:
        against += f" and {own:.0%} of its {n.established} established subjects"
        ref = max(ref, own)
    threshold = s.peer_ratio * max(ref, s.share_floor)
    if n.share < threshold:
        return []
    why = (
        f"{len(n.alone)} of the {n.acquired} subjects it began vouching for between "
        f"{s.newcomers} and {s.settle} ago ({n.share:.0%}) have positive history from "
        f"it alone, against {against}"
    )
    return [_listed(b, "newcomers", (n.share, ref, threshold), why, n.as_dict(), n.alone, s)]


def _disputes(b: SourceBaseline, s: SourceSettings) -> list[SourceFlag]:
    r = b.reputation
    share = r.removed_share
    if r.resolved < s.min_resolved or share is None or share <= s.max_removed_share:
        return []
    return [
        SourceFlag(
            b.source,
            "disputes",
            "",
            share,
            s.max_removed_share,
            s.max_removed_share,
            f"{r.removed} of its {r.resolved} resolved disputes ({share:.0%}) removed the "
            f"record (more than {s.max_removed_share:.0%})",
            r.as_dict(),
        )
    ]
