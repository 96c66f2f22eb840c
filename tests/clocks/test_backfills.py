"""Approved backfills: an operator lets one source load its history, attesting from when
it knew the facts. Events keep their true recorded_at (stored scores reproduce) and are
known from max(occurred_at, known_from); anything outside the approval is refused by
name; approvals and each event's clock are in the audit chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from glasscredit import app
from glasscredit.exceptions import NotFoundError, ValidationError
from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.store import Ledger
from tests.clocks._helpers import NOW_US, ago, clocked_policy
from tests.conftest import FakeClock, event

KNOWN_FROM = "2025-06-01T00:00:00Z"


def _approve(ctx: app.Context, **kw: str) -> app.BackfillView:
    args = {
        "source": "bank",
        "occurred_from": "2025-01-01T00:00:00Z",
        "occurred_to": "2026-06-30T00:00:00Z",
        "known_from": KNOWN_FROM,
        "approved_by": "ops@example",
        "reason": "the bank's history before it joined",
        **kw,
    }
    return app.approve_backfill(ctx, **args)  # type: ignore[arg-type]


def _history() -> list[dict[str, object]]:
    return [
        event("h-2025-02", occurred_at="2025-02-01T00:00:00Z"),  # before known_from
        event("h-2025-09", occurred_at="2025-09-01T00:00:00Z"),  # after it
        event("h-2024", occurred_at="2024-12-31T00:00:00Z"),  # outside the range
        event("h-rental", type_="rental.returned", occurred_at="2025-03-01T00:00:00Z"),
    ]


def test_a_genuine_backfill_loads_with_the_attested_clock(db_url: str) -> None:
    clock = FakeClock()
    with Ledger(db_url, clocked_policy(), clock=clock) as led:
        ctx = app.Context.of_ledger(led)
        bf = _approve(ctx)
        assert bf.backfill_id == 1 and bf.known_from == KNOWN_FROM
        assert app.backfills(ctx).backfills == [bf]
        # the same history as live events is refused: too old
        live = led.ingest(_history())
        assert {e.rule for e in live.errors} == {"backdated"} and live.accepted == 0
        rep = led.ingest(_history(), backfill=bf.backfill_id)
        assert rep.accepted == 2
        assert [(e.row, e.field, e.rule) for e in rep.errors] == [
            (3, "occurred_at", "backfill_range"),
            (4, "source", "backfill_source"),
        ]
        got = {e.event_id: e for e in led.events_of("s1")}
        known = parse_timestamp(KNOWN_FROM)
        assert got["h-2025-02"].known_at_us == known  # known from the attested date
        assert got["h-2025-09"].known_at_us == parse_timestamp("2025-09-01T00:00:00Z")
        assert all(e.recorded_at_us == NOW_US for e in got.values())  # the true arrival
        assert led.verify_audit().ok
        approvals = led.audit.entries(action="backfill_approve")
        assert approvals[0].details["known_from_us"] == known
        assert approvals[0].details["reason"] == "the bank's history before it joined"
        batch = led.audit.entries(action="ingest")[-1]
        assert (batch.details["backfill"], batch.details["known_from_us"]) == (1, known)


def test_a_backfill_file_takes_the_fast_path_with_the_same_outcome(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in _history()))
    with Ledger(sqlite_url, clocked_policy(), clock=FakeClock()) as led:
        ctx = app.Context.of_ledger(led)
        bf = _approve(ctx)
        res = app.ingest_file(ctx, path, backfill=bf.backfill_id)
        assert res.accepted == 2
        assert [(e.row, e.rule) for e in res.errors] == [
            (3, "backfill_range"),
            (4, "backfill_source"),
        ]
        known = {e.event_id: e.known_at for e in app.events_of(ctx, "s1").events}
        assert known == {"h-2025-02": KNOWN_FROM, "h-2025-09": "2025-09-01T00:00:00Z"}


def test_unknown_backfill_and_bad_approvals_are_refused(sqlite_url: str) -> None:
    with Ledger(sqlite_url, clocked_policy(), clock=FakeClock()) as led:
        ctx = app.Context.of_ledger(led)
        with pytest.raises(NotFoundError):
            led.ingest([event("e1")], backfill=7)
        cases = [
            ({"source": "nope"}, "source", "unknown_source"),
            ({"occurred_to": "2024-01-01T00:00:00Z"}, "occurred_to", "range"),
            ({"occurred_to": "2027-01-01T00:00:00Z"}, "occurred_to", "future"),
            ({"known_from": "2027-01-01T00:00:00Z"}, "known_from", "future"),
            ({"known_from": "2024-01-01T00:00:00Z"}, "known_from", "before_range"),
            ({"reason": " "}, "reason", "length"),
            ({"known_from": "yesterday"}, "known_from", "timestamp"),
        ]
        for kw, field, rule in cases:
            with pytest.raises(ValidationError) as err:
                _approve(ctx, **kw)
            assert (field, rule) in [(e.field, e.rule) for e in err.value.errors], kw
        assert app.backfills(ctx).backfills == []


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("UPDATE events SET known_at_us = known_at_us - 1 WHERE event_id = 'h-2025-09'", "events"),
        ("UPDATE backfills SET known_from_us = known_from_us - 1", "backfills"),
        ("UPDATE backfills SET occurred_from_us = 0", "backfills"),
    ],
)
def test_tampering_with_the_attested_clock_shows(db_url: str, sql: str, table: str) -> None:
    with Ledger(db_url, clocked_policy(), clock=FakeClock()) as led:
        ctx = app.Context.of_ledger(led)
        bf = _approve(ctx)
        assert led.ingest(_history()[:2], backfill=bf.backfill_id).accepted == 2
        assert led.verify_audit().ok
        with led.engine.begin() as conn:
            conn.execute(text(sql))
        rep = led.verify_audit()
        assert not rep.ok and rep.table == table, rep


def test_recent_events_in_a_backfill_are_known_when_they_occurred(sqlite_url: str) -> None:
    """A known-from date before an event: the event is known when it occurred."""
    with Ledger(sqlite_url, clocked_policy(), clock=FakeClock()) as led:
        ctx = app.Context.of_ledger(led)
        bf = _approve(ctx, occurred_to=ago(1), known_from="2025-01-01T00:00:00Z")
        assert led.ingest([event("r", occurred_at=ago(100))], backfill=bf.backfill_id).accepted
        (e,) = led.events_of("s1")
        assert e.known_at_us == NOW_US - 100 * DAY_US


def test_a_burst_dated_over_past_weeks_is_one_burst_on_the_ledger_clock(sqlite_url: str) -> None:
    """Twenty subjects given ten payments each, dated over the past seven weeks but all
    reported today: the scan on the ledger's clock flags it (it would not by date)."""
    from glasscredit.trust import scan_bursts

    with Ledger(sqlite_url, clocked_policy(), clock=FakeClock()) as led:
        flood = [
            event(f"f{s}-{i}", subject=f"v{s}", occurred_at=ago(1 + 5 * i))
            for s in range(20)
            for i in range(10)
        ]
        assert led.ingest(flood).accepted == 200
        found = scan_bursts(led, NOW_US - 7 * DAY_US, NOW_US)
        assert [(b.source, b.subjects, b.events) for b in found] == [("bank", 20, 200)]
