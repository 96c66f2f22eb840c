"""The scored person's second-round rights: human review of a decision, own statement.

A review stays in the operator's queue until a person decides it; the queue is read
with the clock, so each request says how long is left and whether it is overdue.
"""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import NotFoundError
from glasscredit.rights import decide_review as _decide_review
from glasscredit.rights import list_reviews as _list_reviews
from glasscredit.rights import remove_statement as _remove_statement
from glasscredit.rights import request_review as _request_review
from glasscredit.rights import set_statement as _set_statement
from glasscredit.rights import statement_of
from glasscredit.store import Review

__all__ = [
    "PersonStatement",
    "ReviewList",
    "ReviewView",
    "StatementRemoved",
    "decide_review",
    "get_statement",
    "list_reviews",
    "person_statement",
    "remove_statement",
    "request_review",
    "set_statement",
]


class ReviewView(AppModel):
    """A request for a person to review a decision, and the answer with its reasons."""

    review_id: int
    subject: str
    kind: str
    about: str
    score: int | None
    point_of_view: str
    requested_at: str
    requested_by: str
    deadline: str
    status: str
    decided_at: str | None
    decided_by: str | None
    reasons: str | None
    overdue: bool


class ReviewList(AppModel):
    reviews: list[ReviewView]


class PersonStatement(AppModel):
    """The person's own words, delivered beside their score; never part of it."""

    text: str
    at: str
    by: str


class StatementRemoved(AppModel):
    subject: str
    removed: bool


def _view(r: Review, now_us: int) -> ReviewView:
    late = (r.decided_at_us if r.decided_at_us is not None else now_us) > r.deadline_us
    return ReviewView.model_validate({**r.as_dict(), "overdue": late})


def request_review(
    ctx: Context, subject: str, kind: str, about: str, point_of_view: str, *, actor: str = "subject"
) -> ReviewView:
    """Ask that a person review a tier, a perk refusal or a partner's decision."""
    now = ctx.now()
    r = _request_review(ctx.ledger, subject, kind, about, point_of_view, now_us=now, actor=actor)
    return _view(r, now)


def decide_review(
    ctx: Context, review_id: int, outcome: str, reasons: str, *, actor: str = "operator"
) -> ReviewView:
    """A person's decision on a review (``confirmed`` or ``changed``) and the reasons."""
    now = ctx.now()
    r = _decide_review(ctx.ledger, review_id, outcome, reasons, now_us=now, actor=actor)
    return _view(r, now)


def list_reviews(
    ctx: Context, *, subject: str | None = None, status: str | None = None
) -> ReviewList:
    """Reviews, soonest deadline first; ``overdue`` is read against the clock."""
    now = ctx.now()
    rows = _list_reviews(ctx.ledger, subject=subject, status=status)
    return ReviewList(reviews=[_view(r, now) for r in rows])


def set_statement(
    ctx: Context, subject: str, text: str, *, actor: str = "subject"
) -> PersonStatement:
    """Attach (or replace) the subject's own statement (100 words, 700 characters)."""
    st = _set_statement(ctx.ledger, subject, text, now_us=ctx.now(), actor=actor)
    return PersonStatement(text=st.text, at=st.as_dict()["at"], by=st.by)


def remove_statement(ctx: Context, subject: str, *, actor: str = "subject") -> StatementRemoved:
    """Withdraw the subject's statement."""
    done = _remove_statement(ctx.ledger, subject, now_us=ctx.now(), actor=actor)
    return StatementRemoved(subject=subject, removed=done)


def person_statement(ctx: Context, subject: str) -> PersonStatement | None:
    """The subject's statement, or None: what every score read carries beside the score."""
    st = statement_of(ctx.ledger, subject)
    return None if st is None else PersonStatement(text=st.text, at=st.as_dict()["at"], by=st.by)


def get_statement(ctx: Context, subject: str) -> PersonStatement:
    """The subject's statement (``NotFoundError`` when they have none)."""
    st = person_statement(ctx, subject)
    if st is None:
        raise NotFoundError(f"subject: {subject!r} has no statement [exists]")
    return st
