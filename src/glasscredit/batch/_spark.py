"""The Spark engine: the same kernel on every partition of subjects, via ``mapInArrow``.

The events are repartitioned by subject, so each partition holds all the events of its
subjects: a valid unit of work for the kernel (``features`` says why, with a property
test). Each partition is handed whole to :func:`glasscredit.scoring.score_events` (one
call per partition; a call per subject would drown in overhead), then to the same row
builders the local engine uses.

The ledger's side travels two ways: the exclusions (by source and event id, few) are
broadcast; the subjects and their external values (one row each, as many as subjects) ride in the
shuffle as *marker rows*, unioned with the events and partitioned by the same key, so
no executor ever holds them all.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from glasscredit.batch._inputs import ERASED_PREFIX, LedgerInputs, subject_attributes
from glasscredit.batch._rows import output_rows, output_schema
from glasscredit.batch._settings import arrow_only
from glasscredit.batch._source import EVENT_COLUMNS, EventSource
from glasscredit.features import attribute_event_types
from glasscredit.policy import PointsTable, Policy
from glasscredit.scoring import score_events
from glasscredit.scoring._engine import last_seqs

if TYPE_CHECKING:
    from pyspark.accumulators import Accumulator
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["PartitionKernel", "run_spark", "spark_events"]

MARKER = "_marker"  # true on a subject's marker row, false on events
HAS_EXT = "_has_ext"  # the subject has a row of external values
_EVENTS_PER_PARTITION = 2_000_000


def _spark_type(dtype: type[pl.DataType] | pl.DataType) -> str:
    return {pl.Int64: "bigint", pl.String: "string"}[dtype]  # type: ignore[index]


def spark_events(
    spark: SparkSession, policy: Policy, source: EventSource, inputs: LedgerInputs
) -> DataFrame:
    """The source's events recorded by the time, naming no erased subject, as Spark reads
    them; attributes kept only for the types whose attributes a feature reads."""
    from pyspark.sql import functions as F

    df = spark.read.option("basePath", str(source.base)).parquet(*[str(f) for f in source.files])
    df = df.select(
        *[F.col(c).cast(_spark_type(t)).alias(c) for c, t in EVENT_COLUMNS.items()]
    ).where(F.col("recorded_at_us") <= F.lit(inputs.as_of_us))
    if inputs.erased:
        keys = sorted(inputs.erased)

        def erased(col: Column) -> Column:
            return F.coalesce(
                F.sha2(F.concat(F.lit(ERASED_PREFIX), col), 256).isin(keys), F.lit(False)
            )

        bad = erased(F.col("subject"))
        for etype, attrs in subject_attributes(policy).items():
            for attr in attrs:
                named = F.get_json_object(F.col("attributes"), f"$.{attr}")
                bad = bad | ((F.col("type") == etype) & erased(named))
        df = df.where(~bad)
    kept = sorted(attribute_event_types(policy))
    return df.withColumn("attributes", F.when(F.col("type").isin(kept), F.col("attributes")))


def _markers(inputs: LedgerInputs) -> pa.Table:
    """One row per subject the ledger knows or holds external values of."""
    subjects = pl.DataFrame({"subject": inputs.subjects}, schema={"subject": pl.String})
    ext = inputs.external
    if ext is not None:
        subjects = subjects.join(
            ext.with_columns(pl.lit(True).alias(HAS_EXT)), on="subject", how="full", coalesce=True
        )
    else:
        subjects = subjects.with_columns(pl.lit(None, dtype=pl.Boolean).alias(HAS_EXT))
    table = subjects.with_columns(pl.lit(True).alias(MARKER)).to_arrow()
    return table.cast(
        pa.schema(
            [
                pa.field(
                    f.name,
                    pa.string()
                    if pa.types.is_string(f.type)
                    or pa.types.is_large_string(f.type)
                    or pa.types.is_string_view(f.type)
                    else f.type,
                )
                for f in table.schema
            ]
        )
    )


class PartitionKernel:
    """The function ``mapInArrow`` runs on each partition (picklable: policy, table and
    the exclusions as Arrow IPC bytes)."""

    def __init__(
        self,
        policy: Policy,
        table: PointsTable,
        as_of_us: int,
        exclusions: bytes,
        ext_names: list[str],
        timers: tuple[Accumulator[float], Accumulator[float]] | None = None,
    ) -> None:
        self.policy = policy
        self.timers = timers  # seconds waiting for the events, seconds scoring them
        self.table = table
        self.as_of_us = as_of_us
        self.exclusions = exclusions
        self.ext_names = ext_names
        self.schema = output_schema(policy, table)

    def score(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Output rows of one partition's events and marker rows."""
        is_marker = pl.col(MARKER).fill_null(False)
        events = frame.filter(~is_marker).select(list(EVENT_COLUMNS))
        markers = frame.filter(is_marker)
        who = (
            pl.concat([markers.select("subject"), events.select("subject")])
            .unique()
            .sort("subject")["subject"]
            .to_list()
        )
        ext = (
            markers.filter(pl.col(HAS_EXT).fill_null(False)).select("subject", *self.ext_names)
            if self.ext_names
            else None
        )
        excl = pl.read_ipc(io.BytesIO(self.exclusions))
        scored, digests = score_events(
            events,
            self.policy,
            self.table,
            self.as_of_us,
            subjects=who,
            exclusions=excl,
            external=ext,
        )
        return output_rows(self.policy, self.table, scored, digests, last_seqs(events))

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        t0 = time.perf_counter()
        got = list(batches)  # the whole partition: the kernel needs all of a subject's events
        if not got or not any(b.num_rows for b in got):
            return
        t1 = time.perf_counter()
        frame = pl.from_arrow(pa.Table.from_batches(got))
        assert isinstance(frame, pl.DataFrame)
        out = self.score(frame).to_arrow().cast(self.schema)
        if self.timers is not None:
            self.timers[0].add(t1 - t0)
            self.timers[1].add(time.perf_counter() - t1)
        yield from out.to_batches()


def _ddl(schema: pa.Schema) -> str:
    """The Spark DDL of the output schema (names quoted: ``p:<feature>``)."""
    kinds = {pa.int64(): "bigint", pa.float64(): "double", pa.string(): "string"}
    return ", ".join(
        f"`{f.name}` {'array<string>' if pa.types.is_list(f.type) else kinds[f.type]}"
        for f in schema
    )


def _ipc(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc(buf)
    return buf.getvalue()


def run_spark(
    spark: SparkSession,
    policy: Policy,
    table: PointsTable,
    inputs: LedgerInputs,
    source: EventSource,
    out: Path,
    *,
    partitions: int | None = None,
    stages: dict[str, float] | None = None,
) -> int:
    """Score every subject as of ``inputs.as_of_us`` on Spark into ``out`` (Parquet);
    returns the number of subjects (rows written).

    ``stages`` gets the seconds the Python workers spent, summed over tasks: waiting for
    their partition's events (the JVM's read, shuffle and transfer) and scoring them.
    """
    with arrow_only():  # no pandas object is made here
        from pyspark.sql import functions as F

        events = spark_events(spark, policy, source, inputs)
        markers = spark.createDataFrame(_markers(inputs))
        ext_names = [c for c in markers.columns if c not in ("subject", HAS_EXT, MARKER)]
        events = events.withColumn(MARKER, F.lit(False))
        both = events.unionByName(markers, allowMissingColumns=True)
        n = partitions or max(
            2 * spark.sparkContext.defaultParallelism,
            math.ceil(source.rows / _EVENTS_PER_PARTITION),
        )
        ctx = spark.sparkContext
        timers = (ctx.accumulator(0.0), ctx.accumulator(0.0))
        kernel = PartitionKernel(
            policy, table, inputs.as_of_us, _ipc(inputs.exclusions), ext_names, timers
        )
        scored = both.repartition(n, "subject").mapInArrow(kernel, _ddl(kernel.schema))
        scored.write.mode("overwrite").parquet(str(out))
        if stages is not None:
            stages["events in (summed over tasks)"] = timers[0].value
            stages["kernel and rows (summed over tasks)"] = timers[1].value
    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(out.glob("*.parquet")))
