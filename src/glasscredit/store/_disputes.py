"""Disputes: the rows, the exclusion periods they open and close, the sources' outbox.

Each state change is one transaction under the chain lock that also appends its audit
row: opening writes the dispute, an open-ended exclusion period (the event stops
counting at once), a notice to the source and a ``dispute.open`` row; closing writes the
outcome (``upheld`` closes the period, so the event counts again from then on;
``removed`` leaves it open for good), a notice and a ``dispute.resolve`` row. The rules
(who may dispute what, what may be resolved) are the caller's: it passes a ``check``
that runs inside the transaction, on the facts as they are then.

Audit rows carry the subject's pseudonym, the dispute id, the source and the outcome,
never the reason: free text stays in ``disputes``, which erasure blanks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from glasscredit.exceptions import NotFoundError
from glasscredit.policy import iso
from glasscredit.store._audit import append_audit, subject_tag
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._records import Dispute
from glasscredit.store._scores import after_scored
from glasscredit.store._tables import dispute_notices, disputes, event_exclusions, events, subjects

__all__ = ["DISPUTE_REASON", "DisputeTarget", "SqlDisputeStore"]

DISPUTE_REASON = "dispute"  # the exclusion reason of a dispute's period


@dataclass(frozen=True, slots=True)
class DisputeTarget:
    """What the rules of opening a dispute look at, read in the opening transaction.

    ``subject_known``: the subject is in the ledger (not unknown, not erased);
    ``owner``, ``source``, ``event_type``: the event's (None: no such event);
    ``open_dispute``: the id of a dispute already open on the event, if any;
    ``shared``: the sources of the subject's events with this id, when the id alone
    does not name one event (ids are per source) and no source was given.
    """

    subject_known: bool
    owner: str | None
    source: str | None
    event_type: str | None
    open_dispute: int | None
    shared: tuple[str, ...] = ()


def _dispute(r: Any) -> Dispute:
    return Dispute(
        int(r.dispute_id),
        r.event_id,
        r.subject,
        r.source,
        r.event_type,
        r.reason,
        int(r.opened_at_us),
        r.opened_by,
        int(r.deadline_us),
        r.status,
        None if r.resolved_at_us is None else int(r.resolved_at_us),
        r.resolved_by,
        r.resolution,
        r.new_information,
        None if r.extended_at_us is None else int(r.extended_at_us),
        r.source_response,
        None if r.source_responded_at_us is None else int(r.source_responded_at_us),
    )


def _get(conn: Connection, dispute_id: int) -> Dispute | None:
    row = conn.execute(select(disputes).where(disputes.c.dispute_id == dispute_id)).first()
    return None if row is None else _dispute(row)


def _tag(conn: Connection, subject: str) -> str:
    salt = conn.execute(select(subjects.c.salt).where(subjects.c.subject == subject)).scalar()
    if salt is None:
        raise NotFoundError(
            f"subject: {subject!r} is not in the ledger (unknown or erased) [exists]"
        )
    return subject_tag(str(salt), subject)


def _target(conn: Connection, subject: str, event_id: str, source: str | None) -> DisputeTarget:
    """The event (``source``, ``event_id``); without a source, the subject's one event with
    that id (several: ``shared`` names their sources, and the caller must ask which)."""
    known = (
        conn.execute(select(subjects.c.subject).where(subjects.c.subject == subject)).first()
        is not None
    )
    stmt = select(events.c.subject, events.c.source, events.c.type).where(
        events.c.event_id == event_id
    )
    if source is not None:
        stmt = stmt.where(events.c.source == source)
    found = conn.execute(stmt.order_by(events.c.source)).all()
    mine = [r for r in found if r.subject == subject]
    if source is None and len(mine) > 1:
        return DisputeTarget(known, subject, None, None, None, tuple(str(r.source) for r in mine))
    ev = mine[0] if mine else found[0] if found else None
    busy = (
        None
        if ev is None
        else conn.execute(
            select(disputes.c.dispute_id).where(
                (disputes.c.event_id == event_id)
                & (disputes.c.source == ev.source)
                & (disputes.c.status == "open")
            )
        ).scalar()
    )
    return DisputeTarget(
        known,
        None if ev is None else str(ev.subject),
        None if ev is None else str(ev.source),
        None if ev is None else str(ev.type),
        None if busy is None else int(busy),
    )


def _close(
    conn: Connection, d: Dispute, outcome: str, now_us: int, actor: str, resolution: str
) -> Dispute:
    """Record a resolution inside the caller's locked transaction."""
    assert d.subject is not None
    now_us = after_scored(conn, [d.subject], now_us)  # never at a stored score's instant
    tracker = StateTracker(conn)
    mine = (event_exclusions.c.reason == DISPUTE_REASON) & (
        event_exclusions.c.ref == str(d.dispute_id)
    )
    tracker.remove(event_exclusions, mine)
    tracker.remove(disputes, disputes.c.dispute_id == d.dispute_id)
    if outcome == "upheld":  # the event counts again from now on, never before
        conn.execute(
            update(event_exclusions)
            .where(
                (event_exclusions.c.reason == DISPUTE_REASON)
                & (event_exclusions.c.ref == str(d.dispute_id))
                & event_exclusions.c.until_us.is_(None)
            )
            .values(until_us=now_us)
        )
    conn.execute(
        update(disputes)
        .where(disputes.c.dispute_id == d.dispute_id)
        .values(status=outcome, resolved_at_us=now_us, resolved_by=actor, resolution=resolution)
    )
    conn.execute(
        dispute_notices.insert().values(
            dispute_id=d.dispute_id, source=d.source, kind="resolved", outcome=outcome, at_us=now_us
        )
    )
    tracker.add(event_exclusions, mine)
    tracker.add(disputes, disputes.c.dispute_id == d.dispute_id)
    append_audit(
        conn,
        at_us=now_us,
        actor=actor,
        tracker=tracker,
        action="dispute.resolve",
        tag=_tag(conn, d.subject),
        details={"dispute": d.dispute_id, "source": d.source, "outcome": outcome},
    )
    got = _get(conn, d.dispute_id)
    assert got is not None
    return got


class SqlDisputeStore:
    """Disputes on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def target(self, subject: str, event_id: str, source: str | None = None) -> DisputeTarget:
        """The facts the opening rules look at, as they are now."""
        with self._engine.connect() as conn:
            return _target(conn, subject, event_id, source)

    def open(
        self,
        subject: str,
        event_id: str,
        reason: str,
        *,
        now_us: int,
        deadline_us: int,
        actor: str,
        check: Callable[[DisputeTarget], None],
        source: str | None = None,
    ) -> Dispute:
        """Open a dispute (see the module docstring); ``check`` may refuse it by raising.

        ``source`` names the event's source; without it the subject's events with this id
        must be only one (``check`` sees ``shared`` otherwise)."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            target = _target(conn, subject, event_id, source)
            check(target)
            now_us = after_scored(conn, [subject], now_us)  # never at a stored score's instant
            assert target.source is not None and target.event_type is not None
            pk = conn.execute(
                disputes.insert().values(
                    event_id=event_id,
                    subject=subject,
                    source=target.source,
                    event_type=target.event_type,
                    reason=reason,
                    opened_at_us=now_us,
                    opened_by=actor,
                    deadline_us=deadline_us,
                    status="open",
                )
            ).inserted_primary_key
            assert pk is not None
            did = int(pk[0])
            conn.execute(
                event_exclusions.insert().values(
                    event_id=event_id,
                    source=target.source,
                    subject=subject,
                    from_us=now_us,
                    until_us=None,
                    reason=DISPUTE_REASON,
                    ref=str(did),
                )
            )
            conn.execute(
                dispute_notices.insert().values(
                    dispute_id=did, source=target.source, kind="opened", at_us=now_us
                )
            )
            tracker = StateTracker(conn)
            tracker.add(disputes, disputes.c.dispute_id == did)
            tracker.add(
                event_exclusions,
                (event_exclusions.c.reason == DISPUTE_REASON)
                & (event_exclusions.c.ref == str(did)),
            )
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                tracker=tracker,
                action="dispute.open",
                tag=_tag(conn, subject),
                details={"dispute": did, "source": target.source, "deadline": iso(deadline_us)},
            )
            got = _get(conn, did)
        assert got is not None
        return got

    def get(self, dispute_id: int) -> Dispute | None:
        with self._engine.connect() as conn:
            return _get(conn, dispute_id)

    def resolve(
        self,
        dispute_id: int,
        outcome: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute], None],
        resolution: str = "",
    ) -> Dispute:
        """Close a dispute as ``outcome`` with the ``resolution`` (the reasons the person
        reads); ``check`` (on the dispute as it is) may refuse."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            d = _get(conn, dispute_id)
            if d is None:
                raise NotFoundError(f"dispute_id: dispute {dispute_id} does not exist [exists]")
            check(d)
            return _close(conn, d, outcome, now_us, actor, resolution)

    def expire(
        self, now_us: int, *, outcome: str, actor: str, resolution: str = ""
    ) -> list[Dispute]:
        """Close as ``outcome`` every dispute open past its deadline, in id order."""
        due = (disputes.c.status == "open") & (disputes.c.deadline_us <= now_us)
        with self._engine.connect() as conn:
            if conn.execute(select(disputes.c.dispute_id).where(due)).first() is None:
                return []  # the common case: no write lock taken
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            rows = conn.execute(select(disputes).where(due).order_by(disputes.c.dispute_id)).all()
            return [_close(conn, _dispute(r), outcome, now_us, actor, resolution) for r in rows]

    def extend(
        self,
        dispute_id: int,
        information: str,
        *,
        extension_us: int,
        now_us: int,
        actor: str,
        check: Callable[[Dispute], None],
    ) -> Dispute:
        """The person brought new information: the deadline moves by ``extension_us``."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            d = _get(conn, dispute_id)
            if d is None:
                raise NotFoundError(f"dispute_id: dispute {dispute_id} does not exist [exists]")
            check(d)
            assert d.subject is not None
            deadline = d.deadline_us + extension_us
            row = disputes.c.dispute_id == dispute_id
            tracker = StateTracker(conn)
            tracker.remove(disputes, row)
            conn.execute(
                update(disputes)
                .where(row)
                .values(new_information=information, extended_at_us=now_us, deadline_us=deadline)
            )
            tracker.add(disputes, row)
            conn.execute(
                dispute_notices.insert().values(
                    dispute_id=dispute_id, source=d.source, kind="extended", at_us=now_us
                )
            )
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                tracker=tracker,
                action="dispute.extend",
                tag=_tag(conn, d.subject),
                details={"dispute": dispute_id, "source": d.source, "deadline": iso(deadline)},
            )
            got = _get(conn, dispute_id)
        assert got is not None
        return got

    def respond(
        self,
        dispute_id: int,
        response: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute], None],
    ) -> Dispute:
        """Record what the dispute's source said after investigating (FCRA 623(b))."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            d = _get(conn, dispute_id)
            if d is None:
                raise NotFoundError(f"dispute_id: dispute {dispute_id} does not exist [exists]")
            check(d)
            row = disputes.c.dispute_id == dispute_id
            tracker = StateTracker(conn)
            tracker.remove(disputes, row)
            conn.execute(
                update(disputes)
                .where(row)
                .values(source_response=response, source_responded_at_us=now_us)
            )
            tracker.add(disputes, row)
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                tracker=tracker,
                action="dispute.respond",
                tag=None if d.subject is None else _tag(conn, d.subject),
                details={"dispute": dispute_id, "source": d.source},
            )
            got = _get(conn, dispute_id)
        assert got is not None
        return got

    def find(
        self,
        *,
        subject: str | None = None,
        source: str | None = None,
        status: str | None = None,
    ) -> list[Dispute]:
        """Disputes in the order they were opened, optionally filtered."""
        stmt = select(disputes).order_by(disputes.c.dispute_id)
        if subject is not None:
            stmt = stmt.where(disputes.c.subject == subject)
        if source is not None:
            stmt = stmt.where(disputes.c.source == source)
        if status is not None:
            stmt = stmt.where(disputes.c.status == status)
        with self._engine.connect() as conn:
            return [_dispute(r) for r in conn.execute(stmt).all()]

    def notices(self, source: str) -> list[dict[str, Any]]:
        """What ``source`` has been told, in order: ``dispute_id``, ``kind``, ``outcome``,
        ``at_us``, ``event_id``."""
        dn = dispute_notices
        stmt = (
            select(dn.c.dispute_id, dn.c.kind, dn.c.outcome, dn.c.at_us, disputes.c.event_id)
            .join(disputes, disputes.c.dispute_id == dn.c.dispute_id)
            .where(dn.c.source == source)
            .order_by(dn.c.id)
        )
        with self._engine.connect() as conn:
            return [
                {
                    "dispute_id": int(r.dispute_id),
                    "kind": r.kind,
                    "outcome": r.outcome,
                    "at_us": int(r.at_us),
                    "event_id": r.event_id,
                }
                for r in conn.execute(stmt).all()
            ]

    def status_counts(self) -> dict[str, dict[str, int]]:
        """Per source, how many disputes are in each status."""
        counts: dict[str, dict[str, int]] = {}
        with self._engine.connect() as conn:
            for src, status, n in conn.execute(
                select(disputes.c.source, disputes.c.status, func.count()).group_by(
                    disputes.c.source, disputes.c.status
                )
            ):
                counts.setdefault(str(src), {})[str(status)] = int(n)
        return counts
