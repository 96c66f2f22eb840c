"""Source probation use cases: place a source on probation, release it, list them.

A probation is the operator's decision (stored and audited, ``store.ProbationStore``):
the source's positive events about the subjects it alone vouches for count only once
the ledger has known them for ``settings.sources.seasoning`` (``sources._probation``).
Placing one holds at once what it covers; each later routine scan holds what arrived.
"""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context, parse_time
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.sources import apply_probations, source_settings
from glasscredit.store import Probation, check_actor

__all__ = [
    "ProbationChange",
    "ProbationList",
    "ProbationView",
    "place_probation",
    "probation_view",
    "probations",
    "release_probation",
]

MAX_REASON = 1_000


class ProbationView(AppModel):
    """One probation: the source, from when until when, why, and what it holds now."""

    probation_id: int
    source: str
    since: str
    until: str | None
    seasoning_days: float
    flags: list[str]
    reason: str
    placed_by: str
    placed_at: str
    released_by: str | None
    subjects_held: int
    events_held: int


class ProbationList(AppModel):
    probations: list[ProbationView]


class ProbationChange(AppModel):
    """A probation placed or released, and the holds that changed with it."""

    probation: ProbationView
    held: int  # events held by placing it (its covered events so far)
    closed: int  # holds closed by releasing it


def probation_view(ctx: Context, p: Probation, at_us: int) -> ProbationView:
    d = p.as_dict()
    held = ctx.ledger.probations.held_by(p, at_us)
    return ProbationView(
        probation_id=p.probation_id,
        source=p.source,
        since=d["from"],
        until=d["until"],
        seasoning_days=d["seasoning_days"],
        flags=p.flags,
        reason=p.reason,
        placed_by=p.placed_by,
        placed_at=d["placed_at"],
        released_by=p.released_by,
        subjects_held=len(held),
        events_held=sum(held.values()),
    )


def place_probation(
    ctx: Context,
    source: str,
    *,
    reason: str,
    since: str | None = None,
    actor: str = "operator",
) -> ProbationChange:
    """Put ``source`` on probation from ``since`` (RFC 3339 on the ledger's clock,
    default now) and hold at once the events it covers (``sources._probation``).

    Refused, by field and rule: an undeclared source (``source``, ``unknown_source``), an
    empty or overlong reason (``reason``, ``length``), a start in the future (``since``,
    ``future``); a source already on probation is a conflict.
    """
    check_actor(actor)
    now = ctx.now()
    start = now if since is None else parse_time(since, "since")
    errors = []
    if source not in ctx.policy.sources:
        errors.append(FieldError("source", "unknown_source", f"{source!r} is not declared"))
    if not reason.strip() or len(reason) > MAX_REASON:
        errors.append(FieldError("reason", "length", f"must be 1 to {MAX_REASON} characters"))
    if start > now:
        errors.append(FieldError("since", "future", "a probation starts now or earlier"))
    if errors:
        raise ValidationError(errors)
    settings = source_settings(ctx.policy)
    p = ctx.ledger.probations.place(
        source,
        from_us=start,
        seasoning_us=settings.seasoning_us,
        flags=[],
        reason=reason,
        actor=actor,
        at_us=now,
    )
    held = apply_probations(ctx.ledger, now, actor=actor).held
    return ProbationChange(probation=probation_view(ctx, p, now), held=held, closed=0)


def release_probation(ctx: Context, source: str, *, actor: str = "operator") -> ProbationChange:
    """End ``source``'s probation now: the events it holds count from now on (a source
    not on probation is not found)."""
    check_actor(actor)
    now = ctx.now()
    p, closed = ctx.ledger.probations.release(source, now, actor=actor)
    return ProbationChange(probation=probation_view(ctx, p, now), held=0, closed=closed)


def probations(ctx: Context) -> ProbationList:
    """Every probation, oldest first, with what each holds now."""
    now = ctx.now()
    return ProbationList(
        probations=[probation_view(ctx, p, now) for p in ctx.ledger.probations.all()]
    )
