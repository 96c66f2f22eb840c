"""The policy bounds how far back each source may date each type; older events are
refused at ingest by name (``backdated``), on the exact path and the columnar fast path
alike, unless they arrive in an approved backfill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glasscredit.exceptions import PolicyError
from glasscredit.policy import DAY_US
from glasscredit.store import Ledger
from tests.clocks._helpers import NOW_US, ago, clocked_policy, unbounded_policy
from tests.conftest import FakeClock, event


def _rules(report: object) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.field, e.rule) for e in report.errors]  # type: ignore[attr-defined]


def _events() -> list[dict[str, object]]:
    return [
        event("late-bill", type_="bill.paid", occurred_at=ago(40)),  # an honest late report
        event("old-pay", occurred_at=ago(63)),  # beyond 62 days: history
        event("id-8d", type_="identity.verified", occurred_at=ago(8)),  # beyond its 7 days
        event("id-6d", type_="identity.verified", occurred_at=ago(6)),
        event("fresh", occurred_at=ago(0.5)),
    ]


def test_backdated_events_are_refused_by_name(db_url: str) -> None:
    with Ledger(db_url, clocked_policy(), clock=FakeClock()) as led:
        rep = led.ingest(_events())
        assert rep.accepted == 3 and rep.invalid == 2
        assert _rules(rep) == [(2, "occurred_at", "backdated"), (3, "occurred_at", "backdated")]
        assert "62d" in rep.errors[0].message and "1w" in rep.errors[1].message
        assert "backfill" in rep.errors[0].message
        stored = {e.event_id: e for e in led.events_of("s1")}
        assert set(stored) == {"late-bill", "id-6d", "fresh"}
        # live events: known when recorded
        assert all(e.known_at_us == e.recorded_at_us == NOW_US for e in stored.values())


def test_fast_path_refuses_the_same_rows(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in _events()))
    with Ledger(sqlite_url, clocked_policy(), clock=FakeClock()) as led:
        rep = led.ingest_file(path)
    assert rep.accepted == 3
    assert _rules(rep) == [(2, "occurred_at", "backdated"), (3, "occurred_at", "backdated")]


def test_most_specific_rule_wins(sqlite_url: str) -> None:
    rules = [
        {"type": "payment.on_time", "max": "10d"},
        {"source": "bank", "max": "100d"},
        {"source": "bank", "type": "payment.on_time", "max": "20d"},
    ]
    base = clocked_policy()
    policy = clocked_policy(ingest={**base.ingest.model_dump(), "backdate": rules})
    assert policy.backdate_bounds_us()[("bank", "payment.on_time")] == 20 * DAY_US
    assert policy.backdate_bounds_us()[("bank", "bill.paid")] == 100 * DAY_US
    assert policy.backdate_bounds_us()[("rentals", "rental.returned")] == 62 * DAY_US
    with Ledger(sqlite_url, policy, clock=FakeClock()) as led:
        rep = led.ingest(
            [
                event("p15", occurred_at=ago(15)),
                event("p25", occurred_at=ago(25)),
                event("b90", type_="bill.paid", occurred_at=ago(90)),
            ]
        )
    assert rep.accepted == 2 and _rules(rep) == [(2, "occurred_at", "backdated")]


def test_no_bound_when_the_policy_sets_none(sqlite_url: str) -> None:
    """A policy that sets no bound (``null``) lets a year-old live event in."""
    with Ledger(sqlite_url, unbounded_policy(), clock=FakeClock()) as led:
        assert led.ingest([event("old", occurred_at=ago(365))]).accepted == 1


@pytest.mark.parametrize(
    ("ingest", "lateness", "field", "rule"),
    [
        ({"backdate": [{"max": "5d"}]}, None, "ingest.backdate[0]", "empty_rule"),
        (
            {"backdate": [{"type": "nope", "max": "5d"}]},
            None,
            "ingest.backdate[0].type",
            "unknown_type",
        ),
        (
            {"backdate": [{"source": "nope", "max": "5d"}]},
            None,
            "ingest.backdate[0].source",
            "unknown_source",
        ),
        (
            {"backdate": [{"source": "community", "type": "bill.paid", "max": "5d"}]},
            None,
            "ingest.backdate[0].type",
            "source_type",
        ),
        (
            {"backdate": [{"type": "bill.paid", "max": "soon"}]},
            None,
            "ingest.backdate[0].max",
            "duration",
        ),
        (
            {"backdate": [{"type": "bill.paid", "max": "5d"}, {"type": "bill.paid", "max": "6d"}]},
            None,
            "ingest.backdate[1]",
            "unique",
        ),
        ({"max_backdate": "0d"}, None, "ingest.max_backdate", "positive"),
        ({}, {"types": {"bill.missed": "5d"}}, "lateness.types.bill.missed", "polarity"),
        ({}, {"types": {"nope": "5d"}}, "lateness.types.nope", "unknown_type"),
        ({}, {"max_lag": "later"}, "lateness.max_lag", "duration"),
    ],
)
def test_bad_clock_settings_name_the_field(
    ingest: dict[str, object], lateness: dict[str, object] | None, field: str, rule: str
) -> None:
    base = clocked_policy()
    with pytest.raises(PolicyError) as err:
        clocked_policy(
            ingest={**base.ingest.model_dump(), **ingest},
            lateness={"max_lag": "35d", **(lateness or {})},
        )
    assert (field, rule) in [(e.field, e.rule) for e in err.value.errors]


def test_unknown_keys_are_refused() -> None:
    base = clocked_policy()
    with pytest.raises(PolicyError):
        clocked_policy(
            ingest={
                **base.ingest.model_dump(),
                "backdate": [{"type": "bill.paid", "max": "5d", "x": 1}],
            }
        )


def test_what_if_is_not_refused_by_the_bounds(sqlite_url: str) -> None:
    """Hypothetical events never arrive, so the door's backdating bound (relative to an
    arrival) does not apply to them: a what-if under a bounded policy still answers."""
    from glasscredit.scoring import Scorer
    from glasscredit.scoring._whatif import whatif

    with Ledger(sqlite_url, clocked_policy(), clock=FakeClock()) as led:
        led.ingest([event("fresh", occurred_at=ago(0.5))]).check()
        hyp = [
            {
                "event_id": f"h{i}",
                "subject": "s1",
                "source": "bank",
                "type": "payment.on_time",
                "occurred_at": ago(-30 * i),
                "attributes": {"account": "acct-1", "amount": 100.0},
            }
            for i in range(1, 4)
        ]
        res = whatif(Scorer(led), "s1", NOW_US, add_events=hyp)
    assert res["after"]["score"] >= res["before"]["score"]
