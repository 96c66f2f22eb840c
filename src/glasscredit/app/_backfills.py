"""Approved backfills: the operator lets one source load its history, attesting from when
it knew the facts; events outside what was approved are refused by name at ingest."""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context, parse_time
from glasscredit.store import Backfill, check_actor, check_backfill

__all__ = ["BackfillList", "BackfillView", "approve_backfill", "backfills"]


class BackfillView(AppModel):
    """One approved backfill: which source, which dates, known from when, who and why."""

    backfill_id: int
    source: str
    occurred_from: str
    occurred_to: str
    known_from: str
    approved_by: str
    approved_at: str
    reason: str


class BackfillList(AppModel):
    backfills: list[BackfillView]


def _view(b: Backfill) -> BackfillView:
    return BackfillView.model_validate(b.as_dict())


def approve_backfill(
    ctx: Context,
    *,
    source: str,
    occurred_from: str,
    occurred_to: str,
    known_from: str,
    approved_by: str,
    reason: str,
) -> BackfillView:
    """Approve a backfill (stored and audited): ``source`` may load events dated from
    ``occurred_from`` to ``occurred_to`` (RFC 3339, inclusive), each known from
    ``max(occurred_at, known_from)``, the date from which the operator attests the
    source knew the facts."""
    check_actor(approved_by)
    lo = parse_time(occurred_from, "occurred_from")
    hi = parse_time(occurred_to, "occurred_to")
    known = parse_time(known_from, "known_from")
    now = ctx.now()
    check_backfill(source, set(ctx.policy.sources), lo, hi, known, now, reason)
    return _view(
        ctx.ledger.backfills.approve(
            source=source,
            occurred_from_us=lo,
            occurred_to_us=hi,
            known_from_us=known,
            approved_by=approved_by,
            reason=reason,
            at_us=now,
        )
    )


def backfills(ctx: Context) -> BackfillList:
    """Every approved backfill, oldest first."""
    return BackfillList(backfills=[_view(b) for b in ctx.ledger.backfills.all()])
