"""Steps inside a dispute: the person's new information (the 15-day extension, FCRA
611(a)(1)(B)) and the source's answer (FCRA 623(b)), both shown in the export."""

from __future__ import annotations

from glasscredit.app._context import Context
from glasscredit.app._rights import DisputeView
from glasscredit.exceptions import NotFoundError
from glasscredit.rights import add_information as _add_information
from glasscredit.rights import respond_to_dispute as _respond_to_dispute

__all__ = ["add_dispute_information", "respond_to_dispute"]


def add_dispute_information(
    ctx: Context,
    dispute_id: int,
    information: str,
    *,
    subject: str | None = None,
    actor: str = "subject",
) -> DisputeView:
    """The person brings new information: the deadline moves by the policy's extension
    (15 days by default, FCRA 611(a)(1)(B)), once. ``subject``: the caller's own id when
    a subject calls (their own disputes only)."""
    if subject is not None:
        found = ctx.ledger.disputes.get(dispute_id)
        if found is None or found.subject != subject:
            raise NotFoundError(f"dispute_id: {subject!r} has no dispute {dispute_id} [exists]")
    d = _add_information(ctx.ledger, dispute_id, information, now_us=ctx.now(), actor=actor)
    return DisputeView.model_validate(d.as_dict())


def respond_to_dispute(
    ctx: Context, dispute_id: int, source: str, response: str, *, actor: str = "operator"
) -> DisputeView:
    """What the dispute's source found when it investigated (FCRA 623(b))."""
    d = _respond_to_dispute(ctx.ledger, dispute_id, source, response, now_us=ctx.now(), actor=actor)
    return DisputeView.model_validate(d.as_dict())
