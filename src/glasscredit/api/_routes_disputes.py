"""Disputes across subjects: list (scoped to the caller), resolve, expire, statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from glasscredit import app as uc
from glasscredit.api._deps import CallerDep
from glasscredit.api._routing import route, rule
from glasscredit.api._schemas import ResolveIn

__all__ = ["router"]

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])


@route(router, "GET", "", rule("operator", "auditor", "source", "subject"))
def list_disputes(
    caller: CallerDep,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["open", "upheld", "removed", "corrected"] | None = None,
) -> uc.DisputeList:
    """Disputes: a source sees those on its events (with its notices), a subject their own."""
    return uc.disputes_for(caller.ctx, caller.who, subject=subject, source=source, status=status)


@route(router, "GET", "/stats", rule("operator", "auditor"))
def dispute_stats(caller: CallerDep) -> uc.DisputeStats:
    """Dispute and overturn rates per source."""
    return uc.dispute_stats(caller.ctx)


@route(router, "POST", "/expiry", rule("operator"))
def expire(caller: CallerDep) -> uc.ExpiredDisputes:
    """Resolve every dispute past its deadline in the subject's favour."""
    return uc.expire_disputes(caller.ctx)


@route(router, "POST", "/{dispute_id}/resolution", rule("operator"))
def resolve(
    dispute_id: Annotated[int, Path(ge=1, le=2**62)], body: ResolveIn, caller: CallerDep
) -> uc.DisputeOutcome:
    """Resolve a dispute: ``upheld`` (the event counts again) or ``removed``."""
    return uc.resolve_dispute(
        caller.ctx, dispute_id, body.outcome, actor=caller.who.name, reasons=body.reasons
    )
