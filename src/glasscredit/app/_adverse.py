"""Adverse-action notices (FCRA 615): a partner records its action; the person reads why."""

from __future__ import annotations

from glasscredit.app._access import Principal
from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import AccessDeniedError, FieldError, ValidationError
from glasscredit.rights import adverse_notices as _adverse_notices
from glasscredit.rights import notice_rights
from glasscredit.rights import record_adverse_action as _record_adverse_action
from glasscredit.store import AdverseAction

__all__ = [
    "AdverseFactor",
    "AdverseNotice",
    "AdverseNotices",
    "adverse_action_by",
    "adverse_notices",
    "record_adverse_action",
]


class AdverseFactor(AppModel):
    """A key factor that lowered the score: its code, plain words, points lost."""

    code: str
    text: str
    points_below_max: int
    advice: str = ""  # what would raise it (notices recorded before this carry none)


class AdverseNotice(AppModel):
    """What the person is told when a partner acted against them on the score."""

    notice_id: int
    subject: str
    source: str
    action: str
    at: str
    by: str
    score_id: int
    score: int
    score_range: tuple[int, int]
    scored_as_of: str
    factors: list[AdverseFactor]
    rights: list[str]


class AdverseNotices(AppModel):
    notices: list[AdverseNotice]


def _notice(ctx: Context, a: AdverseAction) -> AdverseNotice:
    rights = notice_rights(ctx.ledger, a.subject, a.source)
    return AdverseNotice.model_validate({**a.as_dict(), "rights": rights})


def record_adverse_action(
    ctx: Context, subject: str, source: str, action: str, *, actor: str = "operator"
) -> AdverseNotice:
    """Record that ``source`` ``declined`` or ``priced`` the subject on their score."""
    a = _record_adverse_action(
        ctx.ledger, subject, source, action, now_us=ctx.now(), actor=actor, scorer=ctx.scorer
    )
    return _notice(ctx, a)


def adverse_notices(ctx: Context, subject: str) -> AdverseNotices:
    """The adverse-action notices the subject received, oldest first."""
    return AdverseNotices(notices=[_notice(ctx, a) for a in _adverse_notices(ctx.ledger, subject)])


def adverse_action_by(
    ctx: Context, who: Principal, subject: str, action: str, *, source: str | None = None
) -> AdverseNotice:
    """:func:`record_adverse_action` for a caller: a source records only its own actions."""
    acting = source or who.source
    if who.role == "source" and acting != who.source:
        raise AccessDeniedError(
            f"source: a {who.source!r} key records only {who.source!r}'s actions [own_source]"
        )
    if acting is None:
        raise ValidationError([FieldError("source", "required", "name the partner that acted")])
    return record_adverse_action(ctx, subject, acting, action, actor=who.name)
