"""The store contract: one set of tests per protocol, run on every adapter.

In the style of eventsourcing's recorder tests: each test takes the ``ledger`` fixture,
which is parametrised over a SQLite file and a PostgreSQL schema, and goes through the
protocol methods only (``glasscredit.store._protocols``), never through SQL. An adapter
that passes them all is a store the core can run on.
"""

from __future__ import annotations

from glasscredit.policy import parse_timestamp
from glasscredit.store import Ledger
from tests.conftest import FakeClock
from tests.store._live import event

T0 = parse_timestamp("2026-09-01T00:00:00Z")
DAY = 86_400_000_000


def fill(ledger: Ledger, clock: FakeClock) -> None:
    """Three subjects from two sources in two ingest batches, a day apart."""
    clock.set("2026-09-01T00:00:00Z")
    ledger.ingest(
        [
            event("e1", "s1", "payment.late", "2026-08-27T10:00:00Z", days_late=45),
            event("e2", "s2", "bill.paid", "2026-08-28T10:00:00Z", kind="internet"),
            event("e3", "s1", "rental.returned", "2026-08-29T10:00:00Z"),
            event("e4", "s3", "endorsement", "2026-08-30T10:00:00Z", endorser="s1"),
        ]
    ).check()
    clock.set("2026-09-02T00:00:00Z")
    ledger.ingest([event("e5", "s2", "payment.on_time", "2026-08-31T10:00:00Z")]).check()
