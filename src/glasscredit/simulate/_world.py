"""A simulated deployment: a real ledger, an operator's routine, and scores read back.

The red team attacks this, not a model of it. A :class:`World` is a SQLite ledger
holding a generated population whose history was loaded the way an operator would load
it (:func:`build_world`), a clock the simulation moves, and the routine a deployment
runs: burst scans and holds over what arrived since the last scan, overdue disputes
resolved, trust and report corroboration recomputed, everyone scored by the real
:class:`~glasscredit.scoring.Scorer`. Disputes go through the rights use cases, which
the caller passes in (``simulate`` may not import ``rights``: they are siblings).

A world is forked by copying its database file, so every attack starts from the same
state as the baseline it is compared with.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl

from glasscredit.policy import DAY_US, MONTH_US, Policy, iso, parse_timestamp
from glasscredit.scoring import Scorer
from glasscredit.simulate._naive import naive_scores
from glasscredit.simulate._population import PopulationSpec, generate_population
from glasscredit.sources import CLOCK, apply_probations, probations_from_flags, source_report
from glasscredit.store import IngestReport, Ledger, Store, check_backfill
from glasscredit.trust import compute_reports, compute_trust, hold_bursts, scan_bursts

__all__ = ["DisputeRights", "Scores", "SimClock", "World", "build_world"]


class SimClock:
    """The simulation's clock: the ledger reads it; only the simulation moves it."""

    def __init__(self, now_us: int) -> None:
        self.now_us = now_us

    def __call__(self) -> int:
        return self.now_us


class _Opened(Protocol):
    @property
    def dispute(self) -> Any: ...


class DisputeRights(Protocol):
    """The rights use cases a subject and a source call (``glasscredit.rights``)."""

    def open_dispute(
        self,
        ledger: Store,
        subject: str,
        event_id: str,
        reason: str,
        *,
        now_us: int,
        actor: str,
        source: str | None = None,
    ) -> _Opened: ...

    def resolve_dispute(
        self, ledger: Store, dispute_id: int, outcome: str, *, now_us: int, actor: str
    ) -> _Opened: ...

    def expire_overdue(self, ledger: Store, now_us: int) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Scores:
    """Every subject's score as of one time, by glasscredit and by the naive scorer."""

    as_of_us: int
    glasscredit: dict[str, int]
    naive: dict[str, int]
    features: pl.DataFrame  # glasscredit's feature values (subject + one column each)
    probations: tuple[str, ...] = ()  # sources the routine had put on probation by then


@dataclass(slots=True)
class _DisputeLog:
    """What the naive scorer needs: disputed events stop counting while disputed."""

    rows: list[tuple[str, str, int, int | None]] = field(default_factory=list)
    open_ids: dict[int, int] = field(default_factory=dict)  # dispute id -> row


class World:
    """A ledger, its clock and an operator's routine (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        policy: Policy,
        clock: SimClock,
        rights: DisputeRights,
        honest: list[str],
        main_source: dict[str, str],
    ) -> None:
        self.path, self.policy, self.clock, self.rights = path, policy, clock, rights
        self.honest = honest
        self.main_source = main_source
        self.ledger = Ledger(f"sqlite:///{path}", policy, clock=clock)
        self.last_scan_us = clock()
        self.watch_sources = True  # the routine runs the source flags and probations
        self.bursts_held = 0
        self.bursts: list[str] = []
        self.probations: list[str] = []  # sources put on probation by the routine
        self.probation_held = 0
        self._disputes = _DisputeLog()

    # -- time and the operator's routine ----------------------------------------------
    def ingest(self, records: Iterable[Mapping[str, Any]], actor: str = "partner") -> IngestReport:
        """Send events as partners do: an event arrives when it happens or later, so the
        clock moves on to the newest ``occurred_at`` of the batch if that is ahead."""
        rows = list(records)
        if rows:
            newest = max(parse_timestamp(str(r["occurred_at"])) for r in rows)
            self.clock.now_us = max(self.clock.now_us, newest)
        return self.ledger.ingest(rows, actor=actor)

    def advance(self, to_us: int) -> None:
        """Move the clock to ``to_us`` and run the routine on what arrived meanwhile."""
        self.clock.now_us = max(self.clock.now_us, to_us)
        self.operate()

    def operate(self) -> None:
        """The deployment's routine: scan and hold bursts since the last scan (what
        ``glasscredit bursts --hold`` does); run the source flags and put the sources
        flagged since on probation, then let every probation hold what arrived (what
        ``glasscredit sources --probation`` does); resolve overdue disputes."""
        now = self.clock()
        found = scan_bursts(self.ledger, self.last_scan_us - 7 * DAY_US, now)
        if found:
            self.bursts_held += hold_bursts(self.ledger, found, now)
            self.bursts.extend(b.ref for b in found)
        if self.watch_sources and now > self.last_scan_us:
            events = self.ledger.event_frame(recorded_by_us=now).select(
                "event_id", "subject", "source", "type", "occurred_at_us", CLOCK
            )
            report = source_report(events, self.ledger.disputes.status_counts(), self.policy, now)
            placed = probations_from_flags(self.ledger, report.flags, now)
            self.probations.extend(p.source for p in placed)
            self.probation_held += apply_probations(self.ledger, now, events=events).held
        self.last_scan_us = now
        for d in self.rights.expire_overdue(self.ledger, now):
            self._close_dispute(d.dispute_id, "removed", now)

    # -- a subject's rights -------------------------------------------------------------
    def dispute(self, subject: str, event_id: str, source: str) -> int:
        now = self.clock()
        res = self.rights.open_dispute(
            self.ledger, subject, event_id, "not mine", now_us=now, actor="subject", source=source
        )
        did = int(res.dispute.dispute_id)
        self._disputes.open_ids[did] = len(self._disputes.rows)
        self._disputes.rows.append((event_id, source, now, None))
        return did

    def resolve(self, dispute_id: int, outcome: str, actor: str = "operator") -> None:
        now = self.clock()
        self.rights.resolve_dispute(self.ledger, dispute_id, outcome, now_us=now, actor=actor)
        self._close_dispute(dispute_id, outcome, now)

    def _close_dispute(self, dispute_id: int, outcome: str, now: int) -> None:
        row = self._disputes.open_ids.pop(dispute_id, None)
        if row is not None and outcome == "upheld":
            eid, src, start, _ = self._disputes.rows[row]
            self._disputes.rows[row] = (eid, src, start, now)

    # -- honest traffic ------------------------------------------------------------------
    def honest_month(self, month: int, seed: int) -> None:
        """One month of live honest traffic: each honest subject's main bank reports a
        payment on time (so that a year-long attack runs beside a living population)."""
        rng = np.random.default_rng([seed, 7_777, month])
        now = self.clock()
        days = rng.integers(1, 28, len(self.honest))
        self.ingest(
            (
                {
                    "event_id": f"live-{month}-{i}",
                    "subject": s,
                    "source": self.main_source[s],
                    "type": "payment.on_time",
                    "occurred_at": iso(now - int(d) * DAY_US),
                    "attributes": {"amount": 80.0},
                }
                for i, (s, d) in enumerate(zip(self.honest, days, strict=True))
            ),
            actor="partner",
        )

    # -- reading scores -------------------------------------------------------------------
    def settle(self, extra: Iterable[str] = ()) -> Scores:
        """Recompute trust and reports as of now, and score everyone (both scorers), and
        ``extra`` subjects too: an attacker's account whose every event the ledger
        refused (dated further back than the policy allows) scores as an empty file."""
        now = self.clock()
        compute_trust(self.ledger, now)
        compute_reports(self.ledger, now)
        events = self.ledger.event_frame(recorded_by_us=now)
        everyone = sorted(set(self.ledger.all_subjects()) | set(extra))
        gc, feats = self._score(events, everyone, now)
        naive = naive_scores(
            events, self.policy, now, self._disputes.rows, self.honest, subjects=everyone
        )
        return Scores(now, gc, naive, feats, tuple(self.probations))

    def _score(
        self, events: pl.DataFrame, subjects: list[str], now: int
    ) -> tuple[dict[str, int], pl.DataFrame]:
        scorer = Scorer(self.ledger, use_mirror=False)
        try:
            chunk = scorer.score_chunk(subjects, now, events=events)
        finally:
            scorer.close()
        f = chunk.scored.frame
        return dict(zip(f["subject"].to_list(), f["score"].to_list(), strict=True)), (
            chunk.scored.features.frame
        )

    def scores_of(self, subjects: list[str], *, recompute: bool = False) -> dict[str, int]:
        """glasscredit's scores of ``subjects`` now (after recomputing trust and reports
        when ``recompute``), read as a scoring run reads them."""
        now = self.clock()
        if recompute:
            compute_trust(self.ledger, now)
            compute_reports(self.ledger, now)
        events = self.ledger.event_frame(recorded_by_us=now, subjects_in=subjects)
        return self._score(events, subjects, now)[0]

    def naive_gain_if_disputed(self, subjects: list[str]) -> float:
        """The naive scorer's median gain of ``subjects`` if every negative record of
        theirs were disputed now (the first round's freeze, before any verdict)."""
        now = self.clock()
        events = self.ledger.event_frame(recorded_by_us=now)
        neg = {t for t, s in self.policy.event_types.items() if s.polarity == "negative"}
        mine = events.filter(
            pl.col("subject").is_in(subjects)
            & pl.col("type").is_in(list(neg - {self.policy.trust_events.report}))
        )
        rows = self._disputes.rows + [
            (e, s, now, None)
            for e, s in zip(mine["event_id"].to_list(), mine["source"].to_list(), strict=True)
        ]
        before = naive_scores(events, self.policy, now, self._disputes.rows, self.honest)
        after = naive_scores(events, self.policy, now, rows, self.honest)
        return float(np.median([after[s] - before[s] for s in subjects])) if subjects else 0.0

    # -- forks -------------------------------------------------------------------------
    def fork(self, path: Path) -> World:
        """A copy of this world (same database, clock time, disputes and scan mark)."""
        self.ledger.close()
        shutil.copyfile(self.path, path)
        w = World(
            path,
            self.policy,
            SimClock(self.clock()),
            self.rights,
            self.honest,
            self.main_source,
        )
        w.last_scan_us = self.last_scan_us
        w.watch_sources = self.watch_sources
        w._disputes = _DisputeLog(list(self._disputes.rows), dict(self._disputes.open_ids))
        return w

    def mean_degree(self) -> float:
        """Mean number of mutual endorsement partners (the trust graph's mean degree)."""
        snap = compute_trust(self.ledger, self.clock(), store=False)
        return 2 * snap.n_edges / max(1, len(snap.values))

    def close(self) -> None:
        self.ledger.close()


def _records(frame: pl.DataFrame) -> Iterable[dict[str, Any]]:
    import json

    for rec in frame.iter_rows(named=True):
        rec["attributes"] = json.loads(rec["attributes"])
        yield rec


def build_world(
    policy: Policy,
    spec: PopulationSpec,
    path: Path,
    rights: DisputeRights,
    *,
    step_us: int = 12 * MONTH_US,
) -> World:
    """A ledger holding ``spec``'s population, ending at ``spec.end_us``.

    The history is loaded as production loads a partner's past: each source's events
    through an approved backfill (one approval per source, attested known from when
    each event occurred), so the ledger's clock of every honest event is its
    ``occurred_at`` while the policy's backdating bounds and lateness rules apply in
    full to everything sent live afterwards (the attacks and the honest months).
    ``step_us`` splits each source's load into batches of that many months of history.
    """
    frame = pl.concat([pl.DataFrame(t) for t in generate_population(spec)])
    frame = frame.with_columns(
        occurred_at_us=pl.col("occurred_at")
        .str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us")
        .dt.epoch("us")
    ).sort("occurred_at_us")
    first = int(frame["occurred_at_us"].to_numpy().min()) if frame.height else spec.end_us
    clock = SimClock(spec.end_us)
    opened = frame.filter(pl.col("type") == "account.opened")
    main = dict(zip(opened["subject"].to_list(), opened["source"].to_list(), strict=True))
    honest = sorted(main)
    world = World(path, policy, clock, rights, honest, main)
    for source in sorted(set(frame["source"].to_list())):
        check_backfill(source, set(policy.sources), first, spec.end_us, first, clock(), _REASON)
        approval = world.ledger.backfills.approve(
            source=source,
            occurred_from_us=first,
            occurred_to_us=spec.end_us,
            known_from_us=first,
            approved_by="simulation",
            reason=_REASON,
            at_us=clock(),
        )
        mine = frame.filter(pl.col("source") == source)
        t = first - 1
        while t < spec.end_us:
            nxt = min(t + step_us, spec.end_us)
            part = mine.filter((pl.col("occurred_at_us") > t) & (pl.col("occurred_at_us") <= nxt))
            if part.height:
                world.ledger.ingest(
                    _records(part.drop("occurred_at_us")),
                    actor="partner",
                    backfill=approval.backfill_id,
                )
            t = nxt
    world.last_scan_us = clock()
    return world


_REASON = "the generated population's history, known to each source as it happened"
