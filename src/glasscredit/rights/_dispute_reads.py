"""Reading disputes: lists, what each source has been told, and per-source rates.

The dispute rate (disputes over events reported) and the overturn rate (disputes
resolved against the source over disputes resolved) are what the trust of a reporter
is built from: a source whose records are often contested and often removed earns less
weight.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from glasscredit.rights._disputes import Dispute
from glasscredit.scoring._explain import iso
from glasscredit.store import Ledger
from glasscredit.store._tables import dispute_notices, disputes, events

__all__ = ["list_disputes", "source_notices", "source_stats"]


def list_disputes(
    ledger: Ledger,
    *,
    subject: str | None = None,
    source: str | None = None,
    status: str | None = None,
) -> list[Dispute]:
    """Disputes in the order they were opened, optionally filtered."""
    stmt = select(disputes).order_by(disputes.c.dispute_id)
    if subject is not None:
        stmt = stmt.where(disputes.c.subject == subject)
    if source is not None:
        stmt = stmt.where(disputes.c.source == source)
    if status is not None:
        stmt = stmt.where(disputes.c.status == status)
    with ledger.engine.connect() as conn:
        return [Dispute.from_row(r) for r in conn.execute(stmt).all()]


def source_notices(ledger: Ledger, source: str) -> list[dict[str, Any]]:
    """What ``source`` has been told: each dispute on its events opened and resolved."""
    stmt = (
        select(
            dispute_notices.c.dispute_id,
            dispute_notices.c.kind,
            dispute_notices.c.outcome,
            dispute_notices.c.at_us,
            disputes.c.event_id,
        )
        .join(disputes, disputes.c.dispute_id == dispute_notices.c.dispute_id)
        .where(dispute_notices.c.source == source)
        .order_by(dispute_notices.c.id)
    )
    with ledger.engine.connect() as conn:
        return [
            {
                "dispute_id": int(r.dispute_id),
                "kind": r.kind,
                "outcome": r.outcome,
                "at": iso(int(r.at_us)),
                "event_id": r.event_id,
            }
            for r in conn.execute(stmt).all()
        ]


def source_stats(ledger: Ledger) -> dict[str, dict[str, Any]]:
    """Per source: events, disputes, dispute rate, resolved, removed, overturn rate."""
    with ledger.engine.connect() as conn:
        n_events = {
            str(src): int(n)
            for src, n in conn.execute(
                select(events.c.source, func.count()).group_by(events.c.source)
            )
        }
        per = conn.execute(
            select(disputes.c.source, disputes.c.status, func.count()).group_by(
                disputes.c.source, disputes.c.status
            )
        ).all()
    counts: dict[str, dict[str, int]] = {}
    for src, status, n in per:
        counts.setdefault(src, {})[status] = int(n)
    out: dict[str, dict[str, Any]] = {}
    for src in sorted(set(n_events) | set(counts)):
        c = counts.get(src, {})
        total = sum(c.values())
        resolved = c.get("upheld", 0) + c.get("removed", 0)
        evs = int(n_events.get(src, 0))
        out[src] = {
            "events": evs,
            "disputes": total,
            "open": c.get("open", 0),
            "resolved": resolved,
            "removed": c.get("removed", 0),
            "dispute_rate": total / evs if evs else None,
            "overturn_rate": c.get("removed", 0) / resolved if resolved else None,
        }
    return out
