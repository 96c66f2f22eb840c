"""``min_sources.known_for``: below enough independent sources, only what the ledger has
known long enough counts (a partner's fresh stream for accounts it just opened waits).

Hand-built cases on a small policy: the ledger's clock (``known_at``) decides, not the
sender's; a second independent source lifts the rule at once; batch equals the single
subject (with a per-day cap, which batch otherwise folds); the explanation says why in
plain words; a plain-Python oracle; the policy's checks.
"""

from __future__ import annotations

import copy
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.exceptions import PolicyError
from glasscredit.features import compute_features, subject_pass
from glasscredit.policy import DAY_US, parse_timestamp, policy_from_dict
from glasscredit.scoring import Scorer, explain_row, path_to_next_tier
from glasscredit.store import EVENT_FRAME_SCHEMA, Ledger
from tests.conftest import FakeClock

T0 = parse_timestamp("2026-09-01T00:00:00Z")

POLICY: dict[str, Any] = {
    "version": 1,
    "name": "seasoned",
    "sources": {
        "bank_a": {"types": ["payment.on_time", "identity.verified"]},
        "bank_b": {"types": ["payment.on_time", "identity.verified"]},
    },
    "event_types": {
        "payment.on_time": {
            "polarity": "positive",
            "attributes": {"amount": {"type": "number", "minimum": 0}},
        },
        "identity.verified": {
            "polarity": "positive",
            "attributes": {"level": {"type": "integer", "minimum": 1, "maximum": 3}},
        },
    },
    "dimensions": {"d": {"label": "D"}},
    "features": [
        {
            "name": "paid",
            "agg": "count",
            "types": ["payment.on_time"],
            "window": "730d",
            "max_per_period": {"period": "1d", "max": 1},
            "cap": 20,
            "min_sources": {"feature": "sources", "cap": 10, "known_for": "365d"},
            "dimension": "d",
        },
        {
            "name": "level",
            "agg": "max",
            "types": ["identity.verified"],
            "attribute": "level",
            "min_sources": {"feature": "sources", "cap": 3, "known_for": "365d"},
            "dimension": "d",
        },
        {
            "name": "sources",
            "agg": "distinct_sources",
            "types": ["payment.on_time"],
            "window": "730d",
            "dimension": "d",
        },
    ],
    "points": {
        "base": 600,
        "features": {
            "paid": {"edges": [1, 5], "points": [0, 10, 20]},
            "level": {"edges": [2, 3], "points": [5, 25, 45], "missing": -10},
            "sources": {"edges": [2], "points": [0, 5]},
        },
    },
    "tiers": [{"name": "all", "min": 350, "max": 950}],
}

Row = tuple[str, str, str, int, int]  # subject, source, type, occurred days ago, known days ago


def _frame(rows: list[Row]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "seq": i + 1,
                "event_id": f"e{i}",
                "subject": s,
                "source": src,
                "type": t,
                "occurred_at_us": T0 - occ * DAY_US,
                "recorded_at_us": T0 - known * DAY_US,
                "known_at_us": T0 - known * DAY_US,
                "attributes": '{"level":3}' if t == "identity.verified" else '{"amount":1}',
            }
            for i, (s, src, t, occ, known) in enumerate(rows)
        ],
        schema=EVENT_FRAME_SCHEMA,
    )


PAY, IDV = "payment.on_time", "identity.verified"


def _rows() -> list[Row]:
    return (
        # an honest bank's customer: 14 payments over two years, identity checked 600 days
        # ago; the 6 known for a year or more count (below the cap of 10)
        [("old", "bank_a", PAY, d, d) for d in range(10, 700, 50)]
        + [("old", "bank_a", IDV, 600, 600)]
        # accounts a partner opened this year: 12 payments and a level-3 check, all fresh
        # on the ledger's clock: none of it counts yet
        + [("fresh", "bank_a", PAY, d, d) for d in range(5, 300, 25)]
        + [("fresh", "bank_a", IDV, 300, 300)]
        # the same partner dating its stream back: the sender's clock says old, the
        # ledger's says fresh: none of it counts
        + [("dated", "bank_a", PAY, 400 + d, 10) for d in range(12)]
        + [("dated", "bank_a", IDV, 900, 10)]
        # a second independent source: everything counts at once
        + [("two", "bank_a", PAY, d, d) for d in range(5, 300, 25)]
        + [("two", "bank_b", PAY, 3, 3), ("two", "bank_a", IDV, 300, 300)]
    )


def test_only_what_the_ledger_knew_long_enough_counts_below_two_sources() -> None:
    policy = policy_from_dict(POLICY)
    got = {r["subject"]: r for r in compute_features(_frame(_rows()), policy, T0).frame.to_dicts()}
    assert {s: (r["sources"], r["paid"], r["level"]) for s, r in got.items()} == {
        "old": (1.0, 6.0, 3.0),  # 410, 460, ..., 660 days: six known a year or more
        "fresh": (1.0, 0.0, None),
        "dated": (1.0, 0.0, None),
        "two": (2.0, 13.0, 3.0),
    }


def test_batch_equals_single_subject_and_the_explanation_says_why() -> None:
    policy = policy_from_dict(POLICY)
    frame = _frame(_rows())
    batch = compute_features(frame, policy, T0)
    assert policy.points is not None
    for subject in ("old", "fresh", "dated", "two"):
        one = subject_pass(frame, policy, T0, subject)
        assert one.values == batch.row(subject)
    fresh = subject_pass(frame, policy, T0, "fresh")
    exp = explain_row(policy, policy.points, "fresh", T0, fresh.values, fresh.provenance)
    lines = {f.name: f for f in exp.features}
    # paid 0 -> 0 points; level missing -> -10; sources 1 -> 0: exactly the table
    assert (lines["paid"].value, lines["paid"].points) == (0.0, 0)
    assert (lines["level"].value, lines["level"].points) == (None, -10)
    assert exp.score == 600 + 0 - 10 + 0
    assert lines["paid"].note == (
        "12 events, counted at most 10: the positive history comes from 1 "
        "independent source (bank_a); 2 needed to count fully; until then only records "
        "the ledger has known for at least 365d count"
    )
    assert len(fresh.provenance["paid"]) == 12  # every event is still listed


def test_since_first_counts_all_once_the_first_was_known_long_enough() -> None:
    """``since_first``: the customer the ledger has known a year keeps the capped count
    (all 14 payments, clipped at 10; its 600-day-old check); the new accounts wait."""
    raw = copy.deepcopy(POLICY)
    for f in raw["features"][:2]:
        f["min_sources"]["since_first"] = True
    policy = policy_from_dict(raw)
    frame = _frame(_rows())
    got = {r["subject"]: r for r in compute_features(frame, policy, T0).frame.to_dicts()}
    assert {s: (r["paid"], r["level"]) for s, r in got.items()} == {
        "old": (10.0, 3.0),
        "fresh": (0.0, None),
        "dated": (0.0, None),
        "two": (13.0, 3.0),
    }
    for subject in got:
        assert subject_pass(frame, policy, T0, subject).values == {
            k: v for k, v in got[subject].items() if k != "subject"
        }
    fresh = subject_pass(frame, policy, T0, "fresh")
    assert policy.points is not None
    exp = explain_row(policy, policy.points, "fresh", T0, fresh.values, fresh.provenance)
    assert next(f for f in exp.features if f.name == "paid").note == (
        "12 events, counted at most 10: the positive history comes from 1 "
        "independent source (bank_a); 2 needed to count fully; until then they count only "
        "once the ledger has known the first of them for at least 365d"
    )


def test_since_first_needs_known_for() -> None:
    raw = copy.deepcopy(POLICY)
    raw["features"][0]["min_sources"] = {"feature": "sources", "cap": 10, "since_first": True}
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    assert "known_for" in str(info.value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x", "y"]),
            st.sampled_from(["bank_a", "bank_b"]),
            st.integers(0, 800),
            st.integers(0, 800),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_kernel_matches_a_plain_oracle(raw: list[tuple[str, str, int, int]]) -> None:
    rows: list[Row] = [(s, src, PAY, occ, min(occ, k)) for s, src, occ, k in raw]
    policy = policy_from_dict(POLICY)
    frame = _frame(rows)
    for r in compute_features(frame, policy, T0).frame.to_dicts():
        mine = [(src, occ, known) for s, src, _, occ, known in rows if s == r["subject"]]
        inside = [m for m in mine if m[1] < 730]
        sources = len({src for src, _, _ in inside})

        def per_day(events: list[tuple[str, int, int]]) -> int:
            return len({occ for _, occ, _ in events})  # one a day (days ago are whole days)

        if sources >= 2:
            paid = min(per_day(inside), 20)
        else:
            kept: dict[int, tuple[str, int, int]] = {}
            for _, m in sorted(enumerate(inside), key=lambda p: (-p[1][1], p[0])):
                kept.setdefault(m[1], m)  # the day's first event in time order is kept
            paid = min(sum(1 for m in kept.values() if m[2] >= 365), 10)
        assert (r["sources"], r["paid"]) == (float(sources), float(paid))
        assert subject_pass(frame, policy, T0, r["subject"]).values == {
            k: v for k, v in r.items() if k != "subject"
        }


@pytest.mark.parametrize(
    ("known_for", "words"),
    [("0d", "known_for"), ("soon", "duration"), ("-3d", "duration")],
)
def test_known_for_is_checked(known_for: str, words: str) -> None:
    raw = copy.deepcopy(POLICY)
    raw["features"][0]["min_sources"]["known_for"] = known_for
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    assert words in str(info.value)


def test_with_known_for_the_cap_may_equal_the_features_own() -> None:
    raw = copy.deepcopy(POLICY)
    raw["features"][0]["min_sources"]["cap"] = 20  # the seasoning still limits
    assert policy_from_dict(raw).feature("paid").min_sources is not None
    raw["features"][0]["min_sources"].pop("known_for")
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    assert "below the feature's cap 20" in str(info.value)


def test_next_tier_never_proposes_events_that_would_not_count_yet(
    sqlite_url: str, clock: FakeClock
) -> None:
    """Fresh payments from the one bank would count only in a year: a path that reaches
    the next tier now needs a second independent source."""
    raw = copy.deepcopy(POLICY)
    for f in raw["features"]:
        f["lever"] = "more"
    raw["tiers"] = [
        {"name": "low", "min": 350, "max": 599},
        {"name": "high", "min": 600, "max": 950},
    ]
    policy = policy_from_dict(raw)
    clock.set("2026-09-01T00:00:00Z")
    with Ledger(sqlite_url, policy, clock=clock) as led:
        led.ingest(
            [
                {
                    "event_id": "p1",
                    "subject": "new",
                    "source": "bank_a",
                    "type": "payment.on_time",
                    "occurred_at": "2026-08-20T12:00:00Z",
                    "attributes": {"amount": 10},
                }
            ]
        )
        sc = Scorer(led)
        # paid 1 known 12 days: counts 0 -> 0; level missing -> -10; sources 1 -> 0
        assert sc.explain("new", T0).score == 590
        path = path_to_next_tier(sc, "new", T0)
    # one more payment would be +10 without the seasoning (590 + 10 = 600); with one
    # source they count in a year, so every path adds an independent source
    assert path["paths"]
    for p in path["paths"]:
        assert any("(sources)" in a for a in p["actions"]), p
