"""Human review requests and the person's own statement: rows, and their audit rows.

Each change is one transaction under the chain lock that appends its audit row
(``review.request``, ``review.decide``, ``statement.set``, ``statement.remove``) with
the subject's pseudonym, the review id, what is reviewed and the outcome: never the
point of view, the reasons or the statement, which are free text erasure must be able
to remove. The rules are the caller's (:mod:`glasscredit.rights._reviews`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from glasscredit.exceptions import NotFoundError
from glasscredit.policy import iso
from glasscredit.store._audit import append_audit
from glasscredit.store._dialect import Dialect
from glasscredit.store._disputes import _tag  # the pseudonym, refusing unknown subjects
from glasscredit.store._tables import reviews, statements

__all__ = ["Review", "SqlReviewStore", "SqlStatementStore", "Statement"]


@dataclass(frozen=True, slots=True)
class Review:
    """A request that a person review an automated decision, and its outcome."""

    review_id: int
    subject: str
    kind: str
    about: str
    score: int | None
    point_of_view: str
    requested_at_us: int
    requested_by: str
    deadline_us: int
    status: str
    decided_at_us: int | None
    decided_by: str | None
    reasons: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "subject": self.subject,
            "kind": self.kind,
            "about": self.about,
            "score": self.score,
            "point_of_view": self.point_of_view,
            "requested_at": iso(self.requested_at_us),
            "requested_by": self.requested_by,
            "deadline": iso(self.deadline_us),
            "status": self.status,
            "decided_at": None if self.decided_at_us is None else iso(self.decided_at_us),
            "decided_by": self.decided_by,
            "reasons": self.reasons,
        }


@dataclass(frozen=True, slots=True)
class Statement:
    """The person's own words on their file, and when and by whom they were set."""

    subject: str
    text: str
    at_us: int
    by: str

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "text": self.text, "at": iso(self.at_us), "by": self.by}


def _review(r: Any) -> Review:
    return Review(
        int(r.review_id),
        r.subject,
        r.kind,
        r.about,
        None if r.score is None else int(r.score),
        r.point_of_view,
        int(r.requested_at_us),
        r.requested_by,
        int(r.deadline_us),
        r.status,
        None if r.decided_at_us is None else int(r.decided_at_us),
        r.decided_by,
        r.reasons,
    )


def _get(conn: Connection, review_id: int) -> Review | None:
    row = conn.execute(select(reviews).where(reviews.c.review_id == review_id)).first()
    return None if row is None else _review(row)


class SqlReviewStore:
    """Human review requests on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def request(
        self,
        subject: str,
        kind: str,
        about: str,
        point_of_view: str,
        *,
        score: int | None,
        now_us: int,
        deadline_us: int,
        actor: str,
    ) -> Review:
        """Queue a review; an unknown or erased subject is refused."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tag = _tag(conn, subject)
            pk = conn.execute(
                reviews.insert().values(
                    subject=subject,
                    kind=kind,
                    about=about,
                    score=score,
                    point_of_view=point_of_view,
                    requested_at_us=now_us,
                    requested_by=actor,
                    deadline_us=deadline_us,
                    status="open",
                )
            ).inserted_primary_key
            assert pk is not None
            rid = int(pk[0])
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                action="review.request",
                tag=tag,
                details={"review": rid, "kind": kind, "about": about, "deadline": iso(deadline_us)},
            )
            got = _get(conn, rid)
        assert got is not None
        return got

    def decide(
        self,
        review_id: int,
        outcome: str,
        reasons: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Review], None],
    ) -> Review:
        """Record the reviewer's outcome and reasons; ``check`` may refuse by raising."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            r = _get(conn, review_id)
            if r is None:
                raise NotFoundError(f"review_id: review {review_id} does not exist [exists]")
            check(r)
            conn.execute(
                update(reviews)
                .where(reviews.c.review_id == review_id)
                .values(status=outcome, decided_at_us=now_us, decided_by=actor, reasons=reasons)
            )
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                action="review.decide",
                tag=_tag(conn, r.subject),
                details={
                    "review": review_id,
                    "outcome": outcome,
                    "late": now_us > r.deadline_us,
                },
            )
            got = _get(conn, review_id)
        assert got is not None
        return got

    def get(self, review_id: int) -> Review | None:
        with self._engine.connect() as conn:
            return _get(conn, review_id)

    def find(self, *, subject: str | None = None, status: str | None = None) -> list[Review]:
        """Reviews, the one due soonest first (the operator's queue order)."""
        stmt = select(reviews).order_by(reviews.c.deadline_us, reviews.c.review_id)
        if subject is not None:
            stmt = stmt.where(reviews.c.subject == subject)
        if status is not None:
            stmt = stmt.where(reviews.c.status == status)
        with self._engine.connect() as conn:
            return [_review(r) for r in conn.execute(stmt).all()]


class SqlStatementStore:
    """The person's own statement, one per subject, on either database."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def set(self, subject: str, text: str, *, now_us: int, actor: str) -> Statement:
        """Set (or replace) the subject's statement; an unknown subject is refused."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tag = _tag(conn, subject)
            had = conn.execute(delete(statements).where(statements.c.subject == subject))
            conn.execute(
                statements.insert().values(subject=subject, text=text, at_us=now_us, by=actor)
            )
            append_audit(
                conn,
                at_us=now_us,
                actor=actor,
                action="statement.set",
                tag=tag,
                details={"replaced": bool(had.rowcount), "words": len(text.split())},
            )
        return Statement(subject, text, now_us, actor)

    def remove(self, subject: str, *, now_us: int, actor: str) -> bool:
        """Withdraw the statement; False when there was none (nothing is audited then)."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tag = _tag(conn, subject)
            n = conn.execute(delete(statements).where(statements.c.subject == subject)).rowcount
            if n:
                append_audit(
                    conn, at_us=now_us, actor=actor, action="statement.remove", tag=tag, details={}
                )
        return bool(n)

    def get(self, subject: str) -> Statement | None:
        with self._engine.connect() as conn:
            r = conn.execute(select(statements).where(statements.c.subject == subject)).first()
        return None if r is None else Statement(r.subject, r.text, int(r.at_us), r.by)
