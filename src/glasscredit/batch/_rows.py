"""The rows a batch run writes: one per subject, the same for every engine.

``subject, as_of_us, score, tier``, the points of each feature (``p:<feature>``) and
each dimension (``d:<dimension>``), each feature's value (by its name), ``reasons``
(reason codes in rank order), ``inputs_digest``, ``detail`` (the exact JSON the ledger
stores with a score) and ``last_seq`` (the newest event the score has seen: the ledger's
scoring cursor). Everything is built by the scoring package's own column-wise builders,
so a row written here stores into the ledger unchanged.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from glasscredit.features import FeatureFrame
from glasscredit.policy import PointsTable, Policy
from glasscredit.scoring import ScoredFrame
from glasscredit.scoring._batch_rows import detail_column, reason_codes
from glasscredit.scoring._engine import ChunkResult

__all__ = ["as_chunk", "output_rows", "output_schema"]


def output_schema(policy: Policy, table: PointsTable) -> pa.Schema:
    """The Arrow schema of :func:`output_rows` (Spark needs it before any row exists)."""
    names = list(table.features)
    return pa.schema(
        [
            ("subject", pa.string()),
            ("as_of_us", pa.int64()),
            ("score", pa.int64()),
            ("tier", pa.string()),
            *[(f"p:{n}", pa.int64()) for n in names],
            *[(f"d:{d}", pa.int64()) for d in policy.dimensions],
            *[(n, pa.float64()) for n in names],
            ("reasons", pa.list_(pa.string())),
            ("inputs_digest", pa.string()),
            ("detail", pa.string()),
            ("last_seq", pa.int64()),
        ]
    )


def output_rows(
    policy: Policy,
    table: PointsTable,
    scored: ScoredFrame,
    digests: pl.DataFrame,
    last_seq: pl.DataFrame,
) -> pl.DataFrame:
    """The output rows of one chunk or partition (see the module docstring)."""
    names = list(table.features)
    frame = (
        scored.frame.join(scored.features.frame.select(["subject", *names]), on="subject")
        .join(digests, on="subject", how="left")
        .join(last_seq, on="subject", how="left")
        .with_columns(pl.col("inputs_digest").fill_null(""))
    )
    codes = reason_codes(policy, table, frame)
    frame = frame.with_columns(
        detail_column(frame, names, list(policy.dimensions), codes),
        pl.lit(scored.as_of_us, dtype=pl.Int64).alias("as_of_us"),
        codes.str.replace_all('"', "", literal=True)
        .str.split(",")
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("reasons"),
    )
    schema = output_schema(policy, table)
    return frame.select(schema.names).cast(
        {f.name: pl.List(pl.String) if f.name == "reasons" else _pl_type(f.type) for f in schema}
    )


def _pl_type(t: pa.DataType) -> pl.DataType:
    if t == pa.int64():
        return pl.Int64()
    if t == pa.float64():
        return pl.Float64()
    return pl.String()


def as_chunk(
    policy: Policy,
    table: PointsTable,
    rows: pl.DataFrame,
    events: pl.DataFrame,
    exclusions: pl.DataFrame,
) -> ChunkResult:
    """Output rows (one ``as_of_us``) back into the chunk the ledger's ``store_chunk`` takes.

    ``events`` are the chunk's events (change notices name the events that moved a
    feature); ``exclusions`` the ledger's.
    """
    names = list(table.features)
    as_of = int(rows["as_of_us"][0]) if rows.height else 0
    point_cols = [c for c in rows.columns if c.startswith(("p:", "d:"))]
    scored = ScoredFrame(
        as_of,
        rows.select("subject", "score", "tier", *point_cols),
        FeatureFrame(as_of, rows.select("subject", *names)),
    )
    return ChunkResult(
        scored,
        rows.select("subject", "inputs_digest"),
        events,
        exclusions,
        rows.select("subject", "last_seq").filter(pl.col("last_seq").is_not_null()),
    )
