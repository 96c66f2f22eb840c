"""The local engine over the same event files: the ledger's own chunked batch path.

Subjects go in sorted ranges of ``chunk_subjects``; each range's events are read from
the files (the next range while this one computes) and scored by
:meth:`Scorer.score_chunk`, exactly what ``rescore`` runs. It is the yardstick the
Spark engine is held to (same rows) and the default for one machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from glasscredit.batch._inputs import LedgerInputs
from glasscredit.batch._rows import output_rows
from glasscredit.batch._source import EventSource, scan_events
from glasscredit.scoring import Scorer

__all__ = ["chunk_events", "run_local", "scored_subjects"]


def scored_subjects(inputs: LedgerInputs, events: pl.LazyFrame) -> list[str]:
    """Who a run scores: the ledger's subjects and anyone with an event in the files."""
    seen = events.select(pl.col("subject").unique()).collect()["subject"]
    return sorted(set(inputs.subjects).union(seen.to_list()))


def chunk_events(events: pl.LazyFrame, part: list[str]) -> pl.DataFrame:
    """The events of the sorted subject range ``part``."""
    lo, hi = part[0], part[-1]
    return events.filter(pl.col("subject").is_between(pl.lit(lo), pl.lit(hi))).collect()


def _chunks(
    events: pl.LazyFrame, who: list[str], size: int
) -> Iterator[tuple[list[str], pl.DataFrame]]:
    parts = [who[i : i + size] for i in range(0, len(who), size)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(chunk_events, events, parts[0]) if parts else None
        for n, part in enumerate(parts):
            assert ahead is not None
            ev = ahead.result()
            if n + 1 < len(parts):
                ahead = pool.submit(chunk_events, events, parts[n + 1])
            yield part, ev


def run_local(
    scorer: Scorer,
    inputs: LedgerInputs,
    source: EventSource,
    out: Path,
    *,
    chunk_subjects: int = 100_000,
    stages: dict[str, float] | None = None,
) -> int:
    """Score every subject as of ``inputs.as_of_us`` into ``out`` (a folder of Parquet
    parts); returns the number of subjects.

    ``stages`` gets wall seconds added per stage: waiting for events (the read runs
    ahead, so this is what it fails to hide), the kernel, the rows and their write.
    """
    took = stages if stages is not None else {}
    t0 = time.perf_counter()
    events = scan_events(source, scorer.policy, inputs.as_of_us, inputs.erased)
    who = scored_subjects(inputs, events)
    out.mkdir(parents=True, exist_ok=True)
    t1 = time.perf_counter()
    _add(took, "subjects", t1 - t0)
    for n, (part, ev) in enumerate(_chunks(events, who, chunk_subjects)):
        t2 = time.perf_counter()
        _add(took, "read (not hidden)", t2 - t1)
        chunk = scorer.score_chunk(part, inputs.as_of_us, ev)
        t3 = time.perf_counter()
        _add(took, "kernel", t3 - t2)
        rows = output_rows(scorer.policy, scorer.table, chunk.scored, chunk.digests, chunk.last_seq)
        rows.write_parquet(out / f"part-{n:05d}.parquet")
        t1 = time.perf_counter()
        _add(took, "rows and write", t1 - t3)
    return len(who)


def _add(stages: dict[str, float], name: str, seconds: float) -> None:
    stages[name] = stages.get(name, 0.0) + seconds
