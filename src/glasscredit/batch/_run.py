"""One batch run: events from Parquet, the ledger's side, an engine, rows out, and
optionally the scores stored back into the ledger."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from glasscredit.batch._inputs import read_ledger_inputs
from glasscredit.batch._local import run_local
from glasscredit.batch._settings import SparkSettings, spark_session
from glasscredit.batch._source import EventSource, event_source
from glasscredit.batch._writeback import store_rows
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import PointsTable
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["BatchReport", "Engine", "run_batch"]

Engine = Literal["local", "spark"]


@dataclass(slots=True)
class BatchReport:
    """What a run did: rows written, scores stored, and wall seconds per stage."""

    engine: Engine
    as_of_us: int
    out: Path
    events_files: int
    subjects: int = 0
    stored: int = 0
    changed: int = 0
    stages: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "as_of_us": self.as_of_us,
            "out": str(self.out),
            "events_files": self.events_files,
            "subjects": self.subjects,
            "stored": self.stored,
            "changed": self.changed,
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
        }


def _source(ledger: Ledger, events: Path | None) -> EventSource:
    if events is not None:
        return event_source(events)
    mirror = ledger.mirror
    if mirror is None:
        raise ValidationError(
            [
                FieldError(
                    "--events",
                    "required",
                    "this ledger has no columnar mirror (PostgreSQL without "
                    "GLASSCREDIT_MIRROR_DIR): give the events' Parquet path",
                )
            ]
        )
    mirror.sync()
    return event_source(mirror.root)


def _is_run_output(name: str) -> bool:
    """A file a previous run writes: Parquet parts, Spark's ``_SUCCESS`` and checksums."""
    return name.endswith((".parquet", ".crc")) or name in ("_SUCCESS", "_committed", "_started")


def _clear_previous_run(out: Path) -> None:
    """Remove a previous run's output at ``out``, and nothing else.

    ``--out .``, a home folder or an input file would otherwise be deleted whole: a
    folder holding anything but run output, or a file, is refused by name.
    """
    if not out.exists():
        return
    entries = list(out.iterdir()) if out.is_dir() else None
    if entries is None or any(e.is_dir() or not _is_run_output(e.name) for e in entries):
        raise ValidationError(
            [
                FieldError(
                    "--out",
                    "run_output",
                    f"{out} exists and is not the output of a batch run (only Parquet parts "
                    "are replaced): name a new folder",
                )
            ]
        )
    shutil.rmtree(out)


def run_batch(
    ledger: Ledger,
    *,
    engine: Engine,
    as_of_us: int,
    out: Path,
    computed_at_us: int,
    events: Path | None = None,
    store: bool = False,
    table: PointsTable | None = None,
    spark: SparkSession | None = None,
    spark_settings: SparkSettings | None = None,
    chunk_subjects: int = 100_000,
) -> BatchReport:
    """Score every subject of ``ledger`` as of ``as_of_us`` from Parquet events into ``out``.

    ``events``: a Parquet file or folder (default: the ledger's columnar mirror, synced
    first). ``store``: also store the scores in the ledger as its current scores, with
    change notices; only for ``as_of_us == computed_at_us`` (now), since the ledger keeps
    one current score per subject and has no place yet for scores of a past time.
    ``spark``: a session to use (default: one from ``spark_settings``).
    """
    if store and as_of_us != computed_at_us:
        raise ValidationError(
            [
                FieldError(
                    "--as-of",
                    "now_only",
                    "storing into the ledger needs scores as of now: the ledger keeps "
                    "current scores with change notices and has no notion of a historical "
                    "score yet; leave out --store to write a past time's scores to Parquet",
                )
            ]
        )
    if engine not in ("local", "spark"):
        raise ValidationError(
            [FieldError("--engine", "choice", f"unknown engine {engine!r}: local or spark")]
        )
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    source = _source(ledger, events)
    scorer = Scorer(ledger, table=table)
    inputs = read_ledger_inputs(scorer, as_of_us)
    stages["ledger inputs"] = time.perf_counter() - t0
    _clear_previous_run(out)
    t0 = time.perf_counter()
    detail: dict[str, float] = {}
    if engine == "local":
        subjects = run_local(
            scorer, inputs, source, out, chunk_subjects=chunk_subjects, stages=detail
        )
    else:
        from glasscredit.batch._spark import run_spark

        session = spark or spark_session(spark_settings)
        settings = spark_settings or SparkSettings()
        subjects = run_spark(
            session,
            scorer.policy,
            scorer.table,
            inputs,
            source,
            out,
            partitions=settings.partitions,
            stages=detail,
        )
    stages["score"] = time.perf_counter() - t0
    stages.update({f"score: {k}": v for k, v in detail.items()})
    report = BatchReport(engine, as_of_us, out, len(source.files), subjects, stages=stages)
    if store:
        t0 = time.perf_counter()
        got = store_rows(scorer, inputs, source, out, computed_at_us, chunk_subjects=chunk_subjects)
        report.stored, report.changed = got.stored, got.changed
        stages["store"] = time.perf_counter() - t0
    scorer.close()
    return report
