"""The scored person's second-round rights over HTTP: a person's review of a decision,
the person's own statement, and adverse-action notices. A subject reaches only their own file."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from glasscredit import app as uc
from glasscredit.api._deps import CallerDep
from glasscredit.api._routing import route, rule

__all__ = ["disputes_router", "reviews_router", "subject_router"]

subject_router = APIRouter(prefix="/v1/subjects/{subject}", tags=["subjects"])
reviews_router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
disputes_router = APIRouter(prefix="/v1/disputes", tags=["disputes"])
DisputeId = Annotated[int, Path(ge=1, le=2**62)]
Subject = Annotated[str, Path(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewIn(_In):
    kind: Literal["tier", "perk", "partner"]
    about: str = Field(min_length=1, max_length=128)
    point_of_view: str = Field(min_length=1, max_length=2000)


class DecisionIn(_In):
    outcome: Literal["confirmed", "changed"]
    reasons: str = Field(min_length=1, max_length=2000)


class InformationIn(_In):
    information: str = Field(min_length=1, max_length=2000)


class ResponseIn(_In):
    response: str = Field(min_length=1, max_length=2000)
    source: str | None = Field(default=None, min_length=1, max_length=64)


class StatementIn(_In):
    text: str = Field(min_length=1, max_length=700)


@route(
    subject_router,
    "POST",
    "/reviews",
    rule("subject", "operator", subject_file=True),
    status_code=201,
)
def post_review(subject: Subject, body: ReviewIn, caller: CallerDep) -> uc.ReviewView:
    """Ask that a person review a tier, a perk refusal or a partner's decision."""
    return uc.request_review(
        caller.ctx, subject, body.kind, body.about, body.point_of_view, actor=caller.who.name
    )


@route(subject_router, "PUT", "/statement", rule("subject", "operator", subject_file=True))
def put_statement(subject: Subject, body: StatementIn, caller: CallerDep) -> uc.PersonStatement:
    """Attach (or replace) the subject's own statement, sent with every score read."""
    return uc.set_statement(caller.ctx, subject, body.text, actor=caller.who.name)


@route(subject_router, "DELETE", "/statement", rule("subject", "operator", subject_file=True))
def delete_statement(subject: Subject, caller: CallerDep) -> uc.StatementRemoved:
    """Withdraw the subject's statement."""
    return uc.remove_statement(caller.ctx, subject, actor=caller.who.name)


class AdverseIn(_In):
    action: Literal["declined", "priced"]
    source: str | None = Field(default=None, min_length=1, max_length=64)


@route(
    subject_router,
    "POST",
    "/adverse-actions",
    rule("operator", "source", subject_file=True),
    status_code=201,
)
def post_adverse(subject: Subject, body: AdverseIn, caller: CallerDep) -> uc.AdverseNotice:
    """A partner declined or priced the subject on their score: the notice they receive."""
    return uc.adverse_action_by(caller.ctx, caller.who, subject, body.action, source=body.source)


@route(
    subject_router,
    "GET",
    "/adverse-actions",
    rule("operator", "auditor", "subject", subject_file=True),
)
def get_adverse(subject: Subject, caller: CallerDep) -> uc.AdverseNotices:
    """The adverse-action notices the subject received, with their rights."""
    return uc.adverse_notices(caller.ctx, subject)


@route(reviews_router, "GET", "", rule("operator", "auditor"))
def list_reviews(
    caller: CallerDep, status: Literal["open", "confirmed", "changed"] | None = None
) -> uc.ReviewList:
    """The review queue, soonest deadline first; overdue ones are marked."""
    return uc.list_reviews(caller.ctx, status=status)


@route(reviews_router, "POST", "/{review_id}/decision", rule("operator"))
def decide(
    review_id: Annotated[int, Path(ge=1, le=2**62)], body: DecisionIn, caller: CallerDep
) -> uc.ReviewView:
    """A person's decision on a review, with reasons in plain words."""
    return uc.decide_review(
        caller.ctx, review_id, body.outcome, body.reasons, actor=caller.who.name
    )


@route(
    subject_router,
    "POST",
    "/disputes/{dispute_id}/information",
    rule("subject", "operator", subject_file=True),
)
def post_information(
    subject: Subject, dispute_id: DisputeId, body: InformationIn, caller: CallerDep
) -> uc.DisputeView:
    """The person brings new information: the deadline moves by 15 days, once."""
    return uc.add_dispute_information(
        caller.ctx, dispute_id, body.information, subject=subject, actor=caller.who.name
    )


@route(disputes_router, "POST", "/{dispute_id}/response", rule("operator", "source"))
def post_response(dispute_id: DisputeId, body: ResponseIn, caller: CallerDep) -> uc.DisputeView:
    """What the dispute's source found; a source's key answers for its own records only."""
    source = caller.who.source if caller.who.role == "source" else body.source
    return uc.respond_to_dispute(
        caller.ctx, dispute_id, source or "", body.response, actor=caller.who.name
    )
