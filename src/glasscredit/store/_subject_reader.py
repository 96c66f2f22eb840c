"""One subject's inputs in a few raw DBAPI queries: the fast read behind an explanation.

An explanation needs one subject's events, its exclusions and its external values. The
SQLAlchemy Core path cost a connection and statement compilation per query (several
milliseconds); here plain SQL, compiled once, runs on the ``(subject, occurred_at_us)``
index, the exclusions' subject index and the snapshot tables' primary keys. The events
query is built by the one event read path (:func:`._columnar.event_sql_parts`) and the
frames have the schemas the batch path returns, so the kernel sees the same input
either way.

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
from sqlalchemy import Engine

from glasscredit.store._columnar import EventFilter, event_sql_parts
from glasscredit.store._dialect import Dialect
from glasscredit.store._schemas import EVENT_FRAME_SCHEMA, EXCLUSION_SCHEMA
from glasscredit.store._snapshots import NEWEST, SNAPSHOT_TABLES, VERSION_SQL

__all__ = ["SubjectInputs", "SubjectReader"]

_SUBJECT_AT = list(EVENT_FRAME_SCHEMA).index("subject")
_FETCHED_SCHEMA = {k: v for k, v in EVENT_FRAME_SCHEMA.items() if k != "subject"}
_FETCHED = list(_FETCHED_SCHEMA)  # the events columns read (``attributes`` last)


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
    elsewhere), as the batch reader does. ``external``: ``(column, snapshot kind)``
    pairs, each read from the newest snapshot at or before the time asked (as
    :meth:`SnapshotStore.values`). A thread that finds the kept connection busy opens
    its own for that read, so readers never wait on each other.
    """

    def __init__(
        self,
        engine: Engine,
        dialect: Dialect,
        attribute_types: Collection[str],
        external: Sequence[tuple[str, str]],
    ) -> None:
        self._engine = engine
        self._dialect = dialect
        p = dialect.mark
        # the one read path's filter and attributes; every column but ``subject``, which
        # is the one asked (500 strings fewer to fetch and convert per explanation)
        attrs, where, self._events_params = event_sql_parts(
            dialect,
            EventFilter(subjects_in=[""], recorded_by_us=0, attribute_types=attribute_types),
        )
        cols = ", ".join(_FETCHED[:-1])
        self._events_sql = f"SELECT {cols}, {attrs} FROM events{where}"
        self._known_sql = f"SELECT 1 FROM subjects WHERE subject = {p}"
        self._exclusions_sql = (
            f"SELECT event_id, source, from_us, until_us FROM event_exclusions WHERE subject = {p}"
        )
        self._external = [
            (
                name,
                kind,
                VERSION_SQL.format(p=p),
                f"SELECT subject, value FROM {SNAPSHOT_TABLES[kind].name} "
                f"WHERE version = {p} AND subject = {p}",
            )
            for name, kind in external
        ]
        self._lock = threading.Lock()
        self._kept: Any = None  # the pooled DBAPI connection, opened on first use
        self._kept_pid = 0
        self._finalizer: weakref.finalize | None = None  # type: ignore[type-arg]

    def read(
        self,
        subject: str,
        as_of_us: int,
        *,
        made_by_us: int | None = None,
        versions: Mapping[str, int] | None = None,
        recorded_by_us: int | None = None,
    ) -> SubjectInputs:
        """One subject's events recorded by ``as_of_us``, exclusions and external values.

        ``made_by_us``: only snapshot versions made by then (None: the newest);
        ``versions``: kind -> the snapshot version to read instead (a kind not in it
        has no snapshot), as a stored score pinned them.
        ``recorded_by_us``: the ledger position events are read at (default ``as_of_us``;
        later for a score as of a past time read over what the ledger knows now).
        """
        if self._dialect.keeps_connection and self._lock.acquire(blocking=False):
            try:
                raw = self._connection()
                try:
                    return self._read(raw, subject, as_of_us, made_by_us, versions, recorded_by_us)
                except BaseException:
                    self.close()  # a failed connection is not reused
                    raise
            finally:
                self._lock.release()
        raw = self._engine.raw_connection()  # a pool reuses connections, or busy
        try:
            return self._read(raw, subject, as_of_us, made_by_us, versions, recorded_by_us)
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

    def _read(
        self,
        raw: Any,
        subject: str,
        as_of_us: int,
        made_by_us: int | None,
        versions: Mapping[str, int] | None,
        recorded_by_us: int | None = None,
    ) -> SubjectInputs:
        cur = raw.cursor()
        try:
            self._dialect.begin_read(cur)  # one snapshot for all the queries below
            rec = as_of_us if recorded_by_us is None else recorded_by_us
            cur.execute(self._events_sql, {**self._events_params, "s0": subject, "rec": rec})
            ev_rows = cur.fetchall()
            known = bool(ev_rows)
            if not known:
                cur.execute(self._known_sql, [subject])
                known = cur.fetchone() is not None
            cur.execute(self._exclusions_sql, [subject])
            excl_rows = cur.fetchall()
            external = self._external_values(
                cur, subject, as_of_us, NEWEST if made_by_us is None else made_by_us, versions
            )
            raw.commit()  # end the read transaction
        except BaseException:
            raw.rollback()
            raise
        finally:
            cur.close()
        events = _frame(ev_rows, _FETCHED_SCHEMA)
        events.insert_column(
            _SUBJECT_AT, pl.Series("subject", [subject] * len(ev_rows), dtype=pl.String)
        )
        return SubjectInputs(
            known,
            events,
            _frame(excl_rows, EXCLUSION_SCHEMA),
            external,
        )

    def _external_values(
        self,
        cur: Any,
        subject: str,
        as_of_us: int,
        made_by_us: int,
        versions: Mapping[str, int] | None,
    ) -> pl.DataFrame | None:
        """The same frame ``SnapshotStore.external(..., [subject])`` returns.

        Built in Python (one subject: at most one value per kind) instead of a frame per
        kind and a full join: the columns of the kinds with a snapshot, in policy order,
        and the subject's row when any of them holds a value for it.
        """
        names: list[str] = []
        values: list[float | None] = []
        found = False
        for name, kind, version_sql, value_sql in self._external:
            if versions is not None:
                version = None if kind not in versions else (versions[kind],)
            else:
                cur.execute(version_sql, [kind, as_of_us, made_by_us])
                version = cur.fetchone()
            if version is None:
                continue
            cur.execute(value_sql, [version[0], subject])
            row = cur.fetchone()
            names.append(name)
            values.append(None if row is None or row[1] is None else float(row[1]))
            found = found or row is not None
        if not names:
            return None
        return pl.DataFrame(
            [
                pl.Series("subject", [subject] if found else [], dtype=pl.String),
                *(
                    pl.Series(n, [v] if found else [], dtype=pl.Float64)
                    for n, v in zip(names, values, strict=True)
                ),
            ]
        )


def _frame(rows: list[tuple[Any, ...]], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """A frame from DBAPI rows, one Series per column (half the cost of ``orient="row"``)."""
    columns = list(zip(*rows, strict=True)) or [()] * len(schema)
    return pl.DataFrame(
        [pl.Series(n, c, dtype=d) for (n, d), c in zip(schema.items(), columns, strict=True)]
    )
