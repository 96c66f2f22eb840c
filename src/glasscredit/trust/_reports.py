"""Corroborated misconduct reports: a report counts only when independent, trusted
reporters agree, so one malicious account (or fifty fresh ones) cannot fabricate one.

For each target, the reports that count at ``as_of`` pass these rules, in order, and
each report that fails one gets the rule's name as its reason:

``unknown_reporter``    the reporter is not a known subject (provably neutral input)
``self_report``         reporter and target are the same (ingest refuses it already)
``unknown_category``    the category is outside the policy's fixed list
``reporter_cap``        the same reporter already reported this target in the same
                        ``per_target_period`` bucket: one report per period counts
``untrusted_reporter``  weight = normalised trust x ``overturn_penalty`` ** overturned
                        reports x decay is below ``min_reporter_trust`` (decay halves
                        the weight every ``half_life``)

The remaining reporters are merged into *independent groups* (union-find): reporters
joined by an endorsement edge, reporters first seen through the same source within
``fresh_days`` of each other (accounts registered in one batch), and all reporters
created less than ``fresh_days`` before their report (fresh accounts) count as one.
A group weighs what its heaviest member weighs; the other members get ``same_group``.
When at least ``min_reporters`` groups remain, their reports count (``counted``) and
the target's value is the sum of group weights; otherwise every grouped report gets
``not_corroborated`` and the value is 0. Pure function: the ledger is read elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from glasscredit.policy import DAY_US
from glasscredit.trust._settings import ReportSettings

__all__ = ["ReportVerdict", "ReporterInfo", "TargetVerdict", "corroborate_reports"]


@dataclass(frozen=True, slots=True)
class ReporterInfo:
    """What corroboration knows about a reporter: when and through whom it appeared."""

    first_event_us: int
    first_source: str


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
    ties: set[tuple[str, str]],
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
        Reporter -> number of their reports overturned in disputes.
    """
    overturned = overturned or {}
    period = settings.per_target_period_us
    fresh_us = settings.fresh_days * DAY_US
    out: dict[str, TargetVerdict] = {}
    ordered = reports.sort(["target", "occurred_at_us", "event_id"])
    for (target,), rows in ordered.group_by(["target"], maintain_order=True):
        verdicts: list[ReportVerdict] = []
        kept: dict[str, ReportVerdict] = {}  # reporter -> heaviest surviving report
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
                if w < settings.min_reporter_trust:
                    verdicts.append(_verdict(r, "untrusted_reporter", w))
                elif rep in kept and kept[rep].weight >= w:
                    verdicts.append(_verdict(r, "reporter_cap", w))
                else:
                    if rep in kept:
                        verdicts.append(_replace(kept[rep], "reporter_cap"))
                    kept[rep] = _verdict(r, "candidate", w)
        out[str(target)] = _group(
            str(target), verdicts, kept, reporters, ties, fresh_us, settings.min_reporters
        )
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


def _replace(v: ReportVerdict, reason: str) -> ReportVerdict:
    return ReportVerdict(
        v.event_id, v.reporter, v.target, v.occurred_at_us, False, reason, v.weight
    )


def _group(
    target: str,
    verdicts: list[ReportVerdict],
    kept: dict[str, ReportVerdict],
    reporters: Mapping[str, ReporterInfo],
    ties: set[tuple[str, str]],
    fresh_us: int,
    k: int,
) -> TargetVerdict:
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
    counted = len(heaviest) >= k
    value = sum(v.weight for v in heaviest.values()) if counted else 0.0
    for n in names:
        g = groups.find(n)
        v = kept[n]
        if heaviest[g] is not v:
            reason, ok = "same_group", False
        else:
            reason, ok = ("counted", True) if counted else ("not_corroborated", False)
        verdicts.append(
            ReportVerdict(v.event_id, v.reporter, target, v.occurred_at_us, ok, reason, v.weight, g)
        )
    verdicts.sort(key=lambda v: (v.occurred_at_us, v.event_id))
    return TargetVerdict(target, value, len(heaviest), verdicts)
