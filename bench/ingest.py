"""Ingest speed: glasscredit next to the raw database drivers, measured in the same run.

    python bench/ingest.py                      # 2,000,000 events, SQLite and PostgreSQL
    python bench/ingest.py --events 400000 --repeat 5 --db sqlite

glasscredit is timed end to end: ``Ledger.ingest_file`` on a generated JSON Lines file
(random ``event_id`` strings, as partners send them; each event dated within the six
days before the clock, as a live feed is, so that the shipped policy's backdating bounds
admit every one and the fast path must certify it under them), including reading, validation,
canonical JSON, content hashes, idempotency and the audit chain, into a fresh ledger.
The references insert the very rows glasscredit stored (already validated, already
hashed, in file order) into a fresh ledger schema with the same unique index, in
batches of 50,000 with one transaction each:

* SQLite: ``sqlite3`` ``executemany`` with ``ON CONFLICT (event_id, source) DO NOTHING``;
* PostgreSQL: ``psycopg`` ``executemany`` with ``ON CONFLICT DO NOTHING``, and ``COPY``
  straight into the table (the unique index enforces uniqueness by failing).

Each figure is the median of ``--repeat`` runs. PostgreSQL is the server of the tests
(``GLASSCREDIT_TEST_POSTGRES_URL``, default the local ``test`` database), each run in a
schema of its own. Data goes to ``bench/_data/`` (gitignored). The last line is the
headline with its target; the exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, text

from glasscredit.policy import default_policy, iso, parse_timestamp
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, write_population
from glasscredit.store import Ledger
from glasscredit.store._schemas import EVENT_INSERT_COLUMNS

TARGET = 100_000  # events/s into each database
BATCH = 50_000
DATA = Path(__file__).parent / "_data"
PG_URL = os.environ.get(
    "GLASSCREDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
COLUMNS = EVENT_INSERT_COLUMNS
# a live feed: every event dated within this long before the clock (the shipped policy's
# tightest backdating bound is 7 days; history goes in through approved backfills)
LIVE_WINDOW_US = 6 * 86_400 * 1_000_000
_OCCURRED = re.compile(rb'"occurred_at":"([^"]+)"')


def _live(line: bytes) -> bytes:
    """The line with its date folded into the live window (same second of the day)."""
    m = _OCCURRED.search(line)
    if m is None:
        return line
    us = parse_timestamp(m[1].decode())
    folded = DEFAULT_END_US - (DEFAULT_END_US - us) % LIVE_WINDOW_US
    return line[: m.start(1)] + iso(folded).encode() + line[m.end(1) :]


def events_file(n_events: int) -> Path:
    """A generated population of about ``n_events`` events, cut to exactly that many and
    dated as a live feed (:data:`LIVE_WINDOW_US`)."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"ingest_live_{n_events}.jsonl"
    if not path.exists():
        spec = PopulationSpec(subjects=max(1, round(n_events / 48)), seed=7)
        full = DATA / f"ingest_{n_events}.full.jsonl"
        total = write_population(spec, full)
        if total < n_events:
            sys.exit(f"generated only {total} events, fewer than {n_events}")
        with full.open("rb") as src, path.open("wb") as dst:
            for i, line in enumerate(src):
                if i == n_events:
                    break
                dst.write(_live(line))
        full.unlink()
    return path


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    schema = f"gc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run_glasscredit(url: str, path: Path, n_events: int) -> tuple[float, list[tuple[Any, ...]]]:
    """Seconds for ``ingest_file``; also the stored rows, for the references to insert."""
    with Ledger(url, default_policy(), clock=lambda: DEFAULT_END_US) as led:
        t0 = time.perf_counter()
        rep = led.ingest_file(path)
        seconds = time.perf_counter() - t0
        if rep.accepted != n_events or rep.rejected:
            sys.exit(f"glasscredit accepted {rep.accepted} of {n_events}: {rep.errors[:3]}")
        rows = led.execute_sql(f"SELECT {', '.join(COLUMNS)} FROM events")
    return seconds, [tuple(r) for r in rows]


def in_file_order(rows: list[tuple[Any, ...]], path: Path) -> list[tuple[Any, ...]]:
    order = pl.read_ndjson(path, schema={"event_id": pl.String}).with_row_index("i")
    stored = pl.DataFrame({"event_id": [r[0] for r in rows], "k": range(len(rows))})
    idx = order.join(stored, on="event_id").sort("i").get_column("k").to_list()
    # the batch (one per reference run) and known_at_us (the recorded time, as stored)
    return [(*rows[k][:8], 1, rows[k][9]) for k in idx]


def raw_sqlite(url: str, rows: list[tuple[Any, ...]]) -> float:
    """sqlite3 executemany into the ledger schema, same pragmas, same unique index."""
    Ledger(url, default_policy(), clock=lambda: DEFAULT_END_US).close()  # schema only
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "cache_size=-262144",
        "temp_store=MEMORY",
    ):
        conn.execute(f"PRAGMA {pragma}")
    sql = (
        f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
        "ON CONFLICT (event_id, source) DO NOTHING"
    )
    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows[i : i + BATCH])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - t0
    conn.close()
    return seconds


def _pg_conn(url: str) -> Any:
    import psycopg

    Ledger(url, default_policy(), clock=lambda: DEFAULT_END_US).close()  # schema only
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def raw_pg_executemany(url: str, rows: list[tuple[Any, ...]]) -> float:
    with _pg_conn(url) as conn:
        marks = ", ".join(["%s"] * len(COLUMNS))
        sql = (
            f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({marks}) "
            "ON CONFLICT (event_id, source) DO NOTHING"
        )
        t0 = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(sql, rows[i : i + BATCH])
        return time.perf_counter() - t0


def raw_pg_copy(url: str, rows: list[tuple[Any, ...]]) -> float:
    with _pg_conn(url) as conn:
        t0 = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            with (
                conn.transaction(),
                conn.cursor() as cur,
                cur.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN") as copy,
            ):
                for r in rows[i : i + BATCH]:
                    copy.write_row(r)
        return time.perf_counter() - t0


def median_rate(n: int, runs: list[float]) -> float:
    return n / statistics.median(runs)


def bench_db(kind: str, path: Path, n: int, repeat: int) -> float:
    """Print glasscredit and the references for one database; return glasscredit's rate."""
    gc_runs: list[float] = []
    rows: list[tuple[Any, ...]] = []
    refs: dict[str, Callable[[str, list[tuple[Any, ...]]], float]] = (
        {"sqlite3 executemany": raw_sqlite}
        if kind == "sqlite"
        else {"psycopg executemany": raw_pg_executemany, "psycopg COPY": raw_pg_copy}
    )
    ref_runs: dict[str, list[float]] = {name: [] for name in refs}
    for r in range(repeat):
        with database(kind) as url:
            seconds, stored = run_glasscredit(url, path, n)
            gc_runs.append(seconds)
        if not rows:
            rows = in_file_order(stored, path)
        del stored
        for name, fn in refs.items():
            with database(kind) as url:
                ref_runs[name].append(fn(url, rows))
        print(
            f"  {kind} run {r + 1}/{repeat}: glasscredit {n / seconds:,.0f} ev/s; "
            + "; ".join(f"{name} {n / ref_runs[name][-1]:,.0f}/s" for name in refs),
            flush=True,
        )
    gc = median_rate(n, gc_runs)
    print(f"{kind:10s} glasscredit ingest_file (end to end)  {gc:>10,.0f} events/s")
    for name in refs:
        ref = median_rate(n, ref_runs[name])
        print(
            f"{kind:10s} {name + ' (raw, rows prepared)':37s} {ref:>10,.0f} rows/s   "
            f"glasscredit = {gc / ref:.2f}x"
        )
    return gc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = ap.parse_args()
    path = events_file(args.events)
    print(
        f"ingest of {args.events:,} generated events ({path.stat().st_size / 1e6:.0f} MB "
        f"JSON Lines), median of {args.repeat} runs, {os.cpu_count()} cores",
        flush=True,
    )
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rates = {kind: bench_db(kind, path, args.events, args.repeat) for kind in kinds}
    missed = [k for k, v in rates.items() if v < TARGET]
    verdict = "met" if not missed else f"MISSED on {', '.join(missed)}"
    print(
        f"glasscredit ingest of {args.events:,} events: "
        + ", ".join(f"{k} {v:,.0f} events/s" for k, v in rates.items())
        + f" (target >= {TARGET:,} events/s into each database: {verdict})"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
