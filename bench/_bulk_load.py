"""Bulk-load a generated population into a SQLite ledger, for benchmarks only.

``Ledger.ingest_file`` validates every event and is not what the batch benchmark times,
so the benchmark fills the ``events`` table straight from the generator's Parquet with
the sqlite3 module: the generator writes events of the default policy's public contract
(pre-validated by construction), ``content_hash`` is the same
:func:`glasscredit.policy.content_hash` ingest stores, every event is recorded at the
generation time ``DEFAULT_END_US`` and known from when it occurred (as history loaded
through an approved backfill is), and ``batch`` is 0: no audit row vouches for these
events, so ``verify_audit`` on a benchmark ledger reports them (it is not a real ledger).
Rows go in the generator's order (subject by subject), which is also the best case for
reads by subject range; see docs/performance.md.

Speed: filling the (``event_id``, ``source``) unique index row by row in random id
order ran at about 11,000 events/s (over an hour for 62M events). The table is therefore
created without its inline unique constraint and filled in append order, and the unique
index and the subject index are built afterwards, each by one sort (``CREATE [UNIQUE]
INDEX``). The one difference from the migrated schema: uniqueness of (``event_id``,
``source``) is held by a unique index of the constraint's name instead of SQLite's
automatic one (same constraint, same ``ON CONFLICT (event_id, source)`` behaviour).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from glasscredit.policy import content_hash, default_policy
from glasscredit.simulate import DEFAULT_END_US
from glasscredit.store import Ledger, sqlite_url

__all__ = ["load_sqlite", "stored_columns", "write_mirror"]

_INSERT = (
    "INSERT INTO events (seq, event_id, subject, source, type, occurred_at_us, "
    "recorded_at_us, attributes, content_hash, batch, known_at_us) "
    "VALUES (?,?,?,?,?,?,?,?,?,0,?)"
)
_INLINE_UNIQUE = ", \n\tCONSTRAINT uq_events_event_id_source UNIQUE (event_id, source)\n)"


def _events_without_unique(con: sqlite3.Connection) -> None:
    """Recreate the (empty) events table without its inline unique constraint."""
    ddl = con.execute(
        "SELECT sql FROM sqlite_master WHERE type='table' AND name='events'"
    ).fetchone()[0]
    if not ddl.endswith(_INLINE_UNIQUE):
        raise RuntimeError(f"unexpected events DDL, cannot bulk-load: {ddl!r}")
    con.execute("DROP TABLE events")  # drops its indexes too
    con.execute(ddl[: -len(_INLINE_UNIQUE)] + "\n)")


def load_sqlite(parquet: Path, db: Path) -> int:
    """Create a ledger at ``db`` holding every event of ``parquet``; returns the count."""
    Ledger(sqlite_url(db), default_policy(), clock=lambda: DEFAULT_END_US).close()
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")  # a failed load is simply redone
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-2000000")
        con.execute("BEGIN")
        _events_without_unique(con)
        total = 0
        t0 = time.perf_counter()
        for batch in pq.ParquetFile(parquet).iter_batches(batch_size=500_000):
            df = pl.from_arrow(batch)
            assert isinstance(df, pl.DataFrame)
            df = df.with_columns(
                occurred_at_us=pl.col("occurred_at")
                .str.to_datetime(time_unit="us", time_zone="UTC")
                .dt.epoch("us")
            )
            rows = [
                (
                    total + i,
                    e,
                    s,
                    src,
                    t,
                    occ,
                    DEFAULT_END_US,
                    a,
                    content_hash(e, s, src, t, occ, a),
                    DEFAULT_END_US,  # known when recorded
                )
                for i, (e, s, src, t, occ, a) in enumerate(
                    df.select(
                        "event_id", "subject", "source", "type", "occurred_at_us", "attributes"
                    ).iter_rows(),
                    start=1,
                )
            ]
            con.executemany(_INSERT, rows)
            subs = df["subject"].unique().sort().to_list()
            con.executemany(
                "INSERT OR IGNORE INTO subjects (subject, salt, first_seen_us) VALUES (?,?,?)",
                [(s, os.urandom(16).hex(), DEFAULT_END_US) for s in subs],
            )
            total += len(rows)
            print(f"  loaded {total:,} events ({time.perf_counter() - t0:.0f} s)", flush=True)
        con.execute("CREATE UNIQUE INDEX uq_events_event_id_source ON events (event_id, source)")
        con.execute("CREATE INDEX ix_events_subject_occurred ON events (subject, occurred_at_us)")
        print(f"  indexes built ({time.perf_counter() - t0:.0f} s)", flush=True)
        con.execute("COMMIT")
        con.execute("ANALYZE")
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()
    return total


def stored_columns(first_seq: int) -> list[pl.Expr]:
    """The generator's columns as the ledger stores them: seq from ``first_seq`` in row
        order, times in microseconds, every event recorded at ``DEFAULT_END_US`` and known from
    when it occurred (a backfill's history)."""
    return [
        pl.int_range(first_seq, first_seq + pl.len(), dtype=pl.Int64).alias("seq"),
        pl.col("event_id"),
        pl.col("subject"),
        pl.col("source"),
        pl.col("type"),
        pl.col("occurred_at")
        .str.to_datetime(time_unit="us", time_zone="UTC")
        .dt.epoch("us")
        .alias("occurred_at_us"),
        pl.lit(DEFAULT_END_US, dtype=pl.Int64).alias("recorded_at_us"),
        # history loaded as an approved backfill known as it happened (docs/clocks.md):
        # known when it occurred, so the policy's lateness bound counts it as timely
        pl.col("occurred_at")
        .str.to_datetime(time_unit="us", time_zone="UTC")
        .dt.epoch("us")
        .alias("known_at_us"),
        pl.col("attributes"),
    ]


def write_mirror(parquet: Path, db: Path, *, rows_per_segment: int = 8_000_000) -> int:
    """Write the columnar mirror of a ledger ``load_sqlite`` filled from ``parquet``.

    Equivalent to a full ``mirror.sync()`` (the same rows: seq is the load order from 1,
    recorded at ``DEFAULT_END_US``, attributes as the same JSON text) and far faster
    than reading SQLite back; the next sync still checks the count against the table.
    One segment per ``rows_per_segment`` consecutive seqs: holding all 62M events of
    the 1M population to sort them at once took more than the machine's 24 GiB.
    """
    led = Ledger(sqlite_url(db), default_policy(), clock=lambda: DEFAULT_END_US, create=False)
    try:
        mirror = led.mirror
        assert mirror is not None
        total = pl.scan_parquet(parquet).select(pl.len()).collect().item()
        for lo in range(0, total, rows_per_segment):
            df = (
                pl.scan_parquet(parquet)
                .slice(lo, rows_per_segment)
                .select(stored_columns(lo + 1))
                .collect()
            )
            mirror.append(df)
        return int(total)
    finally:
        led.close()
