"""Append validated events in batches: one transaction per batch, idempotent by event_id.

A batch is all-or-nothing: its events and the audit row vouching for them commit
together, so a process killed mid-ingest leaves whole batches only, and resending the
file turns what was stored into duplicates (same id, same content) and stores the rest.

Each dialect gets its fastest path with the same guarantees:

* SQLite: rows sorted by ``event_id`` (the unique index is then filled in order, which
  is several times faster for random keys), ``executemany`` with ``ON CONFLICT DO
  NOTHING`` and the change counter telling whether anything was already there.
* PostgreSQL: ``COPY`` into a temporary staging table, then one ``INSERT ... SELECT ...
  ON CONFLICT DO NOTHING RETURNING event_id``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from glasscredit.exceptions import FieldError
from glasscredit.ledger._audit import append_audit, batch_digest, chain_head, lock_chain
from glasscredit.ledger._readers import BrokenRow
from glasscredit.ledger._tables import events
from glasscredit.policy import EventValidator, Policy, ValidEvent

__all__ = ["IngestReport", "ingest_records"]

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
    batch: dict[str, tuple[int, ValidEvent]] = {}
    for row, rec in records:
        report.input += 1
        if isinstance(rec, BrokenRow):
            report.invalid += 1
            report.errors.append(rec.error)
            continue
        result = validator.validate(rec, row)
        if isinstance(result, list):
            report.invalid += 1
            report.errors.extend(result)
            continue
        previous = batch.get(result.event_id)
        if previous is not None:  # the same id twice in one batch
            _classify_repeat(report, row, previous[1].content_hash, result.content_hash)
            continue
        batch[result.event_id] = (row, result)
        if len(batch) >= batch_size:
            _write_batch(engine, report, batch, now_us, actor)
            batch = {}
            if progress:
                progress(report.input)
    if batch:
        _write_batch(engine, report, batch, now_us, actor)
    if progress:
        progress(report.input)
    report.check()
    return report


def _classify_repeat(report: IngestReport, row: int, stored_hash: str, new_hash: str) -> None:
    if stored_hash == new_hash:
        report.duplicates += 1
    else:
        report.conflicts += 1
        report.errors.append(FieldError("event_id", "conflict",
                                        "this event_id was already received with other content",
                                        row))


def _write_batch(engine: Engine, report: IngestReport, batch: dict[str, tuple[int, ValidEvent]],
                 now_us: int, actor: str) -> None:
    ordered = sorted(batch.values(), key=lambda rv: rv[1].event_id)
    with engine.begin() as conn:
        lock_chain(conn)
        head = chain_head(conn)
        seq = head[0] + 1
        _ensure_subjects(conn, {ev.subject for _, ev in ordered}, now_us)
        rows = [(ev.event_id, ev.subject, ev.source, ev.type, ev.occurred_at_us, now_us,
                 ev.attributes_json, ev.content_hash, seq) for _, ev in ordered]
        if conn.dialect.name == "postgresql":
            inserted = _insert_postgres(conn, rows)
        else:
            inserted = _insert_sqlite(conn, rows, seq)
        accepted = [ev for _, ev in ordered if ev.event_id in inserted] \
            if len(inserted) != len(ordered) else [ev for _, ev in ordered]
        if len(inserted) != len(ordered):
            leftover = [(row, ev) for row, ev in ordered if ev.event_id not in inserted]
            stored = _stored_hashes(conn, [ev.event_id for _, ev in leftover])
            for row, ev in leftover:
                _classify_repeat(report, row, stored[ev.event_id], ev.content_hash)
        if accepted:
            entry = append_audit(
                conn, at_us=now_us, actor=actor, action="ingest", head=head,
                details={"count": len(accepted),
                         "digest": batch_digest([(e.event_id, e.content_hash) for e in accepted]),
                         "sources": sorted({e.source for e in accepted})})
            report.batches.append(entry.seq)
    report.accepted += len(accepted)
    report.subjects.update(e.subject for e in accepted)


def _ensure_subjects(conn: Connection, subjects: set[str], now_us: int) -> None:
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    rows = [(s, os.urandom(16).hex(), now_us) for s in sorted(subjects)]
    cur = dbapi.cursor()
    if conn.dialect.name == "postgresql":
        cur.executemany("INSERT INTO subjects (subject, salt, first_seen_us) VALUES (%s, %s, %s) "
                        "ON CONFLICT (subject) DO NOTHING", rows)
    else:
        cur.executemany("INSERT INTO subjects (subject, salt, first_seen_us) VALUES (?, ?, ?) "
                        "ON CONFLICT (subject) DO NOTHING", rows)


def _insert_sqlite(conn: Connection, rows: list[tuple[Any, ...]], seq: int) -> set[str]:
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    before = dbapi.total_changes
    dbapi.executemany(
        f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
        "ON CONFLICT (event_id) DO NOTHING", rows)
    if dbapi.total_changes - before == len(rows):
        return {r[0] for r in rows}
    ids = [r[0] for r in rows]
    found: set[str] = set()
    stmt = select(events.c.event_id).where(events.c.batch == seq,
                                           events.c.event_id.in_(bindparam("ids", expanding=True)))
    for i in range(0, len(ids), 10_000):
        found.update(r[0] for r in conn.execute(stmt, {"ids": ids[i:i + 10_000]}))
    return found


def _insert_postgres(conn: Connection, rows: list[tuple[Any, ...]]) -> set[str]:
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS gc_staging (event_id text, subject text, "
                "source text, type text, occurred_at_us bigint, recorded_at_us bigint, "
                "attributes text, content_hash text, batch bigint) ON COMMIT DELETE ROWS")
    with cur.copy(f"COPY gc_staging ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    cur.execute(f"INSERT INTO events ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
                "FROM gc_staging ORDER BY event_id ON CONFLICT (event_id) DO NOTHING "
                "RETURNING event_id")
    return {r[0] for r in cur.fetchall()}


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, str]:
    stmt = select(events.c.event_id, events.c.content_hash).where(
        events.c.event_id.in_(bindparam("ids", expanding=True)))
    out: dict[str, str] = {}
    for i in range(0, len(ids), 10_000):
        out.update({r[0]: r[1] for r in conn.execute(stmt, {"ids": ids[i:i + 10_000]})})
    return out
