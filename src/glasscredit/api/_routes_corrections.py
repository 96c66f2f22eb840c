"""Corrections over HTTP (GDPR Art. 16): the record's source confirms or refuses the
correction a person asked for (``POST /v1/subjects/{subject}/disputes`` with
``correct``); a source's key answers for its own records only. A subject reads their
own corrections."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from glasscredit import app as uc
from glasscredit.api._deps import CallerDep
from glasscredit.api._routing import route, rule

__all__ = ["disputes_router", "subject_router"]

subject_router = APIRouter(prefix="/v1/subjects/{subject}", tags=["subjects"])
disputes_router = APIRouter(prefix="/v1/disputes", tags=["disputes"])
DisputeId = Annotated[int, Path(ge=1, le=2**62)]
Subject = Annotated[str, Path(min_length=1, max_length=64)]


class AnswerIn(BaseModel):
    """The source's answer: ``confirmed`` (reasons optional) or ``refused`` (reasons
    required: the person reads them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: Literal["confirmed", "refused"]
    reasons: str | None = Field(default=None, min_length=1, max_length=2000)
    source: str | None = Field(
        default=None, min_length=1, max_length=64, description="the operator names the source"
    )


@route(disputes_router, "POST", "/{dispute_id}/correction", rule("operator", "source"))
def post_answer(dispute_id: DisputeId, body: AnswerIn, caller: CallerDep) -> uc.CorrectionAnswer:
    """The record's source confirms the correction (the corrected version counts from
    now on) or refuses it, saying why (the dispute stays open)."""
    source = (caller.who.source if caller.who.role == "source" else body.source) or ""
    if body.answer == "confirmed":
        return uc.confirm_correction(
            caller.ctx, dispute_id, source, actor=caller.who.name, reasons=body.reasons
        )
    return uc.refuse_correction(
        caller.ctx, dispute_id, source, body.reasons or "", actor=caller.who.name
    )


@route(
    subject_router, "GET", "/corrections", rule("subject", "operator", "auditor", subject_file=True)
)
def get_corrections(subject: Subject, caller: CallerDep) -> uc.CorrectionList:
    """The corrections the subject asked for, each in plain words."""
    return uc.list_corrections(caller.ctx, subject)
