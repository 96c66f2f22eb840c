"""A small scored subject whose numbers are worked out by hand in the tests."""

from __future__ import annotations

from tests.conftest import event

MONTHS = [
    "2025-09",
    "2025-10",
    "2025-11",
    "2025-12",
    "2026-01",
    "2026-02",
    "2026-03",
    "2026-04",
    "2026-05",
    "2026-06",
    "2026-07",
    "2026-08",
]


def s1_events(subject: str = "s1") -> list[dict[str, object]]:
    """645 points as of 2026-09-01 (tests/scoring/test_hand_computed.py), plus a default.

    The default (loan.defaulted, bank) only feeds ``defaults_7y``: 1 -> -35 instead of
    0 -> +10, so it costs exactly 45 points: 645 - 45 = 600.
    """
    p = f"{subject}-"
    evs = [
        event(p + "acct", subject, "account.opened", "2020-01-01T00:00:00Z"),
        event(p + "idv", subject, "identity.verified", "2025-01-10T00:00:00Z", level=3),
        event(p + "late", subject, "payment.late", "2026-03-02T10:00:00Z", days_late=45),
        event(p + "default", subject, "loan.defaulted", "2026-05-01T00:00:00Z"),
    ]
    return evs + [event(f"{p}pay-{m}", subject, occurred_at=f"{m}-15T12:00:00Z") for m in MONTHS]
