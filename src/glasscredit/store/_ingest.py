"""Append validated events in batches: one transaction per batch, idempotent by
(source, event_id).

A batch is all-or-nothing: its events and the audit row vouching for them commit
together, so a process killed mid-ingest leaves whole batches only, and resending the
file turns what was stored into duplicates (same source and id, same content) and stores
the rest. Ids are per source: another source's event with the same id is a different
event, never a duplicate or a conflict.

Files take the columnar fast path (:mod:`._fastpath`): Arrow reads, polars certifies,
and only rows it cannot certify meet the per-event validator. The next batch is read,
validated, de-duplicated, sorted and digested while this one is written: in a thread,
or for a large file in a process of its own (:mod:`._pipeline`), so that validation and
the database each have a core. Python records are validated one by one. All paths meet
as one prepared frame per batch, so repeats, conflicts, the audit digest and the
database writes have a single implementation.

Each dialect gets its fastest path with the same guarantees:

* SQLite (:mod:`glasscredit.store.sqlite`): rows sorted by ``event_id`` (the unique
  (``event_id``, ``source``) index is then filled in order), ``executemany`` with
  ``ON CONFLICT DO NOTHING`` and
  the change counter telling whether anything was already there.
* PostgreSQL (:mod:`glasscredit.store.postgres`): ``COPY`` straight into ``events``
  inside a savepoint; only when an id is already stored, ``COPY`` into a staging table
  and one ``INSERT ... SELECT ... ORDER BY event_id, source ON CONFLICT DO NOTHING``. New
  subjects in one ``unnest`` insert.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, Engine, bindparam, select

from glasscredit.canonical import sha256_hex
from glasscredit.exceptions import FieldError
from glasscredit.policy import BackfillWindow, EventValidator, Policy, ValidEvent
from glasscredit.policy._validate_columns import CERTIFIED_COLUMNS, ColumnValidator
from glasscredit.store._audit import MAX_ACTOR, append_audit, chain_head, check_actor
from glasscredit.store._dialect import Dialect
from glasscredit.store._erased import drop_erased, naming_attributes
from glasscredit.store._fastpath import Piece, iter_pieces, row_pieces
from glasscredit.store._pipeline import in_process, in_thread
from glasscredit.store._readers import BrokenRow, EventFile
from glasscredit.store._tables import events

__all__ = ["MAX_ACTOR", "IngestReport", "check_actor", "ingest_records"]


# a file this large is read and validated in a process of its own (see ._pipeline)
PROCESS_MIN_BYTES = 16 << 20
FIRST_BATCH = 25_000
KEY = ("event_id", "source")  # what makes an event the same event: ids are per source
_CERTIFIED_SCHEMA = {
    c: (pl.Int64 if c in ("row", "occurred_at_us") else pl.String) for c in CERTIFIED_COLUMNS
}


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
        return {
            "input": self.input,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "invalid": self.invalid,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
        }


def ingest_records(
    engine: Engine,
    dialect: Dialect,
    policy: Policy,
    records: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]],
    *,
    now_us: int,
    actor: str,
    batch_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
    backfill: BackfillWindow | None = None,
) -> IngestReport:
    """Validate and append numbered records; see the module docstring for guarantees.

    ``backfill``: load into that approved backfill (its source and range only, no
    backdating bound; each event known from ``max(occurred_at, known_from)``).
    """
    check_actor(actor)
    report = IngestReport()
    by_attr = naming_attributes(
        {
            t: [a for a, spec in et.attributes.items() if spec.type == "subject"]
            for t, et in policy.event_types.items()
        }
    )
    batches: Iterator[_Batch]
    if isinstance(records, EventFile) and records.path.stat().st_size >= PROCESS_MIN_BYTES:
        batches = in_process(_file_batches, records, now_us, batch_size, backfill)
    elif isinstance(records, EventFile):
        batches = in_thread(_file_batches(records, now_us, batch_size, backfill))
    else:
        validator = EventValidator(policy, now_us, backfill)
        batches = _batches(
            (_check(p, validator) for p in row_pieces(records, batch_size)), batch_size
        )
    known: set[str] = set()  # subjects this ingest has already put in the subjects table
    for batch in batches:
        report.input += batch.rows
        report.invalid += batch.invalid
        report.duplicates += batch.duplicates
        report.conflicts += batch.conflicts
        report.errors.extend(batch.errors)
        if batch.frame.height:
            _write_batch(engine, dialect, report, batch, (now_us, backfill), actor, known, by_attr)
            known.update(batch.subjects)
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


@dataclass(slots=True)
class _Batch:
    """What one transaction writes, prepared away from the writer.

    ``frame`` holds the batch's events, each (source, id) once (a repeat inside the
    batch is already counted here), sorted by ``event_id`` then ``content_hash`` (the
    order of the audit digest's pairs); ``digest`` is the audit digest if all
    of them turn out new, ``subjects`` their sorted distinct subjects. ``rows`` and the
    refusals are the input rows read since the previous batch.
    """

    rows: int
    invalid: int
    errors: list[FieldError]
    duplicates: int
    conflicts: int
    frame: pl.DataFrame
    subjects: list[str]
    digest: str

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # the frame travels as an Arrow table: pickled ten times faster than polars' own
        return _batch_from_arrow, (
            self.rows,
            self.invalid,
            self.errors,
            self.duplicates,
            self.conflicts,
            self.frame.to_arrow(),
            self.subjects,
            self.digest,
        )


def _batch_from_arrow(
    rows: int,
    invalid: int,
    errors: list[FieldError],
    duplicates: int,
    conflicts: int,
    table: pa.Table,
    subjects: list[str],
    digest: str,
) -> _Batch:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return _Batch(rows, invalid, errors, duplicates, conflicts, frame, subjects, digest)


def _file_batches(
    source: EventFile, now_us: int, batch_size: int, backfill: BackfillWindow | None = None
) -> Iterator[_Batch]:
    """A file's batches; module level so that a reader process can run it."""
    validator = EventValidator(source.policy, now_us, backfill)
    pieces = iter_pieces(source, ColumnValidator(source.policy, now_us, backfill))
    return _batches((_check(p, validator) for p in pieces), batch_size)


def _batches(checked: Iterable[_Checked], batch_size: int) -> Iterator[_Batch]:
    """Cut validated pieces into batches of ``batch_size`` events (the last may be short).

    Sizes ramp up from ``FIRST_BATCH``, doubling: the writer starts soon and is not
    left waiting while the reader fills one large batch after a small one. Batches
    after the input ends hold at most ``FIRST_BATCH``: the last write, alone, is short.
    """
    pending = _Pending()
    size = min(batch_size, FIRST_BATCH)
    for part in checked:
        pending.add(part)
        while pending.held >= size:
            yield pending.take(size)
            size = min(batch_size, 2 * size)
    while pending.held > FIRST_BATCH:
        yield pending.take(FIRST_BATCH)
    yield pending.take(pending.held)


@dataclass(slots=True)
class _Pending:
    """Validated events not yet in a batch, and the input rows read since the last one."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    held: int = 0
    rows: int = 0
    invalid: int = 0
    errors: list[FieldError] = field(default_factory=list)

    def add(self, part: _Checked) -> None:
        self.rows += part.rows
        self.invalid += part.invalid
        self.errors.extend(part.errors)
        if part.valid.height:
            self.frames.append(part.valid)
            self.held += part.valid.height

    def take(self, n: int) -> _Batch:
        """The next ``n`` events as a batch, with the rows read since the previous one."""
        frame = (
            pl.concat(self.frames, rechunk=False)
            if self.frames
            else pl.DataFrame(schema=_CERTIFIED_SCHEMA)
        )
        batch = _prepare(frame.head(n), self.rows, self.invalid, self.errors)
        rest = frame.slice(n)
        self.frames, self.held = [rest], rest.height
        self.rows, self.invalid, self.errors = 0, 0, []
        return batch


def _prepare(frame: pl.DataFrame, rows: int, invalid: int, errors: list[FieldError]) -> _Batch:
    """Count repeats inside the batch (the first occurrence counts), sort, digest."""
    batch = _Batch(rows, invalid, errors, 0, 0, frame, [], "")
    frame = frame.sort("row")
    first = frame.get_column("event_id").is_first_distinct()
    shared = not first.all()
    if shared:  # a repeated id: the same event only if the source is the same too
        first = frame.select(pl.struct(*KEY).is_first_distinct()).to_series()
    if not first.all():
        firsts = frame.filter(first)
        repeats = frame.filter(~first).join(
            firsts.select(*KEY, stored=pl.col("content_hash")), on=list(KEY)
        )
        for row, new, stored in repeats.select("row", "content_hash", "stored").iter_rows():
            _classify_repeat(batch, row, stored, new)
        frame = firsts
    # ties on event_id (other sources' events) are ordered by content hash, as
    # batch_digest sorts its pairs; a batch of distinct ids (the usual) sorts on one key
    batch.frame = frame.sort(["event_id", "content_hash"] if shared else "event_id").rechunk()
    batch.subjects = batch.frame.get_column("subject").unique().sort().to_list()
    batch.digest = _digest(batch.frame) if batch.frame.height else ""
    return batch


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
        [
            (
                row,
                e.event_id,
                e.subject,
                e.source,
                e.type,
                e.occurred_at_us,
                e.attributes_json,
                e.content_hash,
            )
            for row, e in valid
        ],
        schema=_CERTIFIED_SCHEMA,
        orient="row",
    )


def _classify_repeat(
    report: IngestReport | _Batch, row: int, stored_hash: str, new_hash: str
) -> None:
    if stored_hash == new_hash:
        report.duplicates += 1
    else:
        report.conflicts += 1
        report.errors.append(
            FieldError(
                "event_id",
                "conflict",
                "this source already sent this event_id with other content",
                row,
            )
        )


def _write_batch(
    engine: Engine,
    dialect: Dialect,
    report: IngestReport,
    batch: _Batch,
    clock: tuple[int, BackfillWindow | None],
    actor: str,
    known: set[str],
    by_attr: Mapping[str, list[str]],
) -> None:
    """One transaction: the batch's new events and the audit row that vouches for them.

    Erasure is checked here, under the chain lock that erasure takes too, so an erasure
    that commits while this ingest runs is never undone by a later batch. A backfill's
    events carry their ``known_at_us``, and the audit row the backfill and its
    ``known_from_us`` (what ``audit verify`` checks each event's clock against).
    """
    now_us, backfill = clock
    details: dict[str, Any] = {}
    if backfill is not None:
        details = {"backfill": backfill.backfill_id, "known_from_us": backfill.known_from_us}
        batch.frame = batch.frame.with_columns(
            known_at_us=pl.max_horizontal(
                pl.col("occurred_at_us"), pl.lit(backfill.known_from_us, dtype=pl.Int64)
            )
        )
    with engine.begin() as conn:
        dialect.lock_chain(conn)
        frame, refused = drop_erased(conn, batch.frame, by_attr)
        subjects = batch.subjects
        if refused:
            subjects = frame.get_column("subject").unique().sort().to_list()
        head = chain_head(conn)
        seq = head[0] + 1
        _ensure_subjects(conn, dialect, [s for s in subjects if s not in known], now_us)
        inserted = dialect.insert_events(conn, frame, now_us, seq) if frame.height else 0
        accepted, digest = frame, _digest(frame) if refused else batch.digest
        if inserted != frame.height:
            ids = _ids_of_batch(conn, frame.get_column("event_id").to_list(), seq)
            is_new = frame.select(pl.struct(*KEY).is_in(_key_series(ids).implode())).to_series()
            accepted = frame.filter(is_new)
            digest = _digest(accepted)
            leftover = frame.filter(~is_new)
            stored = _stored_hashes(conn, leftover.get_column("event_id").to_list())
            for row, eid, src, new in leftover.select(
                "row", "event_id", "source", "content_hash"
            ).iter_rows():
                _classify_repeat(report, row, stored[eid, src], new)
        if accepted.height:
            entry = append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                action="ingest",
                head=head,
                details={
                    "count": accepted.height,
                    "digest": digest,
                    "sources": accepted.get_column("source").unique().sort().to_list(),
                    **details,
                },
            )
            report.batches.append(entry.seq)
    report.invalid += len(refused)
    report.errors.extend(refused)
    report.accepted += accepted.height
    report.subjects.update(accepted.get_column("subject").unique().to_list())


def _digest(frame: pl.DataFrame) -> str:
    """:func:`~glasscredit.store._audit.batch_digest` of a frame sorted by event_id, then
    content hash.

    sha256 over the concatenation equals sha256 fed piece by piece, and byte order of
    UTF-8 is code-point order, so this is the same digest in one call: over the data
    buffer of the line column, which holds exactly the lines one after the other.
    """
    lines = frame.select(
        pl.concat_str([pl.col("event_id"), pl.lit("\x1f"), pl.col("content_hash"), pl.lit("\n")])
    )
    column = lines.to_series().rechunk().to_arrow().cast(pa.large_string())
    _, offsets, data = column.buffers()
    if data is None:
        return sha256_hex(b"")
    first, last = (
        int(x)
        for x in np.frombuffer(offsets, dtype=np.int64)[
            column.offset : column.offset + len(column) + 1
        ][[0, -1]]
    )
    return sha256_hex(memoryview(data)[first:last])


def _ensure_subjects(conn: Connection, dialect: Dialect, subjects: list[str], now_us: int) -> None:
    """New subjects, each with a fresh random salt (its audit pseudonym's key)."""
    hexed = os.urandom(16 * len(subjects)).hex()
    salts = [hexed[32 * i : 32 * i + 32] for i in range(len(subjects))]
    dialect.ensure_subjects(conn, subjects, salts, now_us)


def _key_series(keys: set[tuple[str, str]]) -> pl.Series:
    """(event_id, source) pairs as the struct column ``pl.struct(*KEY)`` compares with."""
    frame = pl.DataFrame(list(keys), schema=dict.fromkeys(KEY, pl.String), orient="row")
    return frame.select(pl.struct(*KEY)).to_series()


def _ids_of_batch(conn: Connection, ids: list[str], seq: int) -> set[tuple[str, str]]:
    """Which events (event_id, source) with these ids this batch (audit row ``seq``) stored."""
    found: set[tuple[str, str]] = set()
    stmt = select(events.c.event_id, events.c.source).where(
        events.c.batch == seq, events.c.event_id.in_(bindparam("ids", expanding=True))
    )
    for i in range(0, len(ids), 10_000):
        found.update((r[0], r[1]) for r in conn.execute(stmt, {"ids": ids[i : i + 10_000]}))
    return found


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[tuple[str, str], str]:
    """(event_id, source) -> stored content hash, for every source's events with these ids."""
    stmt = select(events.c.event_id, events.c.source, events.c.content_hash).where(
        events.c.event_id.in_(bindparam("ids", expanding=True))
    )
    out: dict[tuple[str, str], str] = {}
    for i in range(0, len(ids), 10_000):
        out.update({(r[0], r[1]): r[2] for r in conn.execute(stmt, {"ids": ids[i : i + 10_000]})})
    return out
