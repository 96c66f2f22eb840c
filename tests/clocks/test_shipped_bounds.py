"""The shipped policy's backdating bounds and lateness, end to end on real ledgers.

The bounds are read from ``default_policy()``, not restated: live events dated further
back than the bound are refused at the door by name, the same events are welcome in an
approved backfill, and honest behaviour is not caught (a bill reported in the next
cycle, a new person's first months, years of history loaded as a backfill, a late
report of a default). A positive event known too late is kept and shown but does not
count, and the explanation says why.
"""

from __future__ import annotations

from typing import Any

from glasscredit import app
from glasscredit.policy import DAY_US, default_policy, format_duration, iso, parse_duration
from glasscredit.policy._clocks import DEFAULT_MAX_BACKDATE, DEFAULT_MAX_LAG
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from tests._history import approve_history, load_history
from tests.clocks._helpers import NOW_US, ago
from tests.conftest import FakeClock, event

SHIPPED = default_policy()


def _bound(source: str, type_: str) -> int:
    return SHIPPED.backdate_bounds_us()[(source, type_)]


def _counted(exp: Any) -> set[str]:
    return {e.event_id for evs in exp.events.values() for e in evs}


def _rules(report: Any) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.field, e.rule) for e in report.errors]


def test_the_shipped_bounds_are_the_recommended_ones() -> None:
    assert _bound("bank", "payment.on_time") == parse_duration(DEFAULT_MAX_BACKDATE)
    for type_ in ("account.opened", "identity.verified", "income.verified"):
        assert _bound("bank", type_) == 7 * DAY_US, type_
    assert _bound("community", "endorsement") == 7 * DAY_US
    lags = SHIPPED.lag_bounds_us()
    assert lags["bill.paid"] == lags["payment.on_time"] == parse_duration(DEFAULT_MAX_LAG)
    assert lags["loan.repaid"] == 62 * DAY_US  # a repaid loan may close a cycle later
    assert "bill.missed" not in lags and "payment.late" not in lags  # negatives: no bound


def test_a_live_event_dated_past_the_bound_is_refused_by_name(db_url: str) -> None:
    bound = _bound("bank", "payment.on_time")
    days = bound // DAY_US  # 62
    with Ledger(db_url, SHIPPED, clock=FakeClock()) as led:
        rep = led.ingest(
            [
                event("old-pay", occurred_at=ago(days + 1)),  # 63 days back: history
                event("in-time", occurred_at=ago(days - 1)),
            ]
        )
        assert (rep.accepted, rep.invalid) == (1, 1)
        assert _rules(rep) == [(1, "occurred_at", "backdated")]
        message = rep.errors[0].message
        assert format_duration(bound) in message and "backfill" in message, message
        assert [e.event_id for e in led.events_of("s1")] == ["in-time"]


def test_an_opening_is_live_within_a_week(sqlite_url: str) -> None:
    bound = _bound("bank", "account.opened")
    with Ledger(sqlite_url, SHIPPED, clock=FakeClock()) as led:
        rep = led.ingest(
            [
                event("open-8d", type_="account.opened", occurred_at=ago(8)),
                event("open-6d", subject="s2", type_="account.opened", occurred_at=ago(6)),
            ]
        )
        assert rep.accepted == 1 and _rules(rep) == [(1, "occurred_at", "backdated")]
        assert format_duration(bound) in rep.errors[0].message
        assert [e.event_id for e in led.events_of("s2")] == ["open-6d"]
        assert not led.has_subject("s1")


def test_the_same_old_events_are_welcome_in_an_approved_backfill(sqlite_url: str) -> None:
    old = [
        event("old-pay", occurred_at=ago(63)),
        event("open-8d", type_="account.opened", occurred_at=ago(8)),
        event("idv-30d", type_="identity.verified", occurred_at=ago(30)),
        event("years", occurred_at=ago(3 * 365)),
    ]
    with Ledger(sqlite_url, SHIPPED, clock=FakeClock()) as led:
        assert led.ingest(old).accepted == 0  # live: every one is history
        backfill = approve_history(led, "bank", NOW_US - 3 * 365 * DAY_US)
        rep = led.ingest(old, backfill=backfill)
        assert (rep.accepted, rep.rejected) == (4, 0)
        stored = led.events_of("s1")
        assert all(e.known_at_us == e.occurred_at_us for e in stored)  # known as it happened
        assert led.verify_audit().ok


def test_a_bill_reported_in_the_next_cycle_counts(sqlite_url: str) -> None:
    """Paid late in its cycle, reported on the next monthly statement (20 days on)."""
    with Ledger(sqlite_url, SHIPPED, clock=FakeClock()) as led:
        led.ingest([event("bill", type_="bill.paid", occurred_at=ago(20))]).check()
        exp = app.explain(app.Context.of_ledger(led), "s1")
    assert "bill" in _counted(exp) and exp.not_counted == []


def test_a_positive_event_reported_too_late_is_kept_but_does_not_count(
    sqlite_url: str,
) -> None:
    with Ledger(sqlite_url, SHIPPED, clock=FakeClock()) as led:
        rep = led.ingest(
            [
                event("stale-bill", type_="bill.paid", occurred_at=ago(40)),
                event("timely-bill", type_="bill.paid", occurred_at=ago(2)),
            ]
        )
        assert rep.accepted == 2  # within the backdating bound: kept
        assert {e.event_id for e in led.events_of("s1")} == {"stale-bill", "timely-bill"}
        exp = app.explain(app.Context.of_ledger(led), "s1")
    assert "timely-bill" in _counted(exp) and "stale-bill" not in _counted(exp)
    [late] = exp.not_counted
    assert late["event_id"] == "stale-bill"
    assert "reported 40d after it happened" in late["why"] and "lateness" in late["why"]


def test_a_negative_reported_late_still_counts(sqlite_url: str) -> None:
    with Ledger(sqlite_url, SHIPPED, clock=FakeClock()) as led:
        ctx = app.Context.of_ledger(led)
        led.ingest([event("pay", subject="s2", occurred_at=ago(2))]).check()
        clean = app.explain(ctx, "s2").score
        led.ingest([event("pay2", subject="s1", occurred_at=ago(2))]).check()
        led.ingest([event("missed", type_="bill.missed", occurred_at=ago(50))]).check()
        exp = app.explain(ctx, "s1")
    assert "missed" in _counted(exp) and exp.not_counted == []
    assert exp.score < clean


def test_a_new_persons_first_months_count_live(sqlite_url: str) -> None:
    """Opened, checked and paying, each reported when it happened: everything counts."""
    start = NOW_US - 95 * DAY_US
    clock = FakeClock(start)
    with Ledger(sqlite_url, SHIPPED, clock=clock) as led:
        first = [
            event("open", "n1", "account.opened", iso(start - DAY_US)),
            event("idv", "n1", "identity.verified", iso(start - DAY_US), level=2),
        ]
        assert led.ingest(first).accepted == 2
        for m in range(3):
            at = start + (30 * m + 1) * DAY_US
            clock.now_us = at + 3 * DAY_US  # the bank's next file
            month = [
                event(f"pay{m}", "n1", occurred_at=iso(at)),
                event(f"bill{m}", "n1", "bill.paid", iso(at)),
            ]
            assert led.ingest(month).accepted == 2
        clock.now_us = NOW_US
        exp = app.explain(app.Context.of_ledger(led), "n1")
    assert {f"pay{m}" for m in range(3)} | {f"bill{m}" for m in range(3)} <= _counted(exp)
    assert exp.not_counted == []


def _years() -> list[dict[str, object]]:
    """Three years of one customer's life at the bank, to the day."""
    out = [
        event("open", type_="account.opened", occurred_at=iso(NOW_US - 3 * 365 * DAY_US)),
        event("idv", type_="identity.verified", level=2, occurred_at=iso(NOW_US - 1000 * DAY_US)),
    ]
    for m in range(36):
        at = NOW_US - (36 - m) * 30 * DAY_US + 14 * DAY_US
        out.append(event(f"pay{m}", occurred_at=iso(at)))
        out.append(event(f"bill{m}", type_="bill.paid", occurred_at=iso(at)))
        if m % 12 == 5:
            out.append(event(f"late{m}", type_="payment.late", days_late=12, occurred_at=iso(at)))
        if m % 12 == 11:
            out.append(event(f"loan{m}", type_="loan.repaid", occurred_at=iso(at)))
    return out


def test_a_backfill_of_years_scores_like_the_history_known_as_it_happened(
    tmp_path: Any,
) -> None:
    history = _years()
    with Ledger(f"sqlite:///{tmp_path / 'backfill.db'}", SHIPPED, clock=FakeClock()) as led:
        assert load_history(led, history).accepted == len(history)
        backfilled = Scorer(led).explain("s1", NOW_US)
    clock = FakeClock(0)
    with Ledger(f"sqlite:///{tmp_path / 'live.db'}", SHIPPED, clock=clock) as led:
        for e in sorted(history, key=lambda e: str(e["occurred_at"])):
            clock.set(str(e["occurred_at"]))
            clock.now_us += DAY_US  # reported the next day
            assert led.ingest([e]).accepted == 1, e["event_id"]
        clock.now_us = NOW_US
        live = Scorer(led).explain("s1", NOW_US)
    assert [(f.name, f.value, f.points) for f in backfilled.features] == [
        (f.name, f.value, f.points) for f in live.features
    ]
    assert backfilled.score == live.score
