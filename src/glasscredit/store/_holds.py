"""Holds: events kept out of scoring until an operator reviews them, audited both ways.

A hold is an ``event_exclusions`` row per held event (reason ``burst_hold``, ``ref`` the
burst's id, open-ended): the kernel stops counting the event from ``from_us`` on.
Releasing closes those periods (``until_us`` = the review time), so the events count
again from then on and past scores still reproduce. Holding and releasing each append
an audit row to the chain in the same transaction: what changed what scores count is
on the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, and_, select, update

from glasscredit.exceptions import NotFoundError
from glasscredit.store._audit import append_audit
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._scores import after_scored
from glasscredit.store._tables import event_exclusions, events

__all__ = ["HOLD_REASON", "SqlHoldStore"]

HOLD_REASON = "burst_hold"
_CHUNK = 5_000


class SqlHoldStore:
    """Holds on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def hold(
        self,
        ref: str,
        event_ids: Sequence[str],
        at_us: int,
        *,
        actor: str,
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Hold these events under ``ref`` from ``at_us`` on; returns the holds added.

        Events already held under ``ref`` are not held twice (idempotent); unknown ids
        are skipped. An audit row (``hold``, with ``details``) records what was added.
        """
        ex = event_exclusions
        added = 0
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tracker = StateTracker(conn)
            tracker.remove(ex, ex.c.ref == ref)
            held = set(conn.execute(select(ex.c.event_id).where(ex.c.ref == ref)).scalars())
            todo = [e for e in event_ids if e not in held]
            found = [
                conn.execute(
                    select(events.c.event_id, events.c.subject).where(
                        events.c.event_id.in_(todo[i : i + _CHUNK])
                    )
                ).all()
                for i in range(0, len(todo), _CHUNK)
            ]
            # never at a stored score's instant: that score must still reproduce
            at_us = after_scored(conn, {s for owners in found for _, s in owners}, at_us)
            for owners in found:
                rows = [
                    {
                        "event_id": e,
                        "subject": s,
                        "from_us": at_us,
                        "until_us": None,
                        "reason": HOLD_REASON,
                        "ref": ref,
                    }
                    for e, s in owners
                ]
                if rows:
                    conn.execute(ex.insert(), rows)
                    added += len(rows)
            if added:
                tracker.add(ex, ex.c.ref == ref)
                append_audit(
                    conn,
                    at_us=at_us,
                    actor=actor,
                    tracker=tracker,
                    action="hold",
                    details={**(details or {}), "ref": ref, "events": added},
                )
        return added

    def release(self, ref: str, at_us: int, *, actor: str) -> int:
        """Close the open holds of ``ref`` at ``at_us`` (audited); how many were closed."""
        ex = event_exclusions
        open_hold = and_(ex.c.ref == ref, ex.c.reason == HOLD_REASON, ex.c.until_us.is_(None))
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tracker = StateTracker(conn)
            tracker.remove(ex, ex.c.ref == ref)
            held = set(conn.execute(select(ex.c.subject).where(open_hold)).scalars())
            at_us = after_scored(conn, held, at_us)  # never at a stored score's instant
            n = conn.execute(update(ex).where(open_hold).values(until_us=at_us))
            count = int(n.rowcount or 0)
            if count:
                tracker.add(ex, ex.c.ref == ref)
                append_audit(
                    conn,
                    at_us=at_us,
                    actor=actor,
                    tracker=tracker,
                    action="release",
                    details={"ref": ref, "events": count},
                )
        if count == 0:
            raise NotFoundError(f"no open hold with ref {ref!r}")
        return count

    def open_holds(self, ref: str) -> list[str]:
        """Ids of the events ``ref`` holds now (open periods), sorted."""
        ex = event_exclusions
        with self._engine.connect() as conn:
            return sorted(
                conn.execute(
                    select(ex.c.event_id).where(
                        ex.c.ref == ref, ex.c.reason == HOLD_REASON, ex.c.until_us.is_(None)
                    )
                ).scalars()
            )
