"""Disputes: a subject contests one of their events, and it stops counting at once.

Opening a dispute appends an exclusion period (``from_us`` = now, open-ended), tells the
source, writes an audit row, and rescores the subject so the change notice records the
exact difference. An operator resolves it: *upheld* closes the period (the event counts
again from then on; past scores still reproduce because periods are never backdated),
*removed* leaves it open forever. A dispute still open at its deadline (the policy's
``disputes.deadline``, 30 days by default, as FCRA 1681i gives a bureau) is resolved in
the subject's favour, as *removed*, by whoever acts on the ledger next.

Audit rows carry the subject's pseudonym, the dispute id, the source and the outcome,
never the reason: free text stays in ``disputes``, which erasure blanks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select, update

from glasscredit.exceptions import (
    AccessDeniedError,
    ConflictError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from glasscredit.policy import parse_duration
from glasscredit.scoring import Scorer, rescore, score_notices
from glasscredit.scoring._explain import iso
from glasscredit.store import Ledger
from glasscredit.store._audit import append_audit, lock_chain, subject_tag
from glasscredit.store._tables import (
    dispute_notices,
    disputes,
    event_exclusions,
    events,
    scores,
    scoring_cursor,
    subjects,
)

__all__ = [
    "DEADLINE_ACTOR",
    "OUTCOMES",
    "Dispute",
    "DisputeResult",
    "expire_overdue",
    "open_dispute",
    "resolve_dispute",
]

OUTCOMES = ("upheld", "removed")
DEADLINE_ACTOR = "system:deadline"
MAX_REASON_CHARS = 600  # about the 100-word consumer statement FCRA 1681i allows


@dataclass(frozen=True, slots=True)
class Dispute:
    dispute_id: int
    event_id: str | None
    subject: str | None
    source: str
    event_type: str
    reason: str | None
    opened_at_us: int
    opened_by: str
    deadline_us: int
    status: str
    resolved_at_us: int | None
    resolved_by: str | None

    @classmethod
    def from_row(cls, r: Row[Any]) -> Dispute:
        return cls(
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
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "dispute_id": self.dispute_id,
            "event_id": self.event_id,
            "subject": self.subject,
            "source": self.source,
            "event_type": self.event_type,
            "reason": self.reason,
            "opened_at": iso(self.opened_at_us),
            "opened_by": self.opened_by,
            "deadline": iso(self.deadline_us),
            "status": self.status,
            "resolved_at": None if self.resolved_at_us is None else iso(self.resolved_at_us),
            "resolved_by": self.resolved_by,
        }


@dataclass(slots=True)
class DisputeResult:
    """A dispute after the action, the score before and after, and the change notice."""

    dispute: Dispute
    score_before: int | None
    score_after: int
    notice: dict[str, Any] | None
    expired: list[Dispute]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dispute": self.dispute.as_dict(),
            "score_before": self.score_before,
            "score_after": self.score_after,
            "delta": None if self.score_before is None else self.score_after - self.score_before,
            "notice": self.notice,
            "expired": [d.as_dict() for d in self.expired],
        }


def _get(conn: Connection, dispute_id: int) -> Dispute:
    row = conn.execute(select(disputes).where(disputes.c.dispute_id == dispute_id)).first()
    if row is None:
        raise NotFoundError(f"dispute_id: dispute {dispute_id} does not exist [exists]")
    return Dispute.from_row(row)


def _tag(conn: Connection, subject: str) -> str:
    salt = conn.execute(select(subjects.c.salt).where(subjects.c.subject == subject)).scalar()
    if salt is None:
        raise NotFoundError(
            f"subject: {subject!r} is not in the ledger (unknown or erased) [exists]"
        )
    return subject_tag(str(salt), subject)


def _check_open(conn: Connection, subject: str, event_id: str) -> tuple[str, str]:
    """Refuse a dispute the rules forbid; return the event's (source, type)."""
    _tag(conn, subject)
    ev = conn.execute(
        select(events.c.subject, events.c.source, events.c.type).where(
            events.c.event_id == event_id
        )
    ).first()
    if ev is None:
        raise NotFoundError(
            f"event_id: event {event_id!r} is not in the ledger (unknown or erased) [exists]"
        )
    if ev.subject != subject:
        raise AccessDeniedError(
            f"event_id: event {event_id!r} is not about {subject!r}; a "
            "subject may dispute only their own events [own_event]"
        )
    busy = conn.execute(
        select(disputes.c.dispute_id).where(
            (disputes.c.event_id == event_id) & (disputes.c.status == "open")
        )
    ).scalar()
    if busy is not None:
        raise ConflictError(
            f"event_id: event {event_id!r} is already under dispute {busy} [one_open_dispute]"
        )
    return str(ev.source), str(ev.type)


def _stored_score(conn: Connection, subject: str) -> int | None:
    return conn.execute(
        select(scores.c.score)
        .join(scoring_cursor, scoring_cursor.c.last_score_id == scores.c.score_id)
        .where(scoring_cursor.c.subject == subject)
    ).scalar()


def _rescored(
    scorer: Scorer, dispute: Dispute, before: int | None, now_us: int, expired: list[Dispute]
) -> DisputeResult:
    assert dispute.subject is not None
    report = rescore(scorer, now_us, now_us, subjects_in=[dispute.subject])
    notice = score_notices(scorer, dispute.subject)[-1] if report.changed else None
    return DisputeResult(dispute, before, report.scores[0], notice, expired)


def open_dispute(
    ledger: Ledger,
    subject: str,
    event_id: str,
    reason: str,
    *,
    now_us: int,
    actor: str,
    scorer: Scorer | None = None,
) -> DisputeResult:
    """Open a dispute: the event stops counting at ``now_us``; rescore and notify."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > MAX_REASON_CHARS:
        raise ValidationError(
            [FieldError("reason", "length", f"give a reason of 1 to {MAX_REASON_CHARS} characters")]
        )
    if subject in re.split(r"[\s:/@,;]+", actor):
        raise ValidationError(
            [
                FieldError(
                    "actor",
                    "no_id_in_audit",
                    "the actor would put the "
                    "subject's id into the audit log, which erasure "
                    "cannot clear; use e.g. 'subject'",
                )
            ]
        )
    expired = expire_overdue(ledger, now_us)
    with ledger.engine.connect() as conn:
        _check_open(conn, subject, event_id)  # refuse before anything is written
        before = _stored_score(conn, subject)
    scorer = scorer or Scorer(ledger)
    if before is None:  # a baseline just before, so the change notice records the drop
        before = rescore(scorer, now_us - 1, now_us, subjects_in=[subject]).scores[0]
    deadline = now_us + parse_duration(ledger.policy.disputes.deadline)
    with ledger.engine.begin() as conn:
        lock_chain(conn)
        source, etype = _check_open(conn, subject, event_id)
        pk = conn.execute(
            disputes.insert().values(
                event_id=event_id,
                subject=subject,
                source=source,
                event_type=etype,
                reason=text,
                opened_at_us=now_us,
                opened_by=actor,
                deadline_us=deadline,
                status="open",
            )
        ).inserted_primary_key
        assert pk is not None
        did = int(pk[0])
        conn.execute(
            event_exclusions.insert().values(
                event_id=event_id,
                subject=subject,
                from_us=now_us,
                until_us=None,
                reason="dispute",
                ref=str(did),
            )
        )
        conn.execute(
            dispute_notices.insert().values(
                dispute_id=did, source=source, kind="opened", at_us=now_us
            )
        )
        append_audit(
            conn,
            at_us=now_us,
            actor=actor,
            action="dispute.open",
            tag=_tag(conn, subject),
            details={"dispute": did, "source": source, "deadline": iso(deadline)},
        )
        dispute = _get(conn, did)
    return _rescored(scorer, dispute, before, now_us, expired)


def _close(conn: Connection, d: Dispute, outcome: str, now_us: int, actor: str) -> Dispute:
    """Record a resolution inside the caller's locked transaction."""
    assert d.subject is not None
    if outcome == "upheld":  # the event counts again from now on, never before
        conn.execute(
            update(event_exclusions)
            .where(
                (event_exclusions.c.reason == "dispute")
                & (event_exclusions.c.ref == str(d.dispute_id))
                & event_exclusions.c.until_us.is_(None)
            )
            .values(until_us=now_us)
        )
    conn.execute(
        update(disputes)
        .where(disputes.c.dispute_id == d.dispute_id)
        .values(status=outcome, resolved_at_us=now_us, resolved_by=actor)
    )
    conn.execute(
        dispute_notices.insert().values(
            dispute_id=d.dispute_id, source=d.source, kind="resolved", outcome=outcome, at_us=now_us
        )
    )
    append_audit(
        conn,
        at_us=now_us,
        actor=actor,
        action="dispute.resolve",
        tag=_tag(conn, d.subject),
        details={"dispute": d.dispute_id, "source": d.source, "outcome": outcome},
    )
    return _get(conn, d.dispute_id)


def resolve_dispute(
    ledger: Ledger,
    dispute_id: int,
    outcome: str,
    *,
    now_us: int,
    actor: str,
    scorer: Scorer | None = None,
) -> DisputeResult:
    """Resolve an open dispute as ``upheld`` or ``removed``; rescore and notify."""
    if outcome not in OUTCOMES:
        raise ValidationError(
            [FieldError("outcome", "one_of", f"{outcome!r} is not one of {', '.join(OUTCOMES)}")]
        )
    expired = expire_overdue(ledger, now_us)
    with ledger.engine.begin() as conn:
        lock_chain(conn)
        d = _get(conn, dispute_id)
        if d.status != "open":
            by = f" by {d.resolved_by}" if d.resolved_by else ""
            when = iso(d.resolved_at_us) if d.resolved_at_us is not None else "?"
            raise ConflictError(
                f"dispute_id: dispute {dispute_id} was already resolved as "
                f"{d.status}{by} at {when} [resolve_once]"
            )
        before = _stored_score(conn, d.subject) if d.subject else None
        d = _close(conn, d, outcome, now_us, actor)
    return _rescored(scorer or Scorer(ledger), d, before, now_us, expired)


def expire_overdue(ledger: Ledger, now_us: int) -> list[Dispute]:
    """Resolve every dispute open past its deadline as ``removed`` (the subject's favour).

    The event already does not count, so no score changes; the resolution, the notice to
    the source and the audit row are written with ``now_us``, when it was carried out.
    """
    with ledger.engine.connect() as conn:
        due = conn.execute(
            select(disputes.c.dispute_id).where(
                (disputes.c.status == "open") & (disputes.c.deadline_us <= now_us)
            )
        ).first()
    if due is None:  # the common case: no write lock taken
        return []
    done: list[Dispute] = []
    with ledger.engine.begin() as conn:
        lock_chain(conn)
        rows = conn.execute(
            select(disputes)
            .where((disputes.c.status == "open") & (disputes.c.deadline_us <= now_us))
            .order_by(disputes.c.dispute_id)
        ).all()
        for r in rows:
            done.append(_close(conn, Dispute.from_row(r), "removed", now_us, DEADLINE_ACTOR))
    return done
