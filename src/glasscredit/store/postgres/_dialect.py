"""PostgreSQL: the statements and fast paths only PostgreSQL has.

Bulk writes go through ``COPY ... FROM STDIN`` (the events of an ingest batch, stored
scores), batch reads through ``COPY ... TO STDOUT`` parsed by Arrow, new subjects
through one ``unnest`` insert; appends to the audit chain serialise on a
transaction-scoped advisory lock.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL

from glasscredit.store._columnar import parse_event_csv
from glasscredit.store._dialect import raw_rows, upsert_sql
from glasscredit.store._schemas import EVENT_INSERT_COLUMNS

__all__ = ["PostgresDialect"]

_CHAIN_LOCK_KEY = 0x6C617373637265  # "lasscre": one advisory lock for the chain head


class PostgresDialect:
    """The PostgreSQL adapter's half of the store (see :class:`glasscredit.store.Dialect`)."""

    name = "postgresql"
    mark = "%s"
    keeps_connection = False  # the pool reuses connections

    def make_engine(self, url: URL) -> Engine:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True)

    def mirror_root(self, url: URL) -> Path | None:
        """None: a server has no folder of its own (``GLASSCREDIT_MIRROR_DIR`` sets one)."""
        return None

    def named(self, name: str) -> str:
        return f"%({name})s"

    def begin_read(self, cursor: Any) -> None:
        """Nothing to do: psycopg opens a transaction at the first statement."""

    def lock_chain(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})

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
        """COPY; an upsert (which COPY cannot do) goes through ``executemany``."""
        names = ", ".join(cols)
        cur = conn.connection.cursor()
        try:
            if upsert_key is None:
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            cur.executemany(upsert_sql(table, cols, self.mark, upsert_key), list(rows))
        finally:
            cur.close()

    def event_batches(
        self, engine: Engine, attrs: str, where: str, params: dict[str, Any], rows: int
    ) -> Iterator[pa.Table]:
        """``COPY (SELECT ...) TO STDOUT`` as CSV, cut at line ends every ``100 * rows`` bytes."""
        bytes_per_batch = rows * 100
        sql = (
            "COPY (SELECT seq, event_id, subject, source, type, occurred_at_us, "
            f"recorded_at_us, known_at_us, {attrs} FROM events{where}) TO STDOUT WITH (FORMAT csv)"
        )
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            try:
                buf: list[bytes] = []
                held = 0
                pending = b""
                with cur.copy(sql, params) as copy:
                    for block in copy:
                        buf.append(bytes(block))
                        held += len(block)
                        if held >= bytes_per_batch:
                            data = pending + b"".join(buf)
                            cut = data.rfind(b"\n") + 1  # whole lines only
                            yield parse_event_csv(data[:cut])
                            pending, buf, held = data[cut:], [], 0
                rest = pending + b"".join(buf)
                if rest:
                    yield parse_event_csv(rest)
            finally:
                cur.close()
        finally:
            raw.close()

    def ensure_subjects(
        self, conn: Connection, subjects: list[str], salts: list[str], now_us: int
    ) -> None:
        """One statement (``executemany`` would be a round trip per subject)."""
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        try:
            cur.execute(
                "INSERT INTO subjects (subject, salt, first_seen_us) "
                "SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[]) "
                "ON CONFLICT (subject) DO NOTHING",
                (subjects, salts, [now_us] * len(subjects)),
            )
        finally:
            cur.close()

    def insert_events(self, conn: Connection, frame: pl.DataFrame, now_us: int, batch: int) -> int:
        """COPY into ``events``; if a (source, id) is already there, staging + ON CONFLICT.

        The common case (every event new) costs one COPY. A unique violation rolls back to
        the savepoint (nothing of the attempt remains) and the batch takes the staging
        path, which keeps exactly the rows that are new; returns how many rows were new.
        """
        import psycopg

        rows = frame.select(
            "event_id",
            "subject",
            "source",
            "type",
            "occurred_at_us",
            recorded_at_us=pl.lit(now_us, dtype=pl.Int64),
            attributes="attributes",
            content_hash="content_hash",
            batch=pl.lit(batch, dtype=pl.Int64),
            # the batch's time, unless the frame carries it (an approved backfill)
            known_at_us=(
                pl.col("known_at_us")
                if "known_at_us" in frame.columns
                else pl.lit(now_us, dtype=pl.Int64)
            ),
        )
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        try:
            buf, options = _copy_payload(rows)
            cur.execute("SAVEPOINT gc_copy")
            try:
                _copy(cur, "events", buf, options)
            except psycopg.errors.UniqueViolation:
                cur.execute("ROLLBACK TO SAVEPOINT gc_copy")
            else:
                cur.execute("RELEASE SAVEPOINT gc_copy")
                return rows.height
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS gc_staging (event_id text, subject text, "
                "source text, type text, occurred_at_us bigint, recorded_at_us bigint, "
                "attributes text, content_hash text, batch bigint, known_at_us bigint) "
                "ON COMMIT DELETE ROWS"
            )
            _copy(cur, "gc_staging", buf, options)
            cols = ", ".join(EVENT_INSERT_COLUMNS)
            cur.execute(
                f"INSERT INTO events ({cols}) SELECT {cols} "
                "FROM gc_staging ORDER BY event_id, source "
                "ON CONFLICT (event_id, source) DO NOTHING"
            )
            return int(cur.rowcount)
        finally:
            cur.close()


def _copy_payload(rows: pl.DataFrame) -> tuple[io.BytesIO, str]:
    """The rows for ``COPY`` and its options: PostgreSQL's text format where it applies.

    The text format (tab-separated, no quoting) costs the server about a tenth less to
    parse than CSV, whose quoted JSON it must un-double. It is exact only when no value
    holds a backslash, tab, newline or carriage return (its escape characters, all
    absent from ids and canonical attributes under the default policy); otherwise CSV.
    """
    buf = io.BytesIO()
    texts = [c for c, t in rows.schema.items() if t == pl.String]
    if not rows.select(pl.any_horizontal(pl.col(texts).str.contains(r"[\\\t\n\r]").any())).item():
        rows.write_csv(buf, include_header=False, separator="\t", quote_style="never")
        return buf, ""
    rows.write_csv(buf, include_header=False)
    return buf, " WITH (FORMAT csv)"


def _copy(cur: Any, table: str, buf: io.BytesIO, options: str) -> None:
    cols = ", ".join(EVENT_INSERT_COLUMNS)
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN{options}") as copy:
        view = buf.getbuffer()
        for i in range(0, len(view), 1 << 20):
            copy.write(view[i : i + (1 << 20)])
        view.release()
