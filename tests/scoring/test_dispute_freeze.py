"""The immediate freeze and its loss after repeated unfounded disputes (pure, no store)."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.policy import DAY_US, Policy, default_policy, policy_from_dict
from glasscredit.scoring import dispute_effects, freeze_state, frozen_disputes
from glasscredit.store import Dispute

POLICY = default_policy()  # 3 unfounded within 365d lose the freeze for 180d


def _with(**disputes: Any) -> Policy:
    data = POLICY.model_dump(mode="json", by_alias=True)
    data["disputes"] = {**data["disputes"], **disputes}
    return policy_from_dict(data)


def _d(i: int, status: str, resolved_day: int | None, opened_day: int = 0) -> Dispute:
    return Dispute(
        i,
        f"e{i}",
        "s1",
        "bank",
        "loan.defaulted",
        "r",
        opened_day * DAY_US,
        "subject",
        (opened_day + 30) * DAY_US,
        status,
        None if resolved_day is None else resolved_day * DAY_US,
        None if resolved_day is None else "op",
    )


def test_three_unfounded_within_a_year_lose_it_for_180_days() -> None:
    ds = [_d(1, "upheld", 10), _d(2, "upheld", 100), _d(3, "upheld", 300)]
    assert freeze_state(POLICY, ds[:2], 301 * DAY_US).immediate  # two are not enough
    lost = freeze_state(POLICY, ds, 300 * DAY_US)
    assert (lost.immediate, lost.lost_until_us, lost.unfounded) == (False, 480 * DAY_US, (1, 2, 3))
    assert not freeze_state(POLICY, ds, 480 * DAY_US - 1).immediate
    assert freeze_state(POLICY, ds, 480 * DAY_US).immediate  # regained, by itself
    assert "1, 2, 3" in lost.text and "deadline" in lost.text


def test_verdicts_further_apart_than_the_window_do_not_combine() -> None:
    ds = [_d(1, "upheld", 0), _d(2, "upheld", 200), _d(3, "upheld", 366)]
    assert freeze_state(POLICY, ds, 367 * DAY_US).immediate


def test_removals_and_lapses_never_count_and_a_verdict_counts_from_its_time() -> None:
    ds = [_d(1, "removed", 10), _d(2, "removed", 20), _d(3, "removed", 30), _d(4, "open", None)]
    assert freeze_state(POLICY, ds, 31 * DAY_US).immediate
    ds = [_d(1, "upheld", 10), _d(2, "upheld", 20), _d(3, "upheld", 30)]
    assert freeze_state(POLICY, ds, 30 * DAY_US - 1).immediate  # the third not yet given


def test_policy_keep_counting_and_no_rule() -> None:
    keep = freeze_state(_with(open_effect="keep_counting"), [], 0)
    assert (keep.immediate, keep.policy_keeps_counting) == (False, True)
    ds = [_d(i, "upheld", i) for i in range(1, 10)]
    assert freeze_state(_with(repeated_unfounded=None), ds, 10 * DAY_US).immediate


def test_effects_of_open_disputes_from_their_periods() -> None:
    ds = [_d(1, "open", None), _d(2, "open", None), _d(3, "upheld", 5)]
    periods = pl.DataFrame(  # frozen from the opening; from the deadline; frozen, closed
        {"source": ["bank"] * 3, "event_id": ["e1", "e2", "e3"], "from_us": [0, 30 * DAY_US, 0]},
        schema={"source": pl.String, "event_id": pl.String, "from_us": pl.Int64},
    )
    frozen = frozen_disputes(ds, periods)
    assert frozen == {1, 3}
    got = dispute_effects(POLICY, ds, frozen, 10 * DAY_US)
    assert [(e.dispute_id, e.effect, e.counts) for e in got] == [
        (1, "stop_counting", False),
        (2, "keep_counting", True),
    ]
    # past its deadline unanswered, a record that kept counting no longer does
    late = dispute_effects(POLICY, ds, frozen, 30 * DAY_US)
    assert [(e.dispute_id, e.counts) for e in late] == [(1, False), (2, False)]


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(st.integers(min_value=0, max_value=1500), max_size=12),
    at=st.integers(min_value=0, max_value=2000),
)
def test_lost_exactly_when_a_recent_verdict_completed_a_window(days: list[int], at: int) -> None:
    """Oracle: lost at ``at`` iff some verdict v in (at - 180d, at] has 3 verdicts in
    (v - 365d, v]; the loss ends 180 days after the latest such verdict."""
    ds = [_d(i + 1, "upheld", day) for i, day in enumerate(days)]
    state = freeze_state(POLICY, ds, at * DAY_US)
    done = [d for d in days if d <= at]
    completing = [v for v in done if at - 180 < v and sum(v - 365 < w <= v for w in done) >= 3]
    assert state.immediate == (not completing)
    if completing:
        assert state.lost_until_us == (max(completing) + 180) * DAY_US
