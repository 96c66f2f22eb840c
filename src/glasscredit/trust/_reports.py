"""Corroborated misconduct reports: a report counts only when independent, trusted
reporters agree within a window, so one malicious account (or fifty fresh ones) cannot
fabricate one, and reports filed months apart do not add up.

For each target, the reports that count at ``as_of`` pass these rules, in order, and
each report that fails one gets the rule's name as its reason:

``unknown_reporter``    the reporter is not a known subject (provably neutral input)
``self_report``         reporter and target are the same (ingest refuses it already)
``unknown_category``    the category is outside the policy's fixed list
``reporter_cap``        the same reporter already reported this target in the same
                        ``per_target_period`` bucket: one report per period counts
``unearned_reporter``   the reporter has fewer than ``min_endorsers`` *established*
                        mutual endorsers (``_standing.py``: known to the ledger for
                        ``endorser_age_days`` and themselves endorsed by established
                        subjects, back to verified anchors): trust borrowed from a
                        single partner, from accounts made yesterday, or from a block
                        of accounts endorsing each other is not enough to accuse anyone
``untrusted_reporter``  weight = normalised trust x ``overturn_penalty`` ** reports of
                        theirs removed by a dispute verdict x decay is below
                        ``min_reporter_trust`` (decay halves the weight every
                        ``half_life``)

The remaining reports are looked at in *windows* of length ``window`` (each ending at a
report's time). Within a window each reporter counts once (its heaviest report; the
others get ``reporter_cap``); each established endorser vouches for one reporter only,
and a reporter left without ``min_endorsers`` vouchers of its own gets
``shared_vouchers`` (reporters whose standing rests on the same few accounts are not
independent witnesses: one account that two honest people accepted cannot lend its
standing to fifty reporters; claims go to the reporters with the fewest vouchers first,
each taking the vouchers fewest others need, ties by id). Reporters are merged into
*independent groups* (union-find): reporters joined by an endorsement edge, reporters
first seen through the same source within ``fresh_days`` of each other (accounts
registered in one batch), and all reporters created less than ``fresh_days`` before
their report (fresh accounts) count as one. A group weighs what its heaviest member
weighs; the others get ``same_group``. A window with at least ``min_reporters`` groups
is corroborated, worth the sum of its group weights; the target's value is its best
window's (``counted``), 0 when none is. Reports outside the best window get
``outside_window`` when it is corroborated, otherwise ``not_corroborated``. Pure
function: the ledger is read elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from glasscredit.policy import DAY_US
from glasscredit.trust._settings import ReportSettings

__all__ = ["ReportVerdict", "ReporterInfo", "TargetVerdict", "corroborate_reports"]


@dataclass(frozen=True, slots=True)
class ReporterInfo:
    """What corroboration knows about a reporter: when and through whom it appeared,
    how many distinct established mutual endorsers it has (``trust/_standing.py``;
    0 unless the caller counted them: unknown is not earned) and, when the caller knows,
    who they are (``vouchers``: each vouches for one reporter per window; None when only
    the count is known, e.g. in a simulation, and then no two reporters share one)."""

    first_event_us: int
    first_source: str
    earned_endorsers: int = 0
    vouchers: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ReportVerdict:
    """One report's fate: counted or not, the rule that decided, its weight and group."""

    event_id: str
    reporter: str
    target: str
    occurred_at_us: int
    counted: bool
    reason: str
    weight: float
    group: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "event_id": self.event_id,
            "reporter": self.reporter,
            "counted": self.counted,
            "reason": self.reason,
            "weight": round(self.weight, 6),
            "group": self.group,
        }


@dataclass(frozen=True, slots=True)
class TargetVerdict:
    """A target's corroborated-report value and the verdict of every report about it."""

    target: str
    value: float
    groups: int
    reports: list[ReportVerdict] = field(default_factory=list)


class _Groups:
    def __init__(self, items: list[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def corroborate_reports(
    reports: pl.DataFrame,
    *,
    as_of_us: int,
    trust: Mapping[str, float],
    reporters: Mapping[str, ReporterInfo],
    ties: set[tuple[str, str]] | frozenset[tuple[str, str]],
    categories: list[str],
    settings: ReportSettings,
    overturned: Mapping[str, int] | None = None,
) -> dict[str, TargetVerdict]:
    """Verdicts per target (see the module docstring for the rules).

    Parameters
    ----------
    reports:
        ``event_id, reporter, target, category, occurred_at_us`` of reports that count.
    trust:
        Subject -> normalised trust in [0, 1] (absent means 0).
    reporters:
        Known subjects -> :class:`ReporterInfo`; reporters not in it are unknown.
    ties:
        Endorsement edges as ``(min id, max id)`` pairs.
    overturned:
        Reporter -> number of their reports that a dispute verdict removed (an open
        dispute is not a verdict and never counts).
    """
    overturned = overturned or {}
    period = settings.per_target_period_us
    out: dict[str, TargetVerdict] = {}
    ordered = reports.sort(["target", "occurred_at_us", "event_id"])
    for (target,), rows in ordered.group_by(["target"], maintain_order=True):
        verdicts: list[ReportVerdict] = []
        candidates: list[ReportVerdict] = []
        seen: set[tuple[str, int]] = set()
        for r in rows.iter_rows(named=True):
            rep, t = str(r["reporter"]), int(r["occurred_at_us"])
            if rep not in reporters:
                verdicts.append(_verdict(r, "unknown_reporter"))
            elif rep == target:
                verdicts.append(_verdict(r, "self_report"))
            elif r["category"] not in categories:
                verdicts.append(_verdict(r, "unknown_category"))
            elif (rep, t // period) in seen:
                verdicts.append(_verdict(r, "reporter_cap"))
            else:
                seen.add((rep, t // period))
                decay = 0.5 ** (max(0, as_of_us - t) / settings.half_life_us)
                w = (
                    trust.get(rep, 0.0)
                    * settings.overturn_penalty ** overturned.get(rep, 0)
                    * decay
                )
                if reporters[rep].earned_endorsers < settings.min_endorsers:
                    verdicts.append(_verdict(r, "unearned_reporter", w))
                elif w < settings.min_reporter_trust:
                    verdicts.append(_verdict(r, "untrusted_reporter", w))
                else:
                    candidates.append(_verdict(r, "candidate", w))
        out[str(target)] = _windows(str(target), verdicts, candidates, reporters, ties, settings)
    return out


def _verdict(r: dict[str, Any], reason: str, weight: float = 0.0) -> ReportVerdict:
    return ReportVerdict(
        str(r["event_id"]),
        str(r["reporter"]),
        str(r["target"]),
        int(r["occurred_at_us"]),
        False,
        reason,
        weight,
    )


@dataclass(frozen=True, slots=True)
class _Window:
    """One window's reading: each member's reason and group, and the window's value."""

    members: list[ReportVerdict]
    reasons: dict[str, tuple[str, str | None]]  # event_id -> (reason, group)
    groups: int
    value: float
    corroborated: bool

    def rank(self) -> tuple[bool, float, int, int]:
        last = self.members[-1].occurred_at_us
        return (self.corroborated, self.value, self.groups, last)


def _windows(
    target: str,
    verdicts: list[ReportVerdict],
    candidates: list[ReportVerdict],
    reporters: Mapping[str, ReporterInfo],
    ties: set[tuple[str, str]] | frozenset[tuple[str, str]],
    settings: ReportSettings,
) -> TargetVerdict:
    """The best window of ``candidates`` (sorted by time) decides the target's value.

    Only *maximal* windows are read (a window whose next one keeps all of its reports is
    skipped), so a burst of reports in one day is read once, not once per report.
    """
    width = settings.window_us
    best: _Window | None = None
    first = 0
    for last, v in enumerate(candidates):
        while candidates[first].occurred_at_us < v.occurred_at_us - width:
            first += 1
        nxt = candidates[last + 1] if last + 1 < len(candidates) else None
        if nxt is not None and nxt.occurred_at_us - width <= candidates[first].occurred_at_us:
            continue  # the next window holds every report of this one
        window = _read_window(candidates[first : last + 1], reporters, ties, settings)
        if best is None or window.rank() > best.rank():
            best = window
    inside = {} if best is None else best.reasons
    outside = "outside_window" if best is not None and best.corroborated else "not_corroborated"
    for v in candidates:
        reason, group = inside.get(v.event_id, (outside, None))
        verdicts.append(
            ReportVerdict(
                v.event_id,
                v.reporter,
                target,
                v.occurred_at_us,
                reason == "counted",
                reason,
                v.weight,
                group,
            )
        )
    verdicts.sort(key=lambda v: (v.occurred_at_us, v.event_id))
    value = best.value if best is not None and best.corroborated else 0.0
    return TargetVerdict(target, value, 0 if best is None else best.groups, verdicts)


def _short_of_vouchers(
    kept: Mapping[str, ReportVerdict], reporters: Mapping[str, ReporterInfo], need: int
) -> set[str]:
    """Reporters of one window who cannot claim ``need`` vouchers no other reporter of
    the window claimed (greedy, deterministic: the reporters with the fewest vouchers
    first, then the heaviest, then by id; each takes the vouchers fewest others want)."""
    wants = {r: reporters[r].vouchers for r in kept}
    known = {r: v for r, v in wants.items() if v is not None}
    demand = Counter(v for vs in known.values() for v in vs)
    taken: set[str] = set()
    short: set[str] = set()
    for r in sorted(known, key=lambda r: (len(known[r]), -kept[r].weight, r)):
        free = sorted(known[r] - taken, key=lambda v: (demand[v], v))
        if len(free) < need:
            short.add(r)
        else:
            taken.update(free[:need])
    return short


def _read_window(
    members: list[ReportVerdict],
    reporters: Mapping[str, ReporterInfo],
    ties: set[tuple[str, str]] | frozenset[tuple[str, str]],
    settings: ReportSettings,
) -> _Window:
    reasons: dict[str, tuple[str, str | None]] = {}
    kept: dict[str, ReportVerdict] = {}  # reporter -> heaviest report in the window
    for v in members:  # by time: on equal weight the later report is kept
        if v.reporter in kept and kept[v.reporter].weight > v.weight:
            reasons[v.event_id] = ("reporter_cap", None)
            continue
        if v.reporter in kept:
            reasons[kept[v.reporter].event_id] = ("reporter_cap", None)
        kept[v.reporter] = v
    for r in _short_of_vouchers(kept, reporters, settings.min_endorsers):
        reasons[kept.pop(r).event_id] = ("shared_vouchers", None)
    fresh_us = settings.fresh_days * DAY_US
    names = sorted(kept)
    groups = _Groups(names)
    fresh = [n for n in names if kept[n].occurred_at_us - reporters[n].first_event_us < fresh_us]
    for a in fresh[1:]:
        groups.union(fresh[0], a)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ia, ib = reporters[a], reporters[b]
            if (a, b) in ties or (
                ia.first_source == ib.first_source
                and abs(ia.first_event_us - ib.first_event_us) < fresh_us
            ):
                groups.union(a, b)
    heaviest: dict[str, ReportVerdict] = {}
    for n in names:
        g = groups.find(n)
        if g not in heaviest or heaviest[g].weight < kept[n].weight:
            heaviest[g] = kept[n]
    corroborated = len(heaviest) >= settings.min_reporters
    for n in names:
        g = groups.find(n)
        v = kept[n]
        if heaviest[g] is not v:
            reasons[v.event_id] = ("same_group", g)
        else:
            reasons[v.event_id] = ("counted" if corroborated else "not_corroborated", g)
    value = sum(v.weight for v in heaviest.values())
    return _Window(members, reasons, len(heaviest), value, corroborated)
