"""Scores computed by a batch run, stored in the ledger as current scores.

The rows go through the ledger's own score-storage entry point
(:func:`glasscredit.scoring.store_chunk`), chunk by chunk in subject order, exactly as
``rescore`` stores them: score ids in order, the scoring cursor moved, and a change
notice, naming the events that entered or left each feature, for every subject whose
score or tier moved. The events of each chunk are read again from the same files for
those notices.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from glasscredit.batch._inputs import LedgerInputs
from glasscredit.batch._local import chunk_events
from glasscredit.batch._rows import as_chunk
from glasscredit.batch._source import EventSource, scan_events
from glasscredit.scoring import Scorer, StoreReport, store_chunk

__all__ = ["store_rows"]


def store_rows(
    scorer: Scorer,
    inputs: LedgerInputs,
    source: EventSource,
    out: Path,
    computed_at_us: int,
    *,
    chunk_subjects: int = 100_000,
) -> StoreReport:
    """Store every row of the run's output ``out``; the stored and changed counts."""
    rows = pl.scan_parquet(str(out / "*.parquet")).collect().sort("subject")
    events = scan_events(source, scorer.policy, inputs.as_of_us, inputs.erased)
    total = StoreReport()
    for lo in range(0, rows.height, chunk_subjects):
        part = rows.slice(lo, chunk_subjects)
        who = part["subject"].to_list()
        chunk = as_chunk(
            scorer.policy,
            scorer.table,
            part,
            chunk_events(events, who),
            inputs.exclusions,
        )
        # the versions the run read: each stored score pins them, as rescore's do
        got = store_chunk(scorer, replace(chunk, versions=inputs.versions), computed_at_us)
        total.stored += got.stored
        total.changed += got.changed
    return total
