"""What differs between the databases: the adapter each one plugs into the shared store.

The shared code (SQLAlchemy Core, :mod:`glasscredit.store`'s other modules) writes SQL
that is the same on both; every statement that is not, and every fast path (COPY,
``executemany`` through the raw driver, reads rendered as CSV), is a method of a
:class:`Dialect`: :class:`glasscredit.store.sqlite.SqliteDialect` and
:class:`glasscredit.store.postgres.PostgresDialect`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

__all__ = ["Dialect", "raw_rows", "upsert_sql"]


class Dialect(Protocol):
    """One database's SQL that the shared code cannot write once, and its fast paths."""

    name: str
    #: DBAPI positional marker (``?`` or ``%s``)
    mark: str
    #: whether a reader should keep one connection for its life (no pool to reuse)
    keeps_connection: bool

    def make_engine(self, url: URL) -> Engine:
        """The engine, configured as this database needs (pragmas, pool)."""
        ...

    def mirror_root(self, url: URL) -> Path | None:
        """Where the columnar mirror lives by default (None: only where configured)."""
        ...

    def named(self, name: str) -> str:
        """The DBAPI marker of the named parameter ``name``."""
        ...

    def begin_read(self, cursor: Any) -> None:
        """Start a read transaction on a raw cursor (one snapshot for several queries)."""
        ...

    def lock_chain(self, conn: Connection) -> None:
        """Serialise appends to the audit chain for the rest of this transaction."""
        ...

    def raw_rows(self, conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` through the raw driver; ``{}`` in ``sql`` stands for the
        markers of all of ``params`` (an IN list)."""
        ...

    def insert_rows(
        self,
        conn: Connection,
        table: str,
        cols: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        upsert_key: str | None = None,
    ) -> None:
        """Insert many rows through the raw driver; ``upsert_key`` replaces same-key rows."""
        ...

    def event_batches(
        self, engine: Engine, attrs: str, where: str, params: dict[str, Any], rows: int
    ) -> Iterator[pa.Table]:
        """Events (``EVENT_SCHEMA``) matching ``where``, about ``rows`` at a time."""
        ...

    def ensure_subjects(
        self, conn: Connection, subjects: list[str], salts: list[str], now_us: int
    ) -> None:
        """Add these subjects (with their salts) unless already known."""
        ...

    def insert_events(self, conn: Connection, frame: pl.DataFrame, now_us: int, batch: int) -> int:
        """Insert a prepared ingest batch, skipping (event_id, source) already stored; the
        number of rows that were new."""
        ...


def raw_rows(conn: Connection, mark: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """:meth:`Dialect.raw_rows` with the driver's positional ``mark``."""
    cur = conn.connection.cursor()
    try:
        cur.execute(sql.format(", ".join([mark] * len(params))), list(params))
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def upsert_sql(table: str, cols: Sequence[str], mark: str, upsert_key: str | None) -> str:
    """``INSERT`` of one row (``mark`` per column), replacing a row with the same key."""
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    if upsert_key is not None:
        sql += f" ON CONFLICT ({upsert_key}) DO UPDATE SET " + ", ".join(
            f"{c} = excluded.{c}" for c in cols if c != upsert_key
        )
    return sql
