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
        keys: Sequence[tuple[str, str]],
        at_us: int,
        *,
        actor: str,
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Hold these events, each named by (source, event_id), under ``ref`` from
        ``at_us`` on; returns the holds added.

        Ids are per source, so a hold names the source too: holding one source's event
        never holds another source's event with the same id. Events already held under
        ``ref`` are not held twice (idempotent); unknown events are skipped. An audit row
        (``hold``, with ``details``) records what was added.
        """
        ex = event_exclusions
        added = 0
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tracker = StateTracker(conn)
            tracker.remove(ex, ex.c.ref == ref)
            held = {
                (str(s), str(e))
                for s, e in conn.execute(select(ex.c.source, ex.c.event_id).where(ex.c.ref == ref))
            }
            todo = sorted({k for k in keys if k not in held})
            wanted = set(todo)
            found = [
                [
                    (src, e, s)
                    for src, e, s in conn.execute(
                        select(events.c.source, events.c.event_id, events.c.subject).where(
                            events.c.event_id.in_({e for _, e in todo[i : i + _CHUNK]}),
                            events.c.source.in_({s for s, _ in todo[i : i + _CHUNK]}),
                        )
                    ).all()
                    if (src, e) in wanted
                ]
                for i in range(0, len(todo), _CHUNK)
            ]
            # never at a stored score's instant: that score must still reproduce
            at_us = after_scored(conn, {s for owners in found for _, _, s in owners}, at_us)
            for owners in found:
                rows = [
                    {
                        "event_id": e,
                        "source": src,
                        "subject": s,
                        "from_us": at_us,
                        "until_us": None,
                        "reason": HOLD_REASON,
                        "ref": ref,
                    }
                    for src, e, s in owners
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

    def open_holds(self, ref: str) -> list[tuple[str, str]]:
        """(source, event_id) of the events ``ref`` holds now (open periods), sorted."""
        ex = event_exclusions
        with self._engine.connect() as conn:
            return sorted(
                (str(s), str(e))
                for s, e in conn.execute(
                    select(ex.c.source, ex.c.event_id).where(
                        ex.c.ref == ref, ex.c.reason == HOLD_REASON, ex.c.until_us.is_(None)
                    )
                )
            )
