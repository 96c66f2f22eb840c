"""The scoring worker: scores follow events, without anyone running ``score``.

The worker follows the ledger's sequence (:class:`~glasscredit.store.EventFeed`): each
step takes the subjects of the events after its position and scores, as of now, those
whose last stored score has not seen their newest event (the scoring cursor, written
with the score). Its start (position ``None``) is the durable truth instead: every
subject the cursor says is stale. So a restart misses nothing, and an event is never
the reason for two scores. Trust and report snapshots are not recomputed here.

When webhooks are registered, the worker also delivers the outbox (at most once a
second): the notices its scores wrote leave with no separate sender to run. When the
policy sets a schedule (``settings.schedule.refresh_every``), it recomputes trust and
reports once the newest snapshot is that old, and rescores exactly the subjects they
moved (:func:`~glasscredit.app.refresh`), checking every half minute.
"""

from __future__ import annotations

import logging
import threading
import time

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._refresh import refresh
from glasscredit.app._schedule import refresh_due
from glasscredit.app._scoring import score
from glasscredit.app._webhooks import deliver_webhooks

__all__ = ["FollowStep", "follow", "follow_step"]

log = logging.getLogger(__name__)


class FollowStep(AppModel):
    """One step: the new position, and who was scored (and whose score changed)."""

    position: int
    subjects: list[str]
    changed: int


def follow_step(ctx: Context, position: int | None = None, *, limit: int = 100_000) -> FollowStep:
    """Score the subjects with events after ``position`` (``None``: the worker's start)."""
    feed = ctx.ledger.feed
    if position is None:
        new_position = feed.head()  # first: events after it are the next step's
        todo = ctx.ledger.scores.stale_subjects()
    else:
        candidates, new_position = feed.subjects_after(position, limit=limit)
        todo = feed.stale_among(candidates) if candidates else []
    if not todo:
        return FollowStep(position=new_position, subjects=[], changed=0)
    run = score(ctx, subjects=todo)
    return FollowStep(position=new_position, subjects=todo, changed=run.changed)


def follow(
    ctx: Context, stop: threading.Event, *, interval_s: float = 0.2, limit: int = 10_000
) -> None:
    """Step until ``stop`` is set: poll every ``interval_s``, at once while behind.

    A failed step is logged and retried from the same position after the interval.
    """
    position: int | None = None
    delivered_at = 0.0
    checked_at = -SCHEDULE_CHECK_S
    while not stop.is_set():
        try:
            step = follow_step(ctx, position, limit=limit)
        except Exception:  # the worker outlives a failed step; it is retried
            log.exception("scoring step failed at position %s", position)
            stop.wait(interval_s)
            continue
        behind = position is not None and step.position - position >= limit
        position = step.position
        if step.subjects:
            log.info(
                "scored %d subjects",
                len(step.subjects),
                extra={"position": position, "changed": step.changed},
            )
        if time.monotonic() - checked_at >= SCHEDULE_CHECK_S:
            checked_at = time.monotonic()
            _scheduled_refresh(ctx)
        if time.monotonic() - delivered_at >= DELIVER_EVERY_S:
            delivered_at = time.monotonic()
            _deliver(ctx)
        if not behind:
            stop.wait(interval_s)


DELIVER_EVERY_S = 1.0
SCHEDULE_CHECK_S = 30.0


def _scheduled_refresh(ctx: Context) -> None:
    """Recompute trust and reports when the schedule says so (a failure is logged and
    tried again at the next check)."""
    try:
        if refresh_due(ctx):
            done = refresh(ctx)
            log.info(
                "scheduled refresh",
                extra={"stored": done.run.stored, "changed": done.run.changed},
            )
    except Exception:  # the worker outlives a failed refresh
        log.exception("scheduled refresh failed")


def _deliver(ctx: Context) -> None:
    """One webhook step when any webhook is registered (a failure is logged, retried)."""
    try:
        if ctx.ledger.webhooks.active():
            run = deliver_webhooks(ctx)
            if run.enqueued or run.delivered or run.dead:
                log.info("webhooks", extra=run.as_json())
    except Exception:  # the worker outlives a failed delivery step
        log.exception("webhook delivery step failed")
