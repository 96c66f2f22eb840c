"""Rescoring: the whole population in chunks, or only the subjects whose inputs changed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from glasscredit.scoring._changed import changed_subjects
from glasscredit.scoring._engine import Scorer
from glasscredit.scoring._history import StoreReport, store_chunk

__all__ = [
    "RescoreReport",
    "changed_subjects",
    "rescore",
    "score_as_of_past",
    "subjects_with_new_events",
]


@dataclass(slots=True)
class RescoreReport:
    as_of_us: int
    subjects: int = 0
    stored: int = 0
    changed: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    scores: list[int] = field(default_factory=list)
    unchanged: int = 0  # rescored for a possible change, found the same, left as they were
    causes: dict[str, int] = field(default_factory=dict)  # change notices per cause


def subjects_with_new_events(scorer: Scorer) -> list[str]:
    """Subjects whose newest event is beyond what their last stored score has seen."""
    return scorer.ledger.scores.stale_subjects()


def rescore(
    scorer: Scorer,
    as_of_us: int,
    computed_at_us: int,
    *,
    subjects_in: list[str] | None = None,
    only_changed: bool = False,
    chunk_subjects: int = 100_000,
    progress: Callable[[int, int], None] | None = None,
) -> RescoreReport:
    """Score and store; ``only_changed`` scores just the subjects whose inputs may have
    changed (:func:`changed_subjects`) and stores those whose points or inputs did."""
    who = changed_subjects(scorer, as_of_us) if only_changed else subjects_in
    report = RescoreReport(as_of_us)
    if who is not None and not who:
        return report
    # store chunk n in a thread while chunk n+1 computes (SQLite and polars release the
    # GIL); one store at a time, in chunk order, so score ids stay in order
    with ThreadPoolExecutor(max_workers=1) as pool:
        storing: Future[StoreReport] | None = None
        for chunk in scorer.iter_chunks(as_of_us, who, chunk_subjects, progress):
            if storing is not None:
                _add(report, storing.result())
            storing = pool.submit(
                store_chunk, scorer, chunk, computed_at_us, only_changed=only_changed
            )
            report.subjects += chunk.scored.frame.height
            counts = chunk.scored.frame.group_by("tier").agg(pl.len())
            for tier, n in counts.iter_rows():
                report.tiers[tier] = report.tiers.get(tier, 0) + int(n)
            report.scores.extend(chunk.scored.frame["score"].to_list())
        if storing is not None:
            _add(report, storing.result())
    return report


def score_as_of_past(
    scorer: Scorer,
    as_of_us: int,
    ledger_us: int,
    *,
    subjects_in: list[str] | None = None,
    chunk_subjects: int = 100_000,
    progress: Callable[[int, int], None] | None = None,
) -> RescoreReport:
    """Scores as of a past time over what the ledger knows at ``ledger_us``: a read.

    Nothing is stored and no change notice is written: a historical score must never
    replace the current one (a backfilled history counts from when it was known).
    """
    report = RescoreReport(as_of_us)
    for chunk in scorer.iter_chunks(
        as_of_us, subjects_in, chunk_subjects, progress, ledger_us=ledger_us
    ):
        report.subjects += chunk.scored.frame.height
        for tier, n in chunk.scored.frame.group_by("tier").agg(pl.len()).iter_rows():
            report.tiers[tier] = report.tiers.get(tier, 0) + int(n)
        report.scores.extend(chunk.scored.frame["score"].to_list())
    return report


def _add(report: RescoreReport, stored: StoreReport) -> None:
    report.stored += stored.stored
    report.changed += stored.changed
    report.unchanged += stored.unchanged
    for cause, n in stored.causes.items():
        report.causes[cause] = report.causes.get(cause, 0) + n
