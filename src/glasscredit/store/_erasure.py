"""Erasure: remove a subject's personal data from every table and read path, in one go.

In one transaction, under the chain lock:

* each of the subject's events, and each other event that names them in a ``subject``
  attribute (an endorsement they gave, a report they filed), is replaced by a tombstone,
  its leaf (:func:`glasscredit.store._audit.event_leaf`), which reveals neither its id
  nor its content; each affected batch is first checked against its audit row, and the
  ``erase`` row vouches for the batch's leaf digest, so ``audit verify`` still passes
  and a later edit to a remaining event or a tombstone is still located;
* their rows in every table with a ``subject`` column (exclusions, stored scores,
  change notices, scoring cursor, snapshot values, ...) are deleted; their disputes are
  kept without event id, subject or reason (per-source dispute and overturn rates must
  survive);
* their ``subjects`` row, and with it the salt that keys their audit pseudonym, is
  deleted: audit rows about them remain, but nothing links them to a person any more;
* an ``erasures`` row, keyed by a hash of the id, records that an erasure happened (kept
  by law) and makes ingest refuse the subject's events if a source resends them.

Then the columnar mirror forgets them too. Rescoring the others who lost an event is
the caller's (:func:`glasscredit.rights.erase_subject`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, tuple_, update

from glasscredit.exceptions import AuditChainError, NotFoundError
from glasscredit.policy import content_hash, iso
from glasscredit.store._audit import (
    CHAIN_COLUMNS,
    append_audit,
    batch_matches,
    event_leaf,
    leaf_digest,
    subject_hash,
    vouched_digests,
)
from glasscredit.store._coverage import COVERED_TABLES, StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._ingest import check_actor
from glasscredit.store._mirror import EventMirror
from glasscredit.store._tables import (
    audit_log,
    disputes,
    erasures,
    event_exclusions,
    event_tombstones,
    events,
    metadata,
    subjects,
)

__all__ = ["Erasure", "SqlErasureStore"]

_CHUNK = 10_000
_COLS = CHAIN_COLUMNS


@dataclass(slots=True)
class Erasure:
    """What an erasure did: the subject's hash, when, events removed, rows per table, and
    the other subjects who lost an event naming them (to be rescored)."""

    subject_hash: str
    erased_at_us: int
    events: int
    naming_events: int
    rows: dict[str, int] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)


def _naming_events(conn: Connection, named: Mapping[str, list[str]], subject: str) -> list[Any]:
    """Other subjects' events that name ``subject`` in one of its ``named`` attributes."""
    types = [t for t, attrs in named.items() if attrs]
    if not types:
        return []
    rows = conn.execute(
        select(*_COLS).where(
            events.c.type.in_(types) & events.c.attributes.contains(json.dumps(subject))
        )
    ).all()
    return [
        r for r in rows if any(json.loads(r.attributes).get(a) == subject for a in named[r.type])
    ]


def _hash(r: Any) -> str:
    recomputed = content_hash(
        r.event_id, r.subject, r.source, r.type, int(r.occurred_at_us), r.attributes
    )
    # as verification does: an edited event must not vouch for its batch
    return recomputed if recomputed == r.content_hash else f"edited:{recomputed}"


def _vouch(conn: Connection, batches: set[int]) -> dict[str, str]:
    """Check each batch against the chain, then give its leaf digest for the erase row."""
    vouched = vouched_digests(conn)
    out: dict[str, str] = {}
    for b in sorted(batches):
        pairs = [
            (r.event_id, _hash(r)) for r in conn.execute(select(*_COLS).where(events.c.batch == b))
        ]
        tombs = list(
            conn.execute(
                select(event_tombstones.c.leaf).where(event_tombstones.c.batch == b)
            ).scalars()
        )
        digest = json.loads(
            conn.execute(select(audit_log.c.details).where(audit_log.c.seq == b)).scalar_one()
        )["digest"]
        if not batch_matches(pairs, tombs, digest, vouched.get(b)):
            raise AuditChainError(
                f"batch {b} does not match its audit row; erasure refused "
                "until the chain is repaired (run audit verify)",
                row=b,
            )
        out[str(b)] = leaf_digest([event_leaf(e, ch) for e, ch in pairs] + tombs)
    return out


def _keyed(table: Any) -> Any:
    """The (event_id, source) that names an event in ``table``: ids are per source."""
    return tuple_(table.c.event_id, table.c.source)


def _delete_in(conn: Connection, table: Any, keys: list[tuple[str, str]]) -> int:
    """Delete the rows of these (event_id, source) events, a chunk at a time."""
    n = 0
    for i in range(0, len(keys), _CHUNK):
        n += conn.execute(delete(table).where(_keyed(table).in_(keys[i : i + _CHUNK]))).rowcount
    return n


class SqlErasureStore:
    """Erasure on either database (the SQL is the same)."""

    def __init__(
        self, engine: Engine, dialect: Dialect, mirror: Callable[[], EventMirror | None]
    ) -> None:
        self._engine = engine
        self._dialect = dialect
        self._mirror = mirror

    def erased_at(self, subject: str) -> int | None:
        """When ``subject`` was erased, or None."""
        with self._engine.connect() as conn:
            got = conn.execute(
                select(erasures.c.erased_at_us).where(
                    erasures.c.subject_hash == subject_hash(subject)
                )
            ).scalar()
        return None if got is None else int(got)

    def erased_hashes(self) -> set[str]:
        """The suppression list: hashes of every erased subject id."""
        with self._engine.connect() as conn:
            return set(conn.execute(select(erasures.c.subject_hash)).scalars())

    def erase(
        self, subject: str, *, now_us: int, actor: str, named: Mapping[str, list[str]]
    ) -> Erasure:
        """Erase ``subject`` (see the module docstring); unknown or erased ones are refused.

        ``named``: per event type, the attributes that name a subject.
        """
        check_actor(actor)
        h = subject_hash(subject)
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            if (
                conn.execute(
                    select(subjects.c.subject).where(subjects.c.subject == subject)
                ).first()
                is None
            ):
                when = conn.execute(
                    select(erasures.c.erased_at_us).where(erasures.c.subject_hash == h)
                ).scalar()
                state = f"was erased at {iso(int(when))}" if when is not None else "is unknown"
                raise NotFoundError(f"subject: {subject!r} {state}; nothing to erase [exists]")
            own = conn.execute(select(*_COLS).where(events.c.subject == subject)).all()
            naming = _naming_events(conn, named, subject)
            gone = [*own, *naming]
            vouched = _vouch(conn, {int(r.batch) for r in gone})
            if gone:
                conn.execute(
                    event_tombstones.insert(),
                    [
                        {"batch": int(r.batch), "leaf": event_leaf(r.event_id, _hash(r))}
                        for r in gone
                    ],
                )
            keys = [(str(r.event_id), str(r.source)) for r in gone]
            tracker = StateTracker(conn)
            for table in COVERED_TABLES.values():
                if "subject" in table.c and table is not disputes:
                    tracker.remove(table, table.c.subject == subject)
            tracker.remove_in(event_exclusions, _keyed(event_exclusions), keys)
            tracker.remove(disputes, disputes.c.subject == subject)
            blanked = [k[0] for k in tracker.removed.get(disputes.name, {})]
            rows = {"events": _delete_in(conn, events, keys)}
            rows["event_exclusions"] = _delete_in(conn, event_exclusions, keys)
            # every other per-subject table (scores, notices, cursor, trust, ...), including
            # those added later: a table with a ``subject`` column holds their data
            for table in metadata.sorted_tables:
                if "subject" in table.c and table not in (events, subjects, disputes):
                    n = conn.execute(delete(table).where(table.c.subject == subject)).rowcount
                    rows[table.name] = rows.get(table.name, 0) + n
            rows["disputes_anonymised"] = conn.execute(
                update(disputes)
                .where(disputes.c.subject == subject)
                .values(
                    subject=None,
                    event_id=None,
                    reason=None,
                    resolution=None,
                    new_information=None,
                    source_response=None,
                )
            ).rowcount
            rows["subjects"] = conn.execute(
                delete(subjects).where(subjects.c.subject == subject)
            ).rowcount
            conn.execute(
                erasures.insert().values(
                    subject_hash=h, erased_at_us=now_us, actor=actor, events=len(own)
                )
            )
            tracker.add(erasures, erasures.c.subject_hash == h)
            if blanked:
                tracker.add(disputes, disputes.c.dispute_id.in_(blanked))
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                tracker=tracker,
                action="erase",
                details={
                    "subject_hash": h,
                    "events": len(own),
                    "naming_events": len(naming),
                    "batches": vouched,
                },
            )
        if (mirror := self._mirror()) is not None:  # the columnar cache must forget them too
            mirror.purge([subject], events=[(s, e) for e, s in keys])
        others = sorted({r.subject for r in naming} - {subject})
        return Erasure(h, now_us, len(own), len(naming), rows, others)
