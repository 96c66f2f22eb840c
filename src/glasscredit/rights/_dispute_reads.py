"""Reading disputes: lists, what each source has been told, and per-source rates.

The dispute rate (disputes over events reported) and the overturn rate (disputes
resolved against the source over disputes resolved) are what the trust of a reporter
is built from: a source whose records are often contested and often removed earns less
weight.
"""

from __future__ import annotations

from typing import Any

from glasscredit.policy import iso
from glasscredit.store import Dispute, Store

__all__ = ["list_disputes", "source_notices", "source_stats"]


def list_disputes(
    ledger: Store,
    *,
    subject: str | None = None,
    source: str | None = None,
    status: str | None = None,
) -> list[Dispute]:
    """Disputes in the order they were opened, optionally filtered."""
    return ledger.disputes.find(subject=subject, source=source, status=status)


def source_notices(ledger: Store, source: str) -> list[dict[str, Any]]:
    """What ``source`` has been told: each dispute on its events opened and resolved."""
    return [
        {
            "dispute_id": n["dispute_id"],
            "kind": n["kind"],
            "outcome": n["outcome"],
            "at": iso(n["at_us"]),
            "event_id": n["event_id"],
        }
        for n in ledger.disputes.notices(source)
    ]


def source_stats(ledger: Store) -> dict[str, dict[str, Any]]:
    """Per source: events, disputes, dispute rate, resolved, removed, corrected, overturn
    rate (removed or corrected over resolved)."""
    n_events = ledger.events_by_source()
    counts = ledger.disputes.status_counts()
    out: dict[str, dict[str, Any]] = {}
    for src in sorted(set(n_events) | set(counts)):
        c = counts.get(src, {})
        total = sum(c.values())
        # a confirmed correction overturns the record as it was reported, as a removal does
        overturned = c.get("removed", 0) + c.get("corrected", 0)
        resolved = c.get("upheld", 0) + overturned
        evs = int(n_events.get(src, 0))
        out[src] = {
            "events": evs,
            "disputes": total,
            "open": c.get("open", 0),
            "resolved": resolved,
            "removed": c.get("removed", 0),
            "corrected": c.get("corrected", 0),
            "dispute_rate": total / evs if evs else None,
            "overturn_rate": overturned / resolved if resolved else None,
        }
    return out
