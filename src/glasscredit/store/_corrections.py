"""Corrections: a dispute that asks to correct one attribute of an event (GDPR Art. 16).

The request is written with the dispute (``SqlDisputeStore.open``, ``correction=``). The
event's source answers. A refusal is recorded as the source's response and leaves the
dispute open, for the operator to decide or for its deadline. A confirmation is one
transaction under the chain lock that:

1. resolves the dispute as ``corrected`` (the original's periods settle as for a
   removal: it stops counting at the confirmation, if it still counted);
2. appends the *new version* of the event as a batch of its own: a new ``events`` row
   (``<event_id>#c<dispute>``, same subject, source, type and date, the corrected
   attributes) and the ``ingest`` audit row that vouches for it, recorded now and known
   from when the original was known (``known_from_us``), so ``audit verify`` checks it
   as any batch and the ledger's clock reads the record as it always did;
3. excludes the new version before the confirmation (reason ``correction``, until the
   confirmation's time), so a score as of any earlier time, read at any later ledger
   position, sees the original and never both;
4. marks the correction ``confirmed`` with the new version's id, with a
   ``correction.confirm`` audit row vouching for the covered tables.

Nothing is updated in place and nothing is backdated: every stored score reproduces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from glasscredit.canonical import canonical_json
from glasscredit.exceptions import ConflictError, NotFoundError
from glasscredit.policy import content_hash, iso
from glasscredit.store._audit import append_audit, batch_digest, chain_head
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._disputes import _close, _get, _tag
from glasscredit.store._records import Dispute
from glasscredit.store._tables import corrections, disputes, event_exclusions, events

__all__ = ["CORRECTED", "CORRECTION_REASON", "Correction", "SqlCorrectionStore"]

CORRECTION_REASON = "correction"  # the exclusion reason of a new version before it counts
CORRECTED = "corrected"  # the dispute's status once its correction is confirmed


@dataclass(frozen=True, slots=True)
class Correction:
    """What a dispute asks to correct, and what became of it."""

    dispute_id: int
    subject: str
    source: str
    event_id: str
    attribute: str
    old_value: Any
    new_value: Any
    status: str  # requested | confirmed | refused
    answered_at_us: int | None
    answered_by: str | None
    new_event_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dispute_id": self.dispute_id,
            "event_id": self.event_id,
            "source": self.source,
            "attribute": self.attribute,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "status": self.status,
            "answered_at": None if self.answered_at_us is None else iso(self.answered_at_us),
            "answered_by": self.answered_by,
            "new_event_id": self.new_event_id,
        }


def _correction(r: Any) -> Correction:
    return Correction(
        int(r.dispute_id),
        r.subject,
        r.source,
        r.event_id,
        r.attribute,
        json.loads(r.old_value),
        json.loads(r.new_value),
        r.status,
        None if r.answered_at_us is None else int(r.answered_at_us),
        r.answered_by,
        r.new_event_id,
    )


def _get_correction(conn: Connection, dispute_id: int) -> Correction | None:
    row = conn.execute(select(corrections).where(corrections.c.dispute_id == dispute_id)).first()
    return None if row is None else _correction(row)


def _version_id(conn: Connection, event_id: str, source: str, dispute_id: int) -> str:
    """The new version's id: ``<event_id>#c<dispute>`` (cut to fit 128 characters), with a
    further suffix in the unlikely case the source already used that id."""
    tail = f"#c{dispute_id}"
    base = event_id[: 128 - len(tail) - 4] + tail
    candidate, n = base, 1
    while (
        conn.execute(
            select(events.c.seq).where(
                (events.c.event_id == candidate) & (events.c.source == source)
            )
        ).first()
        is not None
    ):
        n += 1
        candidate = f"{base}.{n}"
    return candidate


class SqlCorrectionStore:
    """Corrections on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def get(self, dispute_id: int) -> Correction | None:
        with self._engine.connect() as conn:
            return _get_correction(conn, dispute_id)

    def of_subject(self, subject: str) -> list[Correction]:
        """The subject's corrections, in the order their disputes were opened."""
        stmt = (
            select(corrections)
            .where(corrections.c.subject == subject)
            .order_by(corrections.c.dispute_id)
        )
        with self._engine.connect() as conn:
            return [_correction(r) for r in conn.execute(stmt).all()]

    def _load(self, conn: Connection, dispute_id: int) -> tuple[Dispute, Correction]:
        d = _get(conn, dispute_id)
        c = _get_correction(conn, dispute_id)
        if d is None:
            raise NotFoundError(f"dispute_id: dispute {dispute_id} does not exist [exists]")
        if c is None:
            raise NotFoundError(
                f"dispute_id: dispute {dispute_id} asks for no correction; it is answered "
                "with dispute respond [correction]"
            )
        return d, c

    def confirm(
        self,
        dispute_id: int,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute, Correction], None],
        resolution: str,
    ) -> tuple[Dispute, Correction]:
        """The source confirms: the dispute is resolved ``corrected`` and the new version
        of the event supersedes the original from now on (see the module docstring)."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            d, c = self._load(conn, dispute_id)
            check(d, c)
            ev = conn.execute(
                select(events).where(
                    (events.c.event_id == c.event_id) & (events.c.source == c.source)
                )
            ).first()
            if ev is None:
                raise NotFoundError(
                    f"event_id: event {c.event_id!r} of {c.source!r} is no longer in the "
                    "ledger (erased) [exists]"
                )
            closed = _close(conn, d, CORRECTED, now_us, actor, resolution, {"correction": True})
            at = closed.resolved_at_us
            assert at is not None
            attrs = json.loads(ev.attributes)
            attrs[c.attribute] = c.new_value
            attributes_json = canonical_json(attrs)
            vid = _version_id(conn, c.event_id, c.source, dispute_id)
            occ, known = int(ev.occurred_at_us), max(int(ev.occurred_at_us), int(ev.known_at_us))
            ch = content_hash(vid, ev.subject, ev.source, ev.type, occ, attributes_json)
            head = chain_head(conn)
            conn.execute(
                events.insert().values(
                    event_id=vid,
                    subject=ev.subject,
                    source=ev.source,
                    type=ev.type,
                    occurred_at_us=occ,
                    recorded_at_us=at,
                    attributes=attributes_json,
                    content_hash=ch,
                    batch=head[0] + 1,
                    known_at_us=known,
                )
            )
            append_audit(
                conn,
                at_us=at,
                actor=actor,
                action="ingest",
                head=head,
                details={
                    "count": 1,
                    "digest": batch_digest([(vid, ch)]),
                    "sources": [c.source],
                    "known_from_us": known,
                    "correction": dispute_id,
                },
            )
            row = corrections.c.dispute_id == dispute_id
            mine = (event_exclusions.c.reason == CORRECTION_REASON) & (
                event_exclusions.c.ref == str(dispute_id)
            )
            tracker = StateTracker(conn)
            tracker.remove(corrections, row)
            conn.execute(
                event_exclusions.insert().values(
                    event_id=vid,
                    source=c.source,
                    subject=c.subject,
                    from_us=min(occ, known),
                    until_us=at,
                    reason=CORRECTION_REASON,
                    ref=str(dispute_id),
                )
            )
            conn.execute(
                update(corrections)
                .where(row)
                .values(status="confirmed", answered_at_us=at, answered_by=actor, new_event_id=vid)
            )
            tracker.add(event_exclusions, mine)
            tracker.add(corrections, row)
            append_audit(
                conn,
                at_us=at,
                actor=actor,
                tracker=tracker,
                action="correction.confirm",
                tag=_tag(conn, c.subject),
                details={"dispute": dispute_id, "source": c.source, "attribute": c.attribute},
            )
            got = _get_correction(conn, dispute_id)
        assert got is not None
        return closed, got

    def refuse(
        self,
        dispute_id: int,
        response: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute, Correction], None],
    ) -> tuple[Dispute, Correction]:
        """The source refuses, saying why (its response); the dispute stays open."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            d, c = self._load(conn, dispute_id)
            check(d, c)
            if c.status != "requested":
                raise ConflictError(
                    f"dispute_id: the correction of dispute {dispute_id} was already "
                    f"{c.status} [answer_once]"
                )
            drow = disputes.c.dispute_id == dispute_id
            crow = corrections.c.dispute_id == dispute_id
            tracker = StateTracker(conn)
            tracker.remove(disputes, drow)
            tracker.remove(corrections, crow)
            conn.execute(
                update(disputes)
                .where(drow)
                .values(source_response=response, source_responded_at_us=now_us)
            )
            conn.execute(
                update(corrections)
                .where(crow)
                .values(status="refused", answered_at_us=now_us, answered_by=actor)
            )
            tracker.add(disputes, drow)
            tracker.add(corrections, crow)
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                tracker=tracker,
                action="correction.refuse",
                tag=_tag(conn, c.subject),
                details={"dispute": dispute_id, "source": c.source, "attribute": c.attribute},
            )
            got_d, got_c = _get(conn, dispute_id), _get_correction(conn, dispute_id)
        assert got_d is not None and got_c is not None
        return got_d, got_c
