"""Corrections (GDPR Art. 16): the person asks for one attribute of a record to be
corrected (``open_dispute(..., correct=...)``); the record's source confirms, and the
corrected version counts from then on, or refuses, saying why."""

from __future__ import annotations

from glasscredit.app._base import AppModel, JsonScalar
from glasscredit.app._context import Context
from glasscredit.app._rights import DisputeOutcome, DisputeView
from glasscredit.exceptions import NotFoundError
from glasscredit.rights import confirm_correction as _confirm
from glasscredit.rights import correction_text
from glasscredit.rights import refuse_correction as _refuse
from glasscredit.store import Correction, Dispute

__all__ = [
    "CorrectionAnswer",
    "CorrectionList",
    "CorrectionView",
    "confirm_correction",
    "list_corrections",
    "refuse_correction",
]


class CorrectionView(AppModel):
    """What a dispute asks to correct, what became of it, and in plain words."""

    dispute_id: int
    event_id: str
    source: str
    attribute: str
    old_value: JsonScalar
    new_value: JsonScalar
    status: str  # requested | confirmed | refused
    answered_at: str | None
    answered_by: str | None
    new_event_id: str | None
    text: str


class CorrectionAnswer(AppModel):
    """The source's answer: the dispute after it, the correction, and (confirmed) the
    score before and after with the change notice."""

    dispute: DisputeView
    correction: CorrectionView
    outcome: DisputeOutcome | None = None


class CorrectionList(AppModel):
    corrections: list[CorrectionView]


def correction_view(ctx: Context, d: Dispute, c: Correction) -> CorrectionView:
    return CorrectionView.model_validate(
        {**c.as_dict(), "text": correction_text(ctx.ledger.policy, d, c)}
    )


def confirm_correction(
    ctx: Context,
    dispute_id: int,
    source: str,
    *,
    actor: str = "operator",
    reasons: str | None = None,
) -> CorrectionAnswer:
    """``source`` confirms the correction its record needs: the corrected version counts
    from now on, the original stays in the ledger (past scores reproduce)."""
    res, c = _confirm(
        ctx.ledger, dispute_id, source, now_us=ctx.now(), actor=actor, reasons=reasons
    )
    return CorrectionAnswer(
        dispute=DisputeView.model_validate(res.dispute.as_dict()),
        correction=correction_view(ctx, res.dispute, c),
        outcome=DisputeOutcome.model_validate(res.as_dict()),
    )


def refuse_correction(
    ctx: Context, dispute_id: int, source: str, response: str, *, actor: str = "operator"
) -> CorrectionAnswer:
    """``source`` refuses the correction, saying why; the dispute stays open."""
    d, c = _refuse(ctx.ledger, dispute_id, source, response, now_us=ctx.now(), actor=actor)
    return CorrectionAnswer(
        dispute=DisputeView.model_validate(d.as_dict()), correction=correction_view(ctx, d, c)
    )


def list_corrections(ctx: Context, subject: str) -> CorrectionList:
    """``subject``'s corrections, in the order asked, each in plain words."""
    if not ctx.ledger.has_subject(subject):
        raise NotFoundError(f"subject: {subject!r} is not in the ledger [exists]")
    disputes = {d.dispute_id: d for d in ctx.ledger.disputes.find(subject=subject)}
    return CorrectionList(
        corrections=[
            correction_view(ctx, disputes[c.dispute_id], c)
            for c in ctx.ledger.corrections.of_subject(subject)
        ]
    )
