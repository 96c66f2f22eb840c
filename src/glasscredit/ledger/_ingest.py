"""Append validated events in batches: one transaction per batch, idempotent by event_id.

A batch is all-or-nothing: its events and the audit row vouching for them commit
together, so a process killed mid-ingest leaves whole batches only, and resending the
file turns what was stored into duplicates (same id, same content) and stores the rest.

Files take the columnar fast path (:mod:`._fastpath`): Arrow reads, polars certifies,
and only rows it cannot certify meet the per-event validator; a background thread reads
and validates the next piece while this one is written. Python records are validated
one by one. Both paths meet here as one frame per batch, so repeats, conflicts, the
audit digest and the database writes have a single implementation.

Each dialect gets its fastest path with the same guarantees:

* SQLite: rows sorted by ``event_id`` (the unique index is then filled in order),
  ``executemany`` with ``ON CONFLICT DO NOTHING`` and the change counter telling whether
  anything was already there.
* PostgreSQL: ``COPY`` (CSV) into a temporary staging table, then one ``INSERT ...
  SELECT ... ORDER BY event_id ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine, bindparam, select

from glasscredit.exceptions import FieldError
from glasscredit.ledger._audit import append_audit, chain_head, lock_chain
from glasscredit.ledger._fastpath import Piece, iter_pieces, row_pieces
from glasscredit.ledger._readers import BrokenRow, EventFile
from glasscredit.ledger._tables import events
from glasscredit.policy import EventValidator, Policy, ValidEvent
from glasscredit.policy._validate_columns import CERTIFIED_COLUMNS, ColumnValidator

__all__ = ["IngestReport", "ingest_records"]

T = TypeVar("T")
_CERTIFIED_SCHEMA = {c: (pl.Int64 if c in ("row", "occurred_at_us") else pl.String)
                     for c in CERTIFIED_COLUMNS}

_COLUMNS = ("event_id", "subject", "source", "type", "occurred_at_us", "recorded_at_us",
            "attributes", "content_hash", "batch")


@dataclass(slots=True)
class IngestReport:
    """What happened to every input row; the counts always add up to ``input``."""

    input: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    invalid: int = 0
    errors: list[FieldError] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)  # subjects that got new events
    batches: list[int] = field(default_factory=list)  # audit rows written

    @property
    def rejected(self) -> int:
        return self.conflicts + self.invalid

    def check(self) -> None:
        assert self.accepted + self.duplicates + self.rejected == self.input, self

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "accepted": self.accepted, "duplicates": self.duplicates,
                "conflicts": self.conflicts, "invalid": self.invalid,
                "rejected": self.rejected, "errors": [e.as_dict() for e in self.errors]}


def ingest_records(engine: Engine, policy: Policy,
                   records: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]], *,
                   now_us: int, actor: str, batch_size: int = 50_000,
                   progress: Callable[[int], None] | None = None) -> IngestReport:
    """Validate and append numbered records; see the module docstring for guarantees."""
    report = IngestReport()
    validator = EventValidator(policy, now_us)
    checked: Iterator[_Checked]
    if isinstance(records, EventFile):
        pieces = iter_pieces(records, ColumnValidator(policy, now_us))
        checked = _prefetch(_check(p, validator) for p in pieces)
    else:
        checked = (_check(p, validator) for p in row_pieces(records, batch_size))
    pending: list[pl.DataFrame] = []
    held = 0
    for part in checked:
        report.input += part.rows
        report.invalid += part.invalid
        report.errors.extend(part.errors)
        if part.valid.height:
            pending.append(part.valid)
            held += part.valid.height
        while held >= batch_size:
            frame = pl.concat(pending, rechunk=False)
            _write_batch(engine, report, frame.head(batch_size), now_us, actor)
            rest = frame.slice(batch_size)
            pending, held = [rest], rest.height
            if progress:
                progress(report.input)
    if held:
        _write_batch(engine, report, pl.concat(pending), now_us, actor)
    if progress:
        progress(report.input)
    report.errors.sort(key=lambda e: e.row or 0)  # stable: a row's errors keep their order
    report.check()
    return report


@dataclass(slots=True)
class _Checked:
    """A piece after validation: its valid events as a frame, its refusals counted."""

    rows: int
    valid: pl.DataFrame
    invalid: int
    errors: list[FieldError]


def _check(piece: Piece, validator: EventValidator) -> _Checked:
    errors: list[FieldError] = []
    valid: list[tuple[int, ValidEvent]] = []
    invalid = 0
    for row, rec in piece.exact:
        result = rec.error if isinstance(rec, BrokenRow) else validator.validate(rec, row)
        if isinstance(result, ValidEvent):
            valid.append((row, result))
        else:
            invalid += 1
            errors.extend(result if isinstance(result, list) else [result])
    frames = [f for f in (piece.certified, _frame(valid)) if f is not None and f.height]
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=_CERTIFIED_SCHEMA)
    return _Checked(piece.rows, frame, invalid, errors)


def _frame(valid: list[tuple[int, ValidEvent]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(row, e.event_id, e.subject, e.source, e.type, e.occurred_at_us, e.attributes_json,
          e.content_hash) for row, e in valid], schema=_CERTIFIED_SCHEMA, orient="row")


def _prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run ``items`` in a background thread, ``depth`` ahead: parse while writing."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("end", None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put("error", exc)

    worker = threading.Thread(target=run, name="glasscredit-ingest-reader", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join()


def _classify_repeat(report: IngestReport, row: int, stored_hash: str, new_hash: str) -> None:
    if stored_hash == new_hash:
        report.duplicates += 1
    else:
        report.conflicts += 1
        report.errors.append(FieldError("event_id", "conflict",
                                        "this event_id was already received with other content",
                                        row))


def _write_batch(engine: Engine, report: IngestReport, frame: pl.DataFrame, now_us: int,
                 actor: str) -> None:
    """One transaction: the batch's new events and the audit row that vouches for them."""
    frame = frame.sort("row")
    first = frame.get_column("event_id").is_first_distinct()
    if not first.all():  # the same id twice in one batch: the first occurrence counts
        firsts = frame.filter(first)
        repeats = frame.filter(~first).join(
            firsts.select("event_id", stored=pl.col("content_hash")), on="event_id")
        for row, new, stored in repeats.select("row", "content_hash", "stored").iter_rows():
            _classify_repeat(report, row, stored, new)
        frame = firsts
    frame = frame.sort("event_id")
    with engine.begin() as conn:
        lock_chain(conn)
        head = chain_head(conn)
        seq = head[0] + 1
        _ensure_subjects(conn, frame.get_column("subject").unique().sort().to_list(), now_us)
        rows = frame.select("event_id", "subject", "source", "type", "occurred_at_us",
                            recorded_at_us=pl.lit(now_us, dtype=pl.Int64), attributes="attributes",
                            content_hash="content_hash", batch=pl.lit(seq, dtype=pl.Int64))
        if conn.dialect.name == "postgresql":
            inserted = _insert_postgres(conn, rows)
        else:
            inserted = _insert_sqlite(conn, rows)
        accepted = frame
        if inserted != frame.height:
            ids = _ids_of_batch(conn, frame.get_column("event_id").to_list(), seq)
            is_new = frame.get_column("event_id").is_in(list(ids))
            accepted = frame.filter(is_new)
            leftover = frame.filter(~is_new)
            stored = _stored_hashes(conn, leftover.get_column("event_id").to_list())
            for row, eid, new in leftover.select("row", "event_id", "content_hash").iter_rows():
                _classify_repeat(report, row, stored[eid], new)
        if accepted.height:
            entry = append_audit(
                conn, at_us=now_us, actor=actor, action="ingest", head=head,
                details={"count": accepted.height, "digest": _digest(accepted),
                         "sources": accepted.get_column("source").unique().sort().to_list()})
            report.batches.append(entry.seq)
    report.accepted += accepted.height
    report.subjects.update(accepted.get_column("subject").unique().to_list())


def _digest(frame: pl.DataFrame) -> str:
    """:func:`~glasscredit.ledger._audit.batch_digest` of a frame sorted by event_id.

    sha256 over the concatenation equals sha256 fed piece by piece, and byte order of
    UTF-8 is code-point order, so this is the same digest in one call.
    """
    lines = frame.select(pl.concat_str([pl.col("event_id"), pl.lit("\x1f"),
                                        pl.col("content_hash"), pl.lit("\n")]))
    return hashlib.sha256(lines.to_series().str.join("").item().encode()).hexdigest()


def _ensure_subjects(conn: Connection, subjects: list[str], now_us: int) -> None:
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    salts = os.urandom(16 * len(subjects)).hex()
    rows = [(s, salts[32 * i:32 * i + 32], now_us) for i, s in enumerate(subjects)]
    cur = dbapi.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cur.executemany("INSERT INTO subjects (subject, salt, first_seen_us) "
                            "VALUES (%s, %s, %s) ON CONFLICT (subject) DO NOTHING", rows)
        else:
            cur.executemany("INSERT INTO subjects (subject, salt, first_seen_us) "
                            "VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING", rows)
    finally:
        cur.close()


def _insert_sqlite(conn: Connection, rows: pl.DataFrame) -> int:
    """Insert, skipping ids already stored; returns how many rows were new."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    before = dbapi.total_changes
    dbapi.executemany(
        f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
        "ON CONFLICT (event_id) DO NOTHING",
        zip(*(rows.get_column(c).to_list() for c in _COLUMNS), strict=True))
    return int(dbapi.total_changes - before)


def _copy_csv(cur: Any, table: str, buf: io.BytesIO) -> None:
    with cur.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN WITH (FORMAT csv)") as copy:
        view = buf.getbuffer()
        for i in range(0, len(view), 1 << 20):
            copy.write(view[i:i + (1 << 20)])
        view.release()


def _insert_postgres(conn: Connection, rows: pl.DataFrame) -> int:
    """COPY straight into ``events``; if an id is already there, staging + ON CONFLICT.

    The common case (every event new) costs one COPY. A unique violation rolls back to
    the savepoint (nothing of the attempt remains) and the batch takes the staging path,
    which keeps exactly the rows that are new; returns how many rows were new.
    """
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    import psycopg

    cur = dbapi.cursor()
    try:
        buf = io.BytesIO()
        rows.write_csv(buf, include_header=False)
        cur.execute("SAVEPOINT gc_copy")
        try:
            _copy_csv(cur, "events", buf)
        except psycopg.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT gc_copy")
        else:
            cur.execute("RELEASE SAVEPOINT gc_copy")
            return rows.height
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS gc_staging (event_id text, subject text, "
                    "source text, type text, occurred_at_us bigint, recorded_at_us bigint, "
                    "attributes text, content_hash text, batch bigint) ON COMMIT DELETE ROWS")
        _copy_csv(cur, "gc_staging", buf)
        cur.execute(f"INSERT INTO events ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
                    "FROM gc_staging ORDER BY event_id ON CONFLICT (event_id) DO NOTHING")
        return int(cur.rowcount)
    finally:
        cur.close()


def _ids_of_batch(conn: Connection, ids: list[str], seq: int) -> set[str]:
    """Which of ``ids`` this batch (audit row ``seq``) stored."""
    found: set[str] = set()
    stmt = select(events.c.event_id).where(events.c.batch == seq,
                                           events.c.event_id.in_(bindparam("ids", expanding=True)))
    for i in range(0, len(ids), 10_000):
        found.update(r[0] for r in conn.execute(stmt, {"ids": ids[i:i + 10_000]}))
    return found


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, str]:
    stmt = select(events.c.event_id, events.c.content_hash).where(
        events.c.event_id.in_(bindparam("ids", expanding=True)))
    out: dict[str, str] = {}
    for i in range(0, len(ids), 10_000):
        out.update({r[0]: r[1] for r in conn.execute(stmt, {"ids": ids[i:i + 10_000]})})
    return out
