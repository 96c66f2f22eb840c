"""Holding flagged bursts out of scoring until an operator reviews them.

A hold is an ``event_exclusions`` row per held event (reason ``burst_hold``, ``ref``
the burst id, open-ended): the kernel stops counting the event from ``from_us`` on.
Releasing a burst after review closes those periods (``until_us`` = the review time),
so the events count again from then on and past scores still reproduce. Time is an
argument: the CLI passes ``ledger.clock()``.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import and_, select, update

from glasscredit.exceptions import NotFoundError
from glasscredit.store import Ledger
from glasscredit.store._tables import event_exclusions, events
from glasscredit.trust._bursts import Burst, detect_bursts
from glasscredit.trust._settings import burst_settings

__all__ = ["HOLD_REASON", "hold_bursts", "release_burst", "scan_bursts"]

HOLD_REASON = "burst_hold"
_CHUNK = 5_000


def scan_bursts(ledger: Ledger, since_us: int, until_us: int) -> list[Burst]:
    """Bursts among positive events that occurred in ``[since_us, until_us]``."""
    policy = ledger.policy
    positive = [t for t, s in policy.event_types.items() if s.polarity == "positive"]
    stmt = select(
        events.c.event_id, events.c.subject, events.c.source, events.c.type, events.c.occurred_at_us
    ).where(
        events.c.type.in_(positive),
        events.c.occurred_at_us >= since_us,
        events.c.occurred_at_us <= until_us,
        events.c.recorded_at_us <= until_us,
    )
    with ledger.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        orient="row",
        schema={
            "event_id": pl.String,
            "subject": pl.String,
            "source": pl.String,
            "type": pl.String,
            "occurred_at_us": pl.Int64,
        },
    )
    return detect_bursts(frame, policy, burst_settings(policy))


def hold_bursts(ledger: Ledger, bursts: list[Burst], at_us: int) -> int:
    """Hold every event of ``bursts`` from ``at_us`` on; returns the rows added.

    Events already held by the same burst are not held twice (idempotent).
    """
    added = 0
    with ledger.engine.begin() as conn:
        for burst in bursts:
            held = set(
                conn.execute(
                    select(event_exclusions.c.event_id).where(event_exclusions.c.ref == burst.ref)
                ).scalars()
            )
            todo = [e for e in burst.event_ids if e not in held]
            for i in range(0, len(todo), _CHUNK):
                part = todo[i : i + _CHUNK]
                owners = conn.execute(
                    select(events.c.event_id, events.c.subject).where(events.c.event_id.in_(part))
                ).all()
                rows = [
                    {
                        "event_id": e,
                        "subject": s,
                        "from_us": at_us,
                        "until_us": None,
                        "reason": HOLD_REASON,
                        "ref": burst.ref,
                    }
                    for e, s in owners
                ]
                if rows:
                    conn.execute(event_exclusions.insert(), rows)
                    added += len(rows)
    return added


def release_burst(ledger: Ledger, ref: str, at_us: int) -> int:
    """Close the open holds of burst ``ref`` at ``at_us``: its events count again."""
    open_hold = and_(
        event_exclusions.c.ref == ref,
        event_exclusions.c.reason == HOLD_REASON,
        event_exclusions.c.until_us.is_(None),
    )
    with ledger.engine.begin() as conn:
        n = conn.execute(update(event_exclusions).where(open_hold).values(until_us=at_us))
        count = int(n.rowcount or 0)
    if count == 0:
        raise NotFoundError(f"no open burst hold with ref {ref!r}")
    return count
