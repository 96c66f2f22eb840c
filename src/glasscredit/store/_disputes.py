"""Disputes: the rows, the exclusion periods they open and close, the sources' outbox.

Each state change is one transaction under the chain lock that also appends its audit
row: opening writes the dispute, an exclusion period, a notice to the source and a
``dispute.open`` row; closing writes the outcome, a notice and a ``dispute.resolve`` row.
The rules (who may dispute what, what may be resolved) are the caller's: it passes a
``check`` that runs inside the transaction, on the facts as they are then.

The exclusion period is what the kernel counts, and it is never backdated:

- a *frozen* dispute (reason ``dispute``) stops the event counting from the opening on;
  ``upheld`` closes the period (the event counts again from then on), ``removed`` leaves
  it open for good;
- a dispute that *keeps counting* (reason ``dispute_deadline``: the policy says so, or
  the subject lost the immediate freeze) writes the period from its deadline on, so an
  unanswered dispute removes the record at the deadline whatever runs then (FCRA
  611(a)(5)(A)); a ``removed`` verdict moves its start to the verdict, ``upheld``
  empties it before it starts (``from_us`` = ``until_us``), an extension moves it to
  the new deadline. Every dispute thus leaves a row in ``event_exclusions``.

A removal by a verdict is told apart from a lapse at the deadline by ``resolved_by``
(:data:`DEADLINE_ACTOR`); :meth:`SqlDisputeStore.removals` lists only the verdicts, which
are what a reporter's weight may lose by.

Audit rows carry the subject's pseudonym, the dispute id, the source and the outcome,
never the reason: free text stays in ``disputes``, which erasure blanks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, Engine, func, select, update

from glasscredit.canonical import canonical_json
from glasscredit.exceptions import NotFoundError
from glasscredit.policy import iso
from glasscredit.store._audit import append_audit, subject_tag
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._records import Dispute
from glasscredit.store._scores import after_scored
from glasscredit.store._tables import (
    corrections,
    dispute_notices,
    disputes,
    event_exclusions,
    events,
    subjects,
)

__all__ = [
    "DEADLINE_ACTOR",
    "DEADLINE_REASON",
    "DISPUTE_REASON",
    "DisputeTarget",
    "SqlDisputeStore",
]

DISPUTE_REASON = "dispute"  # the exclusion reason of a frozen dispute's period
DEADLINE_REASON = "dispute_deadline"  # a dispute that keeps counting: the period from its deadline
DEADLINE_ACTOR = "system:deadline"  # who resolves a dispute that lapsed at its deadline
_REASONS = (DISPUTE_REASON, DEADLINE_REASON)


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


def _periods(d: Dispute) -> ColumnElement[bool]:
    """The exclusion periods of dispute ``d`` (frozen or from its deadline)."""
    ex = event_exclusions
    return ex.c.reason.in_(_REASONS) & (ex.c.ref == str(d.dispute_id))


def _settle_periods(conn: Connection, d: Dispute, outcome: str, now_us: int) -> None:
    """What a resolution does to the dispute's periods (never before ``now_us``)."""
    ex = event_exclusions
    mine = ex.c.ref == str(d.dispute_id)
    frozen = mine & (ex.c.reason == DISPUTE_REASON) & ex.c.until_us.is_(None)
    pending = mine & (ex.c.reason == DEADLINE_REASON) & (ex.c.from_us > now_us)
    if outcome == "upheld":  # the event counts again from now on, never before
        conn.execute(update(ex).where(frozen).values(until_us=now_us))
        # the stop at the deadline never starts: an empty period, kept so that every
        # dispute leaves a row (a subject without one has no dispute to explain)
        conn.execute(update(ex).where(pending).values(from_us=now_us, until_us=now_us))
        started = mine & (ex.c.reason == DEADLINE_REASON) & ex.c.until_us.is_(None)
        conn.execute(update(ex).where(started).values(until_us=now_us))
    else:  # removed: it stops counting now, if it still counted
        conn.execute(update(ex).where(pending).values(from_us=now_us))


def _close(
    conn: Connection,
    d: Dispute,
    outcome: str,
    now_us: int,
    actor: str,
    resolution: str,
    details: Mapping[str, Any] | None = None,
) -> Dispute:
    """Record a resolution inside the caller's locked transaction."""
    assert d.subject is not None
    now_us = after_scored(conn, [d.subject], now_us)  # never at a stored score's instant
    tracker = StateTracker(conn)
    tracker.remove(event_exclusions, _periods(d))
    tracker.remove(disputes, disputes.c.dispute_id == d.dispute_id)
    _settle_periods(conn, d, outcome, now_us)
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
    tracker.add(event_exclusions, _periods(d))
    tracker.add(disputes, disputes.c.dispute_id == d.dispute_id)
    append_audit(
        conn,
        at_us=now_us,
        actor=actor,
        tracker=tracker,
        action="dispute.resolve",
        tag=_tag(conn, d.subject),
        details={
            "dispute": d.dispute_id,
            "source": d.source,
            "outcome": outcome,
            "lapsed": actor == DEADLINE_ACTOR,
            **(details or {}),
        },
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
        frozen: bool = True,
        details: Mapping[str, Any] | None = None,
        correction: tuple[str, Any, Any] | None = None,
    ) -> Dispute:
        """Open a dispute (see the module docstring); ``check`` may refuse it by raising.

        ``source`` names the event's source; without it the subject's events with this id
        must be only one (``check`` sees ``shared`` otherwise). ``frozen``: the event
        stops counting now; otherwise it counts until a verdict removes it or
        ``deadline_us``. ``details`` go into the audit row (the effect and why).
        ``correction``: (attribute, value held, value asked for) when the dispute asks to
        correct one attribute instead of removing the event (``store._corrections``).
        """
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
                    from_us=now_us if frozen else deadline_us,
                    until_us=None,
                    reason=DISPUTE_REASON if frozen else DEADLINE_REASON,
                    ref=str(did),
                )
            )
            conn.execute(
                dispute_notices.insert().values(
                    dispute_id=did, source=target.source, kind="opened", at_us=now_us
                )
            )
            tracker = StateTracker(conn)
            if correction is not None:
                conn.execute(
                    corrections.insert().values(
                        dispute_id=did,
                        subject=subject,
                        source=target.source,
                        event_id=event_id,
                        attribute=correction[0],
                        old_value=canonical_json(correction[1]),
                        new_value=canonical_json(correction[2]),
                        status="requested",
                    )
                )
                tracker.add(corrections, corrections.c.dispute_id == did)
                details = {**(details or {}), "correction": correction[0]}
            tracker.add(disputes, disputes.c.dispute_id == did)
            tracker.add(
                event_exclusions,
                event_exclusions.c.reason.in_(_REASONS) & (event_exclusions.c.ref == str(did)),
            )
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                tracker=tracker,
                action="dispute.open",
                tag=_tag(conn, subject),
                details={
                    "dispute": did,
                    "source": target.source,
                    "deadline": iso(deadline_us),
                    **(details or {}),
                },
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
        details: Mapping[str, Any] | None = None,
    ) -> Dispute:
        """Close a dispute as ``outcome`` with the ``resolution`` (the reasons the person
        reads); ``check`` (on the dispute as it is) may refuse; ``details`` go into the
        audit row."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            d = _get(conn, dispute_id)
            if d is None:
                raise NotFoundError(f"dispute_id: dispute {dispute_id} does not exist [exists]")
            check(d)
            return _close(conn, d, outcome, now_us, actor, resolution, details)

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
            ex = event_exclusions
            pending = (
                (ex.c.ref == str(dispute_id))
                & (ex.c.reason == DEADLINE_REASON)
                & (ex.c.from_us > now_us)
            )
            tracker = StateTracker(conn)
            tracker.remove(disputes, row)
            tracker.remove(ex, pending)
            conn.execute(
                update(disputes)
                .where(row)
                .values(new_information=information, extended_at_us=now_us, deadline_us=deadline)
            )
            # the record that keeps counting stops at the new deadline, not the old one
            conn.execute(update(ex).where(pending).values(from_us=deadline))
            tracker.add(disputes, row)
            tracker.add(ex, (ex.c.ref == str(dispute_id)) & (ex.c.reason == DEADLINE_REASON))
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

    def removals(self, as_of_us: int, *, event_type: str | None = None) -> pl.DataFrame:
        """Events removed by a verdict (``removed``, not a lapse at the deadline) by
        ``as_of_us``: ``event_id``, ``attributes``, ``dispute_id``, ``resolved_at_us``.

        An open dispute, an upheld one and one that lapsed unanswered are not verdicts
        against the record's reporter; this is what a reporter's weight may lose by.
        """
        stmt = (
            select(
                events.c.event_id,
                events.c.attributes,
                disputes.c.dispute_id,
                disputes.c.resolved_at_us,
            )
            .join(
                events,
                (events.c.event_id == disputes.c.event_id) & (events.c.source == disputes.c.source),
            )
            .where(
                disputes.c.status == "removed",
                disputes.c.resolved_by != DEADLINE_ACTOR,
                disputes.c.resolved_at_us <= as_of_us,
            )
            .order_by(disputes.c.dispute_id)
        )
        if event_type is not None:
            stmt = stmt.where(events.c.type == event_type)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={
                "event_id": pl.String,
                "attributes": pl.String,
                "dispute_id": pl.Int64,
                "resolved_at_us": pl.Int64,
            },
        )
