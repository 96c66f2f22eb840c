"""Events a partner sends live, dated as a live event is: a few days before it arrives.

The store tests are about ingest itself (counts, duplicates, conflicts, rows, formats,
the audit chain), not about history: their events are live. Under the policy's
backdating bounds (docs/clocks.md) a live event is dated at most 62 days (7 for an
opening, an identity or income check, an endorsement) before it arrives, so these are
dated ``RECENT``, 3.6 days before the fixtures' clock (``tests.conftest.NOW_US``,
2026-09-01): live under every bound, and timely for the lateness rules.
"""

from __future__ import annotations

from tests.conftest import event as _event

__all__ = ["RECENT", "event"]

RECENT = "2026-08-28T10:00:00Z"


def event(
    event_id: str,
    subject: str = "s1",
    type_: str = "payment.on_time",
    occurred_at: str = RECENT,
    source: str | None = None,
    **attributes: object,
) -> dict[str, object]:
    """``tests.conftest.event``, dated ``RECENT`` unless given."""
    return _event(event_id, subject, type_, occurred_at, source, **attributes)
