"""What an attacker who has read the policy sends: events dated back, at most to the
policy's bounds (the backdated red-team scenarios under a policy that has them)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

from glasscredit.policy import DAY_US, default_policy, iso, parse_timestamp, policy_from_dict
from glasscredit.simulate._plan import MARGIN_US, ev, under_bounds
from glasscredit.simulate._world import World

T = parse_timestamp("2026-09-01T00:00:00Z")


def _world(bounded: bool) -> World:
    data: dict[str, Any] = json.loads(default_policy().to_json())
    if bounded:  # the bounds the shipped policy is getting (docs/clocks.md)
        data["ingest"] = {
            **data["ingest"],
            "max_backdate": "62d",
            "backdate": [{"type": "endorsement", "max": "7d"}],
        }
        data["lateness"] = {"max_lag": "35d", "types": {}}
    else:  # none, whatever the shipped policy sets
        data["ingest"] = {**data["ingest"], "max_backdate": None, "backdate": []}
        data["lateness"] = {"max_lag": None, "types": {}}
    return cast(World, SimpleNamespace(policy=policy_from_dict(data), clock=lambda: T))


def _rows() -> list[dict[str, Any]]:
    return [
        ev("e", "a", "community", "endorsement", T - 3 * 365 * DAY_US, endorser="b"),
        ev("p", "a", "bank", "payment.on_time", T - 100 * DAY_US, amount=1.0),
        ev("d", "a", "bank", "loan.defaulted", T - 100 * DAY_US, amount=1.0),
        ev("n", "a", "bank", "payment.on_time", T - 2 * DAY_US, amount=1.0),
    ]


def test_without_bounds_events_are_sent_as_dated() -> None:
    rows = _rows()
    assert under_bounds(_world(False), rows) == (rows, 0)


def test_each_event_is_dated_at_most_at_its_bound_less_an_hour() -> None:
    rows, moved = under_bounds(_world(True), _rows())
    at = {r["event_id"]: parse_timestamp(r["occurred_at"]) for r in rows}
    assert moved == 3
    assert at["e"] == T - 7 * DAY_US + MARGIN_US  # an endorsement: 7 days
    assert at["p"] == T - 35 * DAY_US + MARGIN_US  # a positive event: counted if 35 days
    assert at["d"] == T - 62 * DAY_US + MARGIN_US  # a negative one: let in if 62 days
    assert rows[3]["occurred_at"] == iso(T - 2 * DAY_US)  # within every bound: as dated
