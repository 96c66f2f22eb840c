"""The scoring worker: scores follow events, without anyone running ``score``.

The worker follows the ledger's sequence (:class:`~glasscredit.store.EventFeed`): each
step takes the subjects of the events after its position and scores, as of now, those
whose last stored score has not seen their newest event (the scoring cursor, written
with the score). Its start (position ``None``) is the durable truth instead: every
subject the cursor says is stale. So a restart misses nothing, and an event is never
the reason for two scores. Trust and report snapshots are not recomputed here.
"""

from __future__ import annotations

import logging
import threading

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._scoring import score

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
        if not behind:
            stop.wait(interval_s)
