"""Per-source baselines: what each source reported in a window and in its own past.

All on the ledger's clock (when the ledger learned of an event), never the sender's:
a source controls ``occurred_at`` and could date a burst into the past. Two periods are
measured for every source, the *window* ``(t - window, t]`` and its *baseline* just
before it ``(t - window - baseline, t - window]``:

* event counts and daily rates per type;
* positive events per subject, per positive type (compared with other sources);
* the *sole-source cohort*: subjects whose positive history (positive events of the
  last ``history``) comes from this source's group alone, its size, its share of the
  source's subjects, and how many joined it in each period;
* the account age of subjects at the source's first report about them (ledger clock:
  time since the ledger first saw the subject), and the share that were *young*;
* its *newcomers*: the subjects it began vouching for (its first positive event about
  them) between ``newcomers`` and ``settle`` ago and about whom it reports positive
  history, and the share of them that no other group reports positive history about
  (*alone*): an honest newcomer acquires a second partner over months, a fabricated
  account never does, however many established customers the source also has;
* its reputation from dispute outcomes (removed and upheld shares).

Pure functions of frames: no clock read, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from glasscredit.policy import DAY_US, Policy
from glasscredit.sources._settings import SourceSettings

__all__ = [
    "CLOCK",
    "Cohort",
    "Newcomers",
    "Reputation",
    "SourceBaseline",
    "Young",
    "history_types",
    "measure_sources",
]

#: the ledger's clock of an event: when the ledger knew of it (recorded, or the time an
#: approved backfill attests), never the sender's ``occurred_at``
CLOCK = "known_at_us"


@dataclass(frozen=True, slots=True)
class Cohort:
    """Subjects whose positive history comes from the source's group alone."""

    size: int  # at the end of the window
    size_before: int  # at the end of the baseline
    share: float | None  # of the subjects with positive history from the group
    new_window: list[str] = field(repr=False)  # joined during the window, sorted
    new_baseline: int = 0  # joined during the baseline

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "size_before": self.size_before,
            "share": self.share,
            "new_window": len(self.new_window),
            "new_baseline": self.new_baseline,
        }


@dataclass(frozen=True, slots=True)
class Young:
    """Account age of subjects at the source's first report about them."""

    first_reports: int  # subjects first reported during the window
    young: list[tuple[str, str]] = field(repr=False)  # (subject, first event id), sorted
    median_age_days: float | None
    first_reports_baseline: int
    young_baseline: int

    @property
    def share(self) -> float | None:
        return len(self.young) / self.first_reports if self.first_reports else None

    @property
    def share_baseline(self) -> float | None:
        b = self.first_reports_baseline
        return self.young_baseline / b if b else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_reports": self.first_reports,
            "young": len(self.young),
            "young_share": self.share,
            "median_age_days": self.median_age_days,
            "first_reports_baseline": self.first_reports_baseline,
            "young_share_baseline": self.share_baseline,
        }


@dataclass(frozen=True, slots=True)
class Newcomers:
    """Subjects with positive history from the source: those it began vouching for
    between ``newcomers`` and ``settle`` ago (ledger clock) and those it vouched for
    before (established), and how many of each are known to it alone."""

    acquired: int  # newcomers with positive history from the source
    alone: list[tuple[str, str]] = field(repr=False)  # (subject, first event id), sorted
    established: int = 0  # subjects it began vouching for before ``newcomers`` ago
    established_alone: int = 0

    @property
    def share(self) -> float | None:
        return len(self.alone) / self.acquired if self.acquired else None

    @property
    def established_share(self) -> float | None:
        return self.established_alone / self.established if self.established else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "acquired": self.acquired,
            "alone": len(self.alone),
            "alone_share": self.share,
            "established": self.established,
            "established_alone_share": self.established_share,
        }


@dataclass(frozen=True, slots=True)
class Reputation:
    """Outcomes of the disputes about the source's records."""

    disputes: int
    open: int
    upheld: int
    removed: int

    @property
    def resolved(self) -> int:
        return self.upheld + self.removed

    @property
    def removed_share(self) -> float | None:
        return self.removed / self.resolved if self.resolved else None

    @property
    def upheld_share(self) -> float | None:
        return self.upheld / self.resolved if self.resolved else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "disputes": self.disputes,
            "open": self.open,
            "resolved": self.resolved,
            "upheld": self.upheld,
            "removed": self.removed,
            "upheld_share": self.upheld_share,
            "removed_share": self.removed_share,
        }


@dataclass(frozen=True, slots=True)
class SourceBaseline:
    """One source's numbers in the window and in its baseline."""

    source: str
    group: str
    events: int  # in the window
    events_baseline: int
    by_type: dict[str, tuple[int, int]]  # type -> (window, baseline) counts
    per_subject: dict[str, tuple[int, int]]  # positive type -> (events, subjects), window
    cohort: Cohort
    young: Young
    reputation: Reputation
    newcomers: Newcomers = field(default_factory=lambda: Newcomers(0, []))

    def as_dict(self, window_days: float, baseline_days: float) -> dict[str, Any]:
        return {
            "source": self.source,
            "group": self.group,
            "events": self.events,
            "events_baseline": self.events_baseline,
            "rates": {
                t: {
                    "window": w,
                    "baseline": b,
                    "per_day": w / window_days,
                    "per_day_baseline": b / baseline_days,
                }
                for t, (w, b) in self.by_type.items()
            },
            "positive_per_subject": {
                t: {"events": n, "subjects": k, "per_subject": n / k}
                for t, (n, k) in self.per_subject.items()
            },
            "sole_cohort": self.cohort.as_dict(),
            "first_report_age": self.young.as_dict(),
            "newcomers": self.newcomers.as_dict(),
            "reputation": self.reputation.as_dict(),
        }


def _between(ev: pl.DataFrame, lo: int, hi: int) -> pl.DataFrame:
    return ev.filter((pl.col(CLOCK) > lo) & (pl.col(CLOCK) <= hi))


def _sole(pos: pl.DataFrame, at_us: int, history_us: int) -> dict[str, set[str]]:
    """Per group, the subjects whose positive history at ``at_us`` is that group's alone."""
    rows = (
        _between(pos, at_us - history_us, at_us)
        .group_by("subject")
        .agg(pl.col("_group").unique().alias("_groups"))
        .filter(pl.col("_groups").list.len() == 1)
        .select("subject", pl.col("_groups").list.first().alias("_group"))
    )
    out: dict[str, set[str]] = {}
    for subject, group in rows.iter_rows():
        out.setdefault(group, set()).add(subject)
    return out


def history_types(policy: Policy) -> list[str]:
    """The types of positive *history* (what a second partner must report to count as
    one): those of the ``distinct_sources`` features a ``min_sources`` names, so an
    identity check or an endorsement from another partner is not history; a policy
    without ``min_sources``: every positive type."""
    named = {f.min_sources.feature for f in policy.features if f.min_sources is not None}
    types = sorted({t for name in named for t in policy.feature(name).types})
    return types or [n for n, s in policy.event_types.items() if s.polarity == "positive"]


def _newcomers(
    pos: pl.DataFrame, hist: pl.DataFrame, t: int, s: SourceSettings
) -> dict[str, Newcomers]:
    """Per source, its newcomers and its established subjects at ``t`` (see
    :class:`Newcomers`). ``pos``: positive events with ``_group``; ``hist``: events of
    the history types of the last ``history``, with ``_group``."""
    rows = (
        pos.sort(CLOCK, "event_id")
        .group_by("source", "subject")
        .agg(pl.col(CLOCK).first().alias("_first"), pl.col("event_id").first().alias("_eid"))
        .filter(pl.col("_first") <= t - s.settle_us)
        .join(hist.select("source", "subject").unique(), on=["source", "subject"], how="semi")
        .join(
            hist.group_by("subject").agg(pl.col("_group").n_unique().alias("_groups")),
            on="subject",
        )
        .sort("subject")
    )
    new: dict[str, list[tuple[str, str]]] = {}
    alone: dict[str, list[tuple[str, str]]] = {}
    old: dict[str, list[bool]] = {}
    for source, subject, first, eid, groups in rows.select(
        "source", "subject", "_first", "_eid", "_groups"
    ).iter_rows():
        if first > t - s.newcomers_us:
            new.setdefault(source, []).append((subject, eid))
            if groups == 1:
                alone.setdefault(source, []).append((subject, eid))
        else:
            old.setdefault(source, []).append(groups == 1)
    return {
        src: Newcomers(
            len(new.get(src, [])), alone.get(src, []), len(old.get(src, [])), sum(old.get(src, []))
        )
        for src in {*new, *old}
    }


def _counts(frame: pl.DataFrame, keys: list[str]) -> dict[tuple[str, ...], int]:
    return {tuple(r[:-1]): int(r[-1]) for r in frame.group_by(keys).agg(pl.len()).iter_rows()}


def measure_sources(
    events: pl.DataFrame,
    disputes: Mapping[str, Mapping[str, int]],
    policy: Policy,
    settings: SourceSettings,
    as_of_us: int,
) -> list[SourceBaseline]:
    """Every declared source's baseline as of ``as_of_us`` (see the module docstring).

    ``events``: ``event_id, subject, source, type`` and :data:`CLOCK`, every event the
    ledger held at ``as_of_us`` (a subject's age is measured from the first of them);
    ``disputes``: per source, dispute counts by status (``open``, ``upheld``, ``removed``).
    """
    t, w, b = as_of_us, settings.window_us, settings.baseline_us
    groups = policy.source_groups()
    positive = [n for n, s in policy.event_types.items() if s.polarity == "positive"]
    ev = events.filter(pl.col(CLOCK) <= t).with_columns(
        pl.col("source").replace_strict(groups, default=pl.col("source")).alias("_group")
    )
    first_seen = ev.group_by("subject").agg(pl.col(CLOCK).min().alias("first_seen_us"))
    win, base = _between(ev, t - w, t), _between(ev, t - w - b, t - w)
    n_win, n_base = _counts(win, ["source", "type"]), _counts(base, ["source", "type"])
    pos_win = win.filter(pl.col("type").is_in(positive))
    per_subject = {
        (s, ty): (int(n), int(k))
        for s, ty, n, k in pos_win.group_by("source", "type")
        .agg(pl.len(), pl.col("subject").n_unique())
        .iter_rows()
    }
    pos = ev.filter(pl.col("type").is_in(positive))
    h = settings.history_us
    sole_now, sole_mid, sole_old = (_sole(pos, at, h) for at in (t, t - w, t - w - b))
    hist = _between(pos.filter(pl.col("type").is_in(history_types(policy))), t - h, t)
    newcomers = _newcomers(pos, hist, t, settings)
    known = {
        g: set(sub["subject"].to_list())
        for (g,), sub in _between(pos, t - h, t).group_by(["_group"])
    }
    firsts = (
        ev.sort(CLOCK, "event_id")
        .group_by("source", "subject")
        .agg(pl.col(CLOCK).first().alias("_first"), pl.col("event_id").first().alias("_eid"))
        .join(first_seen, on="subject", how="left")
        .with_columns(
            (pl.col("_first") - pl.col("first_seen_us").fill_null(pl.col("_first"))).alias("_age")
        )
    )
    out = []
    for source in sorted(policy.sources):
        g = groups[source]
        types = sorted({ty for (s, ty) in {**n_win, **n_base} if s == source})
        mine = firsts.filter(pl.col("source") == source)
        fw = _between(mine.rename({"_first": CLOCK}), t - w, t)
        fb = _between(mine.rename({"_first": CLOCK}), t - w - b, t - w)
        young_w = fw.filter(pl.col("_age") < settings.young_us).sort("subject")
        now, mid, old = sole_now.get(g, set()), sole_mid.get(g, set()), sole_old.get(g, set())
        c = disputes.get(source, {})
        out.append(
            SourceBaseline(
                source=source,
                group=g,
                events=sum(n for (s, _), n in n_win.items() if s == source),
                events_baseline=sum(n for (s, _), n in n_base.items() if s == source),
                by_type={
                    ty: (n_win.get((source, ty), 0), n_base.get((source, ty), 0)) for ty in types
                },
                per_subject={ty: v for (s, ty), v in sorted(per_subject.items()) if s == source},
                cohort=Cohort(
                    size=len(now),
                    size_before=len(mid),
                    share=len(now) / len(known[g]) if known.get(g) else None,
                    new_window=sorted(now - mid),
                    new_baseline=len(mid - old),
                ),
                young=Young(
                    first_reports=fw.height,
                    young=list(
                        zip(young_w["subject"].to_list(), young_w["_eid"].to_list(), strict=True)
                    ),
                    median_age_days=(
                        None if fw.height == 0 else float(fw["_age"].median() or 0) / DAY_US  # type: ignore[arg-type]
                    ),
                    first_reports_baseline=fb.height,
                    young_baseline=fb.filter(pl.col("_age") < settings.young_us).height,
                ),
                reputation=Reputation(
                    disputes=sum(int(v) for v in c.values()),
                    open=int(c.get("open", 0)),
                    upheld=int(c.get("upheld", 0)),
                    removed=int(c.get("removed", 0)),
                ),
                newcomers=newcomers.get(source, Newcomers(0, [])),
            )
        )
    return out
