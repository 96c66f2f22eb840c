"""SQLite: the statements and fast paths only SQLite has.

The engine opens one connection per checkout (``NullPool``) in WAL mode; every write
transaction starts with ``BEGIN IMMEDIATE``, so writers take the lock up front and the
chain head needs no further lock. Bulk writes go through the raw ``sqlite3`` driver's
``executemany``; batch reads render each event as one CSV line in SQL, parsed by Arrow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from glasscredit.exceptions import LedgerError
from glasscredit.store._columnar import parse_event_csv
from glasscredit.store._dialect import raw_rows, upsert_sql
from glasscredit.store._schemas import EVENT_INSERT_COLUMNS

__all__ = ["SqliteDialect"]

_PRAGMAS = (
    "journal_mode=WAL",  # WAL + NORMAL: a killed process never loses a committed batch
    "synchronous=NORMAL",
    "busy_timeout=30000",
    "cache_size=-262144",
    "temp_store=MEMORY",
)


class SqliteDialect:
    """The SQLite adapter's half of the store (see :class:`glasscredit.store.Dialect`)."""

    name = "sqlite"
    mark = "?"
    keeps_connection = True  # opening a connection with its pragmas costs a millisecond

    def make_engine(self, url: URL) -> Engine:
        if url.database in (None, "", ":memory:"):
            raise LedgerError("an in-memory SQLite ledger would lose everything: give a file")
        eng = create_engine(url, poolclass=NullPool)

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            for pragma in _PRAGMAS:
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(eng, "begin")
        def _on_begin(conn: Any) -> None:
            # writers take the lock up front: no deadlock upgrading a read lock
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng

    def mirror_root(self, url: URL) -> Path | None:
        """``<file>.columns/`` next to the database file."""
        return Path(f"{url.database}.columns") if url.database else None

    def named(self, name: str) -> str:
        return f":{name}"

    def begin_read(self, cursor: Any) -> None:
        cursor.execute("BEGIN")  # the driver is in autocommit mode (we issue BEGIN)

    def lock_chain(self, conn: Connection) -> None:
        """Nothing to do: the transaction holds the write lock (``BEGIN IMMEDIATE``)."""

    def raw_rows(self, conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return raw_rows(conn, self.mark, sql, params)

    def insert_rows(
        self,
        conn: Connection,
        table: str,
        cols: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        upsert_key: str | None = None,
    ) -> None:
        cur = conn.connection.cursor()
        try:
            cur.executemany(upsert_sql(table, cols, self.mark, upsert_key), list(rows))
        finally:
            cur.close()

    def event_batches(
        self, engine: Engine, attrs: str, where: str, params: dict[str, Any], rows: int
    ) -> Iterator[pa.Table]:
        """SQLite has no COPY: it concatenates each row into a CSV line (Arrow parses)."""
        quoted = f"""coalesce('"' || replace({attrs}, '"', '""') || '"', '')"""
        sql = (
            "SELECT seq || ',' || event_id || ',' || subject || ',' || source || ',' || type"
            " || ',' || occurred_at_us || ',' || recorded_at_us || ',' || known_at_us || ',' || "
            + quoted
            + " FROM events"
            + where
        )
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            try:
                cur.execute(sql, params)
                while got := cur.fetchmany(rows):
                    yield parse_event_csv("\n".join([r[0] for r in got]).encode())
            finally:
                cur.close()
        finally:
            raw.close()

    def ensure_subjects(
        self, conn: Connection, subjects: list[str], salts: list[str], now_us: int
    ) -> None:
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        dbapi.executemany(
            "INSERT INTO subjects (subject, salt, first_seen_us) "
            "VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING",
            zip(subjects, salts, [now_us] * len(subjects), strict=True),
        )

    def insert_events(self, conn: Connection, frame: pl.DataFrame, now_us: int, batch: int) -> int:
        """Insert, skipping (event_id, source) already stored; returns how many rows were new.

        The batch's constants are written into the statement (they are our own integers),
        so each row binds and converts seven values, not ten. ``known_at_us`` is the
        batch's time too, unless the frame carries it (an approved backfill).
        """
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        cols = EVENT_INSERT_COLUMNS
        consts = {"recorded_at_us": int(now_us), "batch": int(batch)}
        if "known_at_us" not in frame.columns:
            consts["known_at_us"] = int(now_us)
        bound = [c for c in cols if c not in consts]
        values = ", ".join(f"{consts[c]}" if c in consts else "?" for c in cols)
        before = dbapi.total_changes
        dbapi.executemany(
            f"INSERT INTO events ({', '.join(cols)}) VALUES ({values}) "
            "ON CONFLICT (event_id, source) DO NOTHING",
            zip(*(frame.get_column(c).to_list() for c in bound), strict=True),
        )
        return int(dbapi.total_changes - before)
