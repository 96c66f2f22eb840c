"""Single-subject inputs in a few raw DBAPI queries, for a fast ``Scorer.explain``.

An explanation needs one subject's events, its exclusions and its external values. The
SQLAlchemy Core path cost a connection and statement compilation per query (several
milliseconds); here plain SQL runs on the ``(subject, occurred_at_us)`` index, the
exclusions' subject index and the external tables' primary keys. The frames built are
exactly those the batch path builds (same schemas, same external join), so the kernel
sees the same input either way.

On SQLite the engine opens a new connection per checkout (``NullPool``), and opening
one with its pragmas cost about a millisecond per explanation: a :class:`SubjectReader`
keeps one connection for its life instead. Each read is its own transaction, ended
before returning, so it sees everything committed before it began (ingest, disputes,
erasure) and never pins an old WAL snapshot between calls.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from glasscredit.features import EXCLUSION_SCHEMA
from glasscredit.store import Ledger

__all__ = ["SubjectInputs", "SubjectReader", "join_external"]

_EVENT_SCHEMA = {
    "seq": pl.Int64,
    "event_id": pl.String,
    "subject": pl.String,
    "source": pl.String,
    "type": pl.String,
    "occurred_at_us": pl.Int64,
    "recorded_at_us": pl.Int64,
    "attributes": pl.String,
}
_EXTERNAL_TABLES = {"trust": "trust_values", "corroborated_reports": "report_values"}


@dataclass(frozen=True, slots=True)
class SubjectInputs:
    """What the kernel needs for one subject; ``known`` is False for an unknown subject."""

    known: bool
    events: pl.DataFrame
    exclusions: pl.DataFrame
    external: pl.DataFrame | None


class SubjectReader:
    """Reads one subject's inputs; on SQLite over one connection kept for its life.

    ``attribute_types``: ``attributes`` is sent only for these event types (NULL
    elsewhere), as the batch reader does. ``external_names``: the policy's external
    features, each read from its table's newest snapshot at or before the time asked
    (as :meth:`Scorer.external`). A thread that finds the kept connection busy opens
    its own for that read, so readers never wait on each other.
    """

    def __init__(
        self, ledger: Ledger, attribute_types: Collection[str], external_names: Sequence[str]
    ) -> None:
        self._engine = ledger.engine
        self._sqlite = ledger.engine.dialect.name == "sqlite"
        p = "?" if self._sqlite else "%s"
        self._types = sorted(attribute_types)
        attrs = (
            (f"CASE WHEN type IN ({','.join([p] * len(self._types))}) THEN attributes END")
            if self._types
            else "NULL"
        )
        self._events_sql = (
            f"SELECT seq, event_id, subject, source, type, occurred_at_us, "
            f"recorded_at_us, {attrs} FROM events WHERE subject = {p} "
            f"AND recorded_at_us <= {p}"
        )
        self._known_sql = f"SELECT 1 FROM subjects WHERE subject = {p}"
        self._exclusions_sql = (
            f"SELECT event_id, from_us, until_us FROM event_exclusions WHERE subject = {p}"
        )
        self._external = [
            (
                name,
                f"SELECT max(as_of_us) FROM {table} WHERE as_of_us <= {p}",
                f"SELECT subject, value FROM {table} WHERE as_of_us = {p} AND subject = {p}",
            )
            for name in external_names
            if (table := _EXTERNAL_TABLES.get(name)) is not None
        ]
        self._lock = threading.Lock()
        self._kept: Any = None  # the pooled DBAPI connection, opened on first use
        self._kept_pid = 0
        self._finalizer: weakref.finalize | None = None  # type: ignore[type-arg]

    def read(self, subject: str, as_of_us: int) -> SubjectInputs:
        """One subject's events recorded by ``as_of_us``, exclusions and external values."""
        if self._sqlite and self._lock.acquire(blocking=False):
            try:
                raw = self._connection()
                try:
                    return self._read(raw, subject, as_of_us)
                except BaseException:
                    self.close()  # a failed connection is not reused
                    raise
            finally:
                self._lock.release()
        raw = self._engine.raw_connection()  # not SQLite (the pool reuses), or busy
        try:
            return self._read(raw, subject, as_of_us)
        finally:
            raw.close()

    def close(self) -> None:
        """Close the kept connection (the next read opens a new one)."""
        if self._finalizer is not None:
            self._finalizer()  # closes it once, also if the reader is collected first
        self._kept, self._finalizer = None, None

    def _connection(self) -> Any:
        if self._kept is not None and self._kept_pid != os.getpid():
            # a forked child must not use its parent's SQLite connection, nor close it
            if self._finalizer is not None:
                self._finalizer.detach()
            self._kept, self._finalizer = None, None
        if self._kept is None:
            self._kept = self._engine.raw_connection()
            self._kept_pid = os.getpid()
            # returned to the pool (which closes it) when the reader goes away
            self._finalizer = weakref.finalize(self, self._kept.close)
        return self._kept

    def _read(self, raw: Any, subject: str, as_of_us: int) -> SubjectInputs:
        cur = raw.cursor()
        try:
            if self._sqlite:
                cur.execute("BEGIN")  # one snapshot for all the queries below
            cur.execute(self._events_sql, [*self._types, subject, as_of_us])
            ev_rows = cur.fetchall()
            known = bool(ev_rows)
            if not known:
                cur.execute(self._known_sql, [subject])
                known = cur.fetchone() is not None
            cur.execute(self._exclusions_sql, [subject])
            excl_rows = cur.fetchall()
            external = self._external_values(cur, subject, as_of_us)
            raw.commit()  # end the read transaction
        except BaseException:
            raw.rollback()
            raise
        finally:
            cur.close()
        return SubjectInputs(
            known, _frame(ev_rows, _EVENT_SCHEMA), _frame(excl_rows, EXCLUSION_SCHEMA), external
        )

    def _external_values(self, cur: Any, subject: str, as_of_us: int) -> pl.DataFrame | None:
        """The same frame ``Scorer.external(as_of_us, [subject])`` returns."""
        frames: list[pl.DataFrame] = []
        for name, snap_sql, value_sql in self._external:
            cur.execute(snap_sql, [as_of_us])
            snap = cur.fetchone()[0]
            if snap is None:
                continue
            cur.execute(value_sql, [snap, subject])
            frames.append(_frame(cur.fetchall(), {"subject": pl.String, name: pl.Float64}))
        return join_external(frames)


def _frame(
    rows: list[tuple[Any, ...]], schema: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """A frame from DBAPI rows, column by column (half the cost of ``orient="row"``)."""
    columns = list(zip(*rows, strict=True)) or [()] * len(schema)
    return pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema)


def join_external(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    """One frame of external values by subject (None when no snapshot was found)."""
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.join(frame, on="subject", how="full", coalesce=True)
    return out
