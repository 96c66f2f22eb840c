"""One subject's file: score, explanation, what-if, next tier, history, events, export,
who looked, reports, disputes and erasure. A subject reaches only their own; a source
reads with a permissible purpose; every other reader's read is recorded."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from glasscredit import app as uc
from glasscredit.api._deps import BearerDep, CallerDep, PurposeQuery, read_stored_score
from glasscredit.api._routing import quick_route, route, rule
from glasscredit.api._schemas import DisputeIn, ScoreIn, WhatIfIn
from glasscredit.app import Role

__all__ = ["router"]

router = APIRouter(prefix="/v1/subjects/{subject}", tags=["subjects"])
Subject = Annotated[str, Path(min_length=1, max_length=64)]
AsOf = Annotated[str | None, Query(description="RFC 3339; now when absent", max_length=40)]
ALL: tuple[Role, ...] = ("operator", "auditor", "source", "subject")
NO_SOURCE: tuple[Role, ...] = ("operator", "auditor", "subject")


def _as_of(text: str | None) -> int | None:
    return None if text is None else uc.parse_time(text)


@quick_route(
    router,
    "GET",
    "/score",
    rule(*ALL, subject_file=True, reads="score"),
    response_model=uc.StoredScore,
)
async def get_score(
    subject: Subject, request: Request, cred: BearerDep, purpose: PurposeQuery = None
) -> Response:
    """The subject's latest stored score (with what it rests on)."""
    return await read_stored_score(request, subject, cred, purpose)


@route(router, "POST", "/score", rule("operator", subject_file=True))
def post_score(subject: Subject, body: ScoreIn, caller: CallerDep) -> uc.StoredScore:
    """Score the subject as of a time (now by default) and store it."""
    return uc.score_subject(caller.ctx, subject, as_of_us=_as_of(body.as_of))


@route(router, "GET", "/explanation", rule(*ALL, subject_file=True, reads="explanation"))
def get_explanation(subject: Subject, caller: CallerDep, as_of: AsOf = None) -> uc.Explanation:
    """The score as of a time decomposed exactly, with the events behind each feature."""
    return caller.read(uc.explain, subject, as_of_us=_as_of(as_of))


@route(router, "POST", "/what-if", rule(*NO_SOURCE, subject_file=True, reads="what_if"))
def post_what_if(subject: Subject, body: WhatIfIn, caller: CallerDep) -> uc.WhatIf:
    """The score under hypothetical feature values and the policy's actions."""
    return caller.read(
        uc.what_if,
        subject,
        as_of_us=_as_of(body.as_of),
        set_values=body.set,
        actions=body.actions,
        horizon=body.horizon,
    )


@route(router, "GET", "/next-tier", rule(*NO_SOURCE, subject_file=True, reads="next_tier"))
def get_next_tier(subject: Subject, caller: CallerDep, as_of: AsOf = None) -> uc.NextTier:
    """The smallest realistic changes that reach the next tier."""
    return caller.read(uc.next_tier, subject, as_of_us=_as_of(as_of))


@route(router, "GET", "/history", rule(*ALL, subject_file=True, reads="history"))
def get_history(subject: Subject, caller: CallerDep) -> uc.ScoreHistory:
    """Every stored score and the change notices between them."""
    return caller.read(uc.history, subject)


@route(router, "GET", "/events", rule(*ALL, subject_file=True, reads="events"))
def get_events(subject: Subject, caller: CallerDep) -> uc.EventList:
    """Every event recorded about the subject."""
    return caller.read(uc.events_of, subject)


@route(router, "GET", "/export", rule(*NO_SOURCE, subject_file=True, reads="export"))
def get_export(subject: Subject, caller: CallerDep) -> uc.SubjectFile:
    """The access export (verifiable offline) and who read the file."""
    return caller.read(uc.export_file, subject)


@route(router, "GET", "/inquiries", rule(*NO_SOURCE, subject_file=True))
def get_inquiries(subject: Subject, caller: CallerDep) -> uc.Inquiries:
    """Who read the subject's score or file: when, with which purpose, what."""
    return uc.inquiries(caller.ctx, subject)


@route(router, "GET", "/reports", rule(*NO_SOURCE, subject_file=True, reads="reports"))
def get_reports(subject: Subject, caller: CallerDep, as_of: AsOf = None) -> uc.ReportsExplanation:
    """The misconduct reports about the subject and how each was weighed."""
    return caller.read(uc.explain_reports, subject, as_of_us=_as_of(as_of))


@route(router, "POST", "/disputes", rule("subject", "operator", subject_file=True), status_code=201)
def post_dispute(subject: Subject, body: DisputeIn, caller: CallerDep) -> uc.DisputeOutcome:
    """Open a dispute on one of the subject's events: it stops counting while open."""
    return uc.open_dispute(
        caller.ctx,
        subject,
        body.event_id,
        body.reason,
        actor=caller.who.name,
        source=body.source,
        correct=None if body.correct is None else (body.correct.attribute, body.correct.value),
    )


@route(router, "DELETE", "", rule("operator", subject_file=True))
def delete_subject(subject: Subject, caller: CallerDep) -> uc.Erasure:
    """Erase the subject (the fact of the erasure stays, keyed by a hash)."""
    return uc.erase_subject_file(caller.ctx, subject, actor=caller.who.name)
