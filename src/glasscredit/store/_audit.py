"""The hash-chained audit log: any edit to a row, or to the events a row vouches for, shows.

Each row stores the hash of the previous row and its own hash over its content. An
``ingest`` row also carries a digest of the events it accepted (their recomputed content
hashes, in ``event_id`` order), so editing an event's stored content breaks the chain at
the batch that recorded it. :func:`verify_chain` pinpoints the first bad row. Every
event of a batch is recorded at the ``ingest`` row's time (``recorded_at_us`` equals the
row's ``at_us``), so the second clock is in the chain too, at no cost to ingest. So is
the third, ``known_at_us``: it equals ``recorded_at_us`` unless the ``ingest`` row names
an approved backfill and the date the operator attested (``known_from_us``), and then it
is ``max(occurred_at_us, known_from_us)``. The
other tables a score depends on are covered by digests that audit rows carry
(``store/_coverage.py``).

Erasure deletes events but keeps, per erased event, a tombstone: its *leaf*
(:func:`event_leaf`), which reveals neither its id nor its content. The batch digest
cannot be recomputed without the erased ids, so the ``erase`` row, written after
checking each affected batch against its digest, vouches for the batch's leaf digest
(:func:`leaf_digest`) instead; the leaves of a batch never change, whatever is erased
later, and the ``erase`` row is itself chained.

Appends serialise on the chain head: every writer first calls its adapter's
``lock_chain`` (SQLite: its write lock, ``BEGIN IMMEDIATE``, already held; PostgreSQL: a
transaction-scoped advisory lock).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select

from glasscredit.canonical import canonical_json, field_digest, stream_digest
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import content_hash
from glasscredit.store._coverage import StateTracker
from glasscredit.store._tables import audit_log, events

__all__ = [
    "CHAIN_COLUMNS",
    "GENESIS_HASH",
    "MAX_ACTOR",
    "AuditEntry",
    "ChainReport",
    "append_audit",
    "batch_digest",
    "batch_matches",
    "check_actor",
    "event_leaf",
    "insert_audited",
    "known_mismatch",
    "leaf_digest",
    "row_hash",
    "subject_hash",
    "subject_tag",
    "verify_chain",
    "vouched_digests",
]

GENESIS_HASH = "0" * 64
#: what the chain checks of each event: its batch and what its content hash covers
CHAIN_COLUMNS = (
    events.c.batch,
    events.c.event_id,
    events.c.subject,
    events.c.source,
    events.c.type,
    events.c.occurred_at_us,
    events.c.attributes,
    events.c.content_hash,
    events.c.recorded_at_us,
    events.c.known_at_us,
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at_us: int
    actor: str
    action: str
    subject_tag: str | None
    details: dict[str, Any]
    prev_hash: str
    row_hash: str


@dataclass(slots=True)
class ChainReport:
    """Outcome of a verification: ``ok``, rows checked, and the first bad row if any."""

    ok: bool
    rows: int
    events: int
    first_bad_seq: int | None = None
    problem: str = ""
    details: list[str] = field(default_factory=list)
    #: where the problem is: ``audit_log``, ``events`` or a covered table's name
    table: str | None = None
    #: in a covered table: its first bad row, by key (``score_id=7``), when located
    row: str | None = None


def subject_tag(salt: str, subject: str) -> str:
    """Pseudonym of a subject in audit rows; unlinkable once the salt is destroyed."""
    return hmac.new(bytes.fromhex(salt), subject.encode(), hashlib.sha256).hexdigest()[:32]


def subject_hash(subject: str) -> str:
    """The key of an erasure record: lets ingest refuse a resent subject without its id."""
    return field_digest("glasscredit-erased", subject)


def row_hash(
    prev_hash: str,
    seq: int,
    at_us: int,
    actor: str,
    action: str,
    tag: str | None,
    details_json: str,
) -> str:
    return field_digest(prev_hash, seq, at_us, actor, action, tag, details_json)


def batch_digest(pairs: list[tuple[str, str]]) -> str:
    """Digest over (event_id, content_hash) pairs, order-independent by sorting on id."""
    return stream_digest(f"{eid}\x1f{ch}\n" for eid, ch in sorted(pairs))


def event_leaf(event_id: str, content_hash: str) -> str:
    """One event's leaf: what its tombstone keeps after erasure."""
    return field_digest(event_id, content_hash)


def leaf_digest(leaves: list[str]) -> str:
    """Digest over a batch's leaves, order-independent: what an ``erase`` row vouches for."""
    return stream_digest(["leaves\n", *sorted(leaves)])


def chain_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(
        select(audit_log.c.seq, audit_log.c.row_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


MAX_ACTOR = 128  # the audit log's actor column


def check_actor(actor: str) -> None:
    """Who acts is named in the audit log: 1 to 128 printable characters, or refused by name.

    Checked where every audit row is written (:func:`append_audit`), so no command or
    endpoint can get a longer actor past the column or a control character (a terminal
    escape) into the log that ``audit show`` prints.
    """
    if not isinstance(actor, str) or not 0 < len(actor) <= MAX_ACTOR:
        raise ValidationError(
            [FieldError("actor", "length", f"must be 1 to {MAX_ACTOR} characters")]
        )
    if not actor.isprintable():
        raise ValidationError(
            [FieldError("actor", "printable", "must not hold control characters")]
        )


def append_audit(
    conn: Connection,
    *,
    at_us: int,
    actor: str,
    action: str,
    details: dict[str, Any],
    tag: str | None = None,
    head: tuple[int, str] | None = None,
    tracker: StateTracker | None = None,
) -> AuditEntry:
    """Append one row; the caller holds the chain lock inside its transaction.

    ``tracker``: the covered tables this transaction changed; the row carries their new
    digests under ``state``.
    """
    check_actor(actor)
    if tracker is not None and (state := tracker.state()):
        details = {**details, "state": state}
    seq, prev = head if head is not None else chain_head(conn)
    seq += 1
    details_json = canonical_json(details)
    rh = row_hash(prev, seq, at_us, actor, action, tag, details_json)
    conn.execute(
        audit_log.insert().values(
            seq=seq,
            at_us=at_us,
            actor=actor,
            action=action,
            subject_tag=tag,
            details=details_json,
            prev_hash=prev,
            row_hash=rh,
        )
    )
    return AuditEntry(seq, at_us, actor, action, tag, details, prev, rh)


#: per batch: its (event_id, content hash) pairs, per recorded time one event at it, and
#: each event's (occurred_at_us, known_at_us), in the order of the pairs
_Batches = Iterator[tuple[int, list[tuple[str, str]], dict[int, str], tuple[list[int], list[int]]]]


def insert_audited(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    *,
    at_us: int,
    actor: str,
    action: str,
    key: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """Insert one row of a covered table under the next ``id`` and append its audit row
    (``details`` with the new id under ``key``, and the table's new digest), in the
    caller's transaction, which holds the chain lock. Returns the row as inserted, id
    first, so that every approval, probation and the like is stored and audited alike."""
    tracker = StateTracker(conn)
    next_id = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
    row = {"id": next_id + 1, **values}
    conn.execute(table.insert().values(**row))
    tracker.add(table, table.c.id == row["id"])
    append_audit(
        conn,
        at_us=at_us,
        actor=actor,
        tracker=tracker,
        action=action,
        details={key: row["id"], **details},
    )
    return row


def _event_pairs_by_batch(result: Any) -> _Batches:
    current: int | None = None
    pairs: list[tuple[str, str]] = []
    clocks: dict[int, str] = {}
    occs: list[int] = []
    knowns: list[int] = []
    for b, eid, subj, src, typ, occ, attrs, stored, rec, kn in result:
        recomputed = content_hash(eid, subj, src, typ, int(occ), attrs)
        # a row whose content was edited no longer matches its stored or chained hash
        ch = recomputed if recomputed == stored else f"edited:{recomputed}"
        if b != current:
            if current is not None:
                yield current, pairs, clocks, (occs, knowns)
            current, pairs, clocks, occs, knowns = int(b), [], {}, [], []
        pairs.append((eid, ch))
        clocks.setdefault(int(rec), eid)
        occs.append(int(occ))
        knowns.append(int(kn))
    if current is not None:
        yield current, pairs, clocks, (occs, knowns)


def known_mismatch(
    details: dict[str, Any], at_us: int, ids: list[str], occurred: list[int], known: list[int]
) -> str | None:
    """The first event of a batch whose ``known_at_us`` is not what its ingest row says.

    A live batch's events are known when recorded (the row's ``at_us``); an approved
    backfill's (the row carries ``known_from_us``) at ``max(occurred_at_us,
    known_from_us)``.
    """
    known_from = details.get("known_from_us")
    for eid, occ, kn in zip(ids, occurred, known, strict=True):
        expected = at_us if known_from is None else max(occ, int(known_from))
        if kn != expected:
            return eid
    return None


def verify_chain(
    conn: Connection,
    *,
    extra_pairs: dict[int, list[tuple[str, str]]] | None = None,
    tombstones: dict[int, list[str]] | None = None,
) -> ChainReport:
    """Recompute every row hash and every batch digest; report the first bad row.

    ``extra_pairs`` adds (event_id, content_hash) pairs per batch that live outside the
    events table. ``tombstones`` gives the leaves of erased events per batch: such a
    batch is checked against the leaf digest its ``erase`` row vouches for.
    """
    vouched = vouched_digests(conn) if tombstones else {}
    ev_result = conn.execution_options(stream_results=True, yield_per=50_000).execute(
        select(*CHAIN_COLUMNS).order_by(events.c.batch)
    )
    rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(
        select(audit_log).order_by(audit_log.c.seq)
    )
    try:
        return _verify(
            _event_pairs_by_batch(ev_result), rows, extra_pairs, (tombstones or {}, vouched)
        )
    finally:
        ev_result.close()
        rows.close()


def vouched_digests(conn: Connection) -> dict[int, str]:
    """Per batch, the leaf digest the first ``erase`` row touching it vouches for."""
    vouched: dict[int, str] = {}
    for details in conn.execute(
        select(audit_log.c.details).where(audit_log.c.action == "erase").order_by(audit_log.c.seq)
    ).scalars():
        for b, dg in json.loads(details).get("batches", {}).items():
            vouched.setdefault(int(b), dg)
    return vouched


def batch_matches(
    pairs: list[tuple[str, str]], tombs: list[str], digest: object, vouched: str | None
) -> bool:
    """Whether a batch's events (and tombstones) match what the chain says of it."""
    if not tombs:
        return batch_digest(pairs) == digest
    return (
        vouched is not None
        and leaf_digest([event_leaf(e, ch) for e, ch in pairs] + tombs) == vouched
    )


def _verify(
    batches: _Batches,
    rows: Any,
    extra_pairs: dict[int, list[tuple[str, str]]] | None,
    erased: tuple[dict[int, list[str]], dict[int, str]],
) -> ChainReport:
    pending = next(batches, None)
    n_events = 0
    prev = GENESIS_HASH
    checked = 0
    for checked, r in enumerate(rows, start=1):
        expected_seq = checked
        if r.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                n_events,
                int(r.seq),
                f"row {expected_seq} is missing (next row is {r.seq})",
                table="audit_log",
            )
        if r.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                n_events,
                int(r.seq),
                "prev_hash does not match the previous row's hash",
                table="audit_log",
            )
        if (
            row_hash(prev, r.seq, r.at_us, r.actor, r.action, r.subject_tag, r.details)
            != r.row_hash
        ):
            return ChainReport(
                False,
                checked,
                n_events,
                int(r.seq),
                "row content does not match its hash (the row was edited)",
                table="audit_log",
            )
        prev = r.row_hash
        pairs: list[tuple[str, str]] = []
        clocks: dict[int, str] = {}
        times: tuple[list[int], list[int]] = ([], [])
        if pending is not None and pending[0] < r.seq:
            return ChainReport(
                False,
                checked,
                n_events,
                pending[0],
                f"events claim batch {pending[0]}, which has no ingest row",
                table="events",
            )
        if pending is not None and pending[0] == r.seq:
            pairs, clocks, times = pending[1], pending[2], pending[3]
            pending = next(batches, None)
        if extra_pairs and r.seq in extra_pairs:
            pairs = pairs + extra_pairs[r.seq]
        tombs = erased[0].get(int(r.seq), [])
        if r.action == "ingest":
            d = json.loads(r.details)
            n_events += len(pairs)
            if len(pairs) + len(tombs) != d.get("count"):
                return ChainReport(
                    False,
                    checked,
                    n_events,
                    int(r.seq),
                    f"batch holds {len(pairs) + len(tombs)} events (with "
                    f"{len(tombs)} erased), the row vouches for "
                    f"{d.get('count')}",
                    table="events",
                )
            if not batch_matches(pairs, tombs, d.get("digest"), erased[1].get(int(r.seq))):
                bad = [e for e, ch in pairs if ch.startswith("edited:")]
                hint = f" (edited event {bad[0]})" if bad else ""
                return ChainReport(
                    False,
                    checked,
                    n_events,
                    int(r.seq),
                    f"events of this batch do not match its digest{hint}",
                    table="events",
                )
            late = sorted(eid for t, eid in clocks.items() if t != r.at_us)
            if late:
                return ChainReport(
                    False,
                    checked,
                    n_events,
                    int(r.seq),
                    f"event {late[0]}'s recorded_at_us differs from its batch's time "
                    "(the row was edited)",
                    table="events",
                )
            ids = [e for e, _ in pairs[: len(times[0])]]
            odd = known_mismatch(d, int(r.at_us), ids, *times)
            if odd is not None:
                return ChainReport(
                    False,
                    checked,
                    n_events,
                    int(r.seq),
                    f"event {odd}'s known_at_us is not what its batch's row says "
                    "(the row was edited)",
                    table="events",
                )
        elif pairs or tombs:
            return ChainReport(
                False,
                checked,
                n_events,
                int(r.seq),
                "events claim a batch that is not an ingest row",
                table="events",
            )
    if pending is not None:
        return ChainReport(
            False,
            checked,
            n_events,
            pending[0],
            f"events claim batch {pending[0]}, beyond the chain's end",
            table="events",
        )
    return ChainReport(True, checked, n_events)
