"""Positive history counts fully only from enough independent sources (``min_sources``).

Hand-built cases on a small policy (three sources, two of them one operator's), the
default policy's single-bank newcomer, a property test against a plain-Python oracle,
and the policy's refusals.
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
from glasscredit.policy import DAY_US, default_policy, parse_timestamp, policy_from_dict
from glasscredit.scoring import Scorer, explain_row, path_to_next_tier
from glasscredit.store import EVENT_FRAME_SCHEMA, Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

T0 = parse_timestamp("2026-09-01T00:00:00Z")

POLICY: dict[str, Any] = {
    "version": 1,
    "name": "two-sources",
    "sources": {
        "bank_a": {"types": ["payment.on_time"], "group": "acme"},
        "bank_a2": {"types": ["payment.on_time"], "group": "acme"},  # acme's second brand
        "bank_b": {"types": ["payment.on_time"]},
    },
    "event_types": {
        "payment.on_time": {
            "polarity": "positive",
            "attributes": {"amount": {"type": "number", "minimum": 0}},
        }
    },
    "dimensions": {"payment_history": {"label": "Payment history"}},
    "features": [
        {
            "name": "paid",
            "agg": "count",
            "types": ["payment.on_time"],
            "window": "365d",
            "dimension": "payment_history",
            "cap": 20,
            "min_sources": {"feature": "sources", "min": 2, "cap": 3},
        },
        {
            "name": "paid_sum",
            "agg": "sum",
            "types": ["payment.on_time"],
            "attribute": "amount",
            "dimension": "payment_history",
            "min_sources": {"feature": "sources", "cap": 100},
        },
        {
            "name": "sources",
            "agg": "distinct_sources",
            "types": ["payment.on_time"],
            "window": "365d",
            "dimension": "payment_history",
        },
    ],
    "points": {
        "base": 600,
        "features": {
            "paid": {"edges": [1, 4, 8], "points": [0, 10, 20, 30]},
            "paid_sum": {"edges": [200], "points": [0, 5]},
            "sources": {"edges": [2], "points": [0, 5]},
        },
    },
    "tiers": [{"name": "low", "min": 350, "max": 649}, {"name": "high", "min": 650, "max": 950}],
}


def _frame(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """(subject, source, days before T0) -> on-time payments of 100, recorded when they occur."""
    return pl.DataFrame(
        [
            {
                "seq": i + 1,
                "event_id": f"e{i}",
                "subject": s,
                "source": src,
                "type": "payment.on_time",
                "occurred_at_us": T0 - ago * DAY_US,
                "recorded_at_us": T0 - ago * DAY_US,
                "known_at_us": T0 - ago * DAY_US,
                "attributes": '{"amount":100}',
            }
            for i, (s, src, ago) in enumerate(rows)
        ],
        schema=EVENT_FRAME_SCHEMA,
    )


def _rows() -> list[tuple[str, str, int]]:
    return (
        # one bank, ten payments: counts 3 (and 100 of 1,000)
        [("solo", "bank_a", d) for d in range(1, 11)]
        # two brands of one operator: still one independent source
        + [("brands", "bank_a", d) for d in range(1, 6)]
        + [("brands", "bank_a2", d) for d in range(6, 11)]
        # two operators: counts fully
        + [("two", "bank_a", d) for d in range(1, 10)]
        + [("two", "bank_b", 10)]
        # the second source's only event left the window: one source again
        + [("lapsed", "bank_a", d) for d in range(1, 10)]
        + [("lapsed", "bank_b", 400)]
        # below the single-source cap: nothing is clipped
        + [("few", "bank_a", 1), ("few", "bank_a", 2)]
    )


def test_single_source_history_counts_at_most_the_cap() -> None:
    policy = policy_from_dict(POLICY)
    got = {r["subject"]: r for r in compute_features(_frame(_rows()), policy, T0).frame.to_dicts()}
    assert {s: (r["sources"], r["paid"], r["paid_sum"]) for s, r in got.items()} == {
        "brands": (1.0, 3.0, 100.0),
        "few": (1.0, 2.0, 100.0),
        "lapsed": (1.0, 3.0, 100.0),  # paid_sum has no window: 1,000 clipped at 100
        "solo": (1.0, 3.0, 100.0),
        "two": (2.0, 10.0, 1000.0),
    }


def test_batch_and_single_subject_agree_and_the_explanation_says_why() -> None:
    policy = policy_from_dict(POLICY)
    frame = _frame(_rows())
    batch = compute_features(frame, policy, T0)
    assert policy.points is not None
    for subject in ("solo", "brands", "two", "lapsed", "few"):
        one = subject_pass(frame, policy, T0, subject)
        assert one.values == batch.row(subject)
        exp = explain_row(policy, policy.points, subject, T0, one.values, one.provenance)
        notes = {f.name: f.note for f in exp.features}
        if subject == "two":
            assert notes == {"paid": None, "paid_sum": None, "sources": None}
            assert exp.score == 600 + 30 + 5 + 5
            continue
        assert notes["sources"] is None
        assert notes["paid_sum"] == (
            "counted at most 100: the positive history comes from 1 independent "
            "source (acme); 2 needed to count fully"
        )
    solo = subject_pass(frame, policy, T0, "solo")
    exp = explain_row(policy, policy.points, "solo", T0, solo.values, solo.provenance)
    line = next(f for f in exp.features if f.name == "paid")
    # 10 events counted, value 3 -> [1, 4) +10: exactly the table, and the note says why
    assert (line.value, line.points) == (3.0, 10)
    assert line.note == (
        "10 events, counted at most 3: the positive history comes from 1 "
        "independent source (acme); 2 needed to count fully"
    )
    assert exp.score == 600 + 10 + 0 + 0
    assert len(solo.provenance["paid"]) == 10  # the events behind it are all listed


def test_without_a_group_two_brands_are_two_sources() -> None:
    raw = copy.deepcopy(POLICY)
    for spec in raw["sources"].values():
        spec.pop("group", None)
    policy = policy_from_dict(raw)
    row = compute_features(_frame(_rows()), policy, T0).row("brands")
    assert (row["sources"], row["paid"]) == (2.0, 10.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x", "y", "z"]),
            st.sampled_from(["bank_a", "bank_a2", "bank_b"]),
            st.integers(0, 500),
        ),
        max_size=40,
    )
)
def test_kernel_matches_a_plain_oracle(rows: list[tuple[str, str, int]]) -> None:
    policy = policy_from_dict(POLICY)
    group = {"bank_a": "acme", "bank_a2": "acme", "bank_b": "bank_b"}
    frame = _frame(rows)
    got = compute_features(frame, policy, T0).frame if rows else pl.DataFrame()
    for r in got.to_dicts() if rows else []:
        mine = [(src, ago) for s, src, ago in rows if s == r["subject"]]
        in_window = [(src, ago) for src, ago in mine if ago < 365]
        n_groups = len({group[src] for src, _ in in_window})
        paid = min(len(in_window), 20)
        total = 100.0 * len(mine)
        if n_groups < 2:
            paid, total = min(paid, 3), min(total, 100.0)
        assert (r["sources"], r["paid"], r["paid_sum"]) == (n_groups, paid, total)
        assert subject_pass(frame, policy, T0, r["subject"]).values == {
            k: v for k, v in r.items() if k != "subject"
        }


def test_a_newcomer_known_to_one_bank_scores_what_the_table_says(
    ledger: Ledger, clock: FakeClock
) -> None:
    """Honest behaviour: six months of payments through one bank, nothing clipped."""
    clock.set("2026-09-01T00:00:00Z")
    evs = [
        event("acct", type_="account.opened", occurred_at="2026-03-01T00:00:00Z"),
        event("idv", type_="identity.verified", level=2, occurred_at="2026-03-01T00:00:00Z"),
    ]
    evs += [event(f"pay-{m}", occurred_at=f"2026-0{m}-15T12:00:00Z") for m in range(3, 9)]
    assert load_history(ledger, evs).accepted == 8  # six months of the bank's records
    exp = Scorer(ledger).explain("s1", T0)
    lines = {f.name: f for f in exp.features}
    # on_time 6 -> [6, 12) +10 (the single-source cap is 23: nothing clipped); share 1.0
    # +10; identity 2 +25; tenure 6 months -> [0, 12) -5; sources 1 -> 0; the rest as an
    # empty file: late 0 +15, max days missing 0, defaults +10, breaches +10
    assert lines["on_time_payments_24m"].value == 6.0
    assert lines["on_time_payments_24m"].points == 10
    assert exp.score == 555 + 10 + 15 + 0 + 10 + 10 + 0 + 0 + 10 + 0 + 25 + 0 - 5 + 0 + 0
    assert lines["on_time_payments_24m"].note == (
        "6 events, counted at most 23: the positive history comes from 1 "
        "independent source (bank); 2 needed to count fully"
    )
    assert lines["identity_level"].note is None  # a check, not history: not limited


def test_a_second_independent_source_lifts_the_limit(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    evs = [
        event(f"pay-{i}", occurred_at=f"2025-{(i % 12) + 1:02d}-{(i // 12) + 1:02d}T12:00:00Z")
        for i in range(30)
    ]
    load_history(ledger, evs).check()  # the bank's records of 2025
    sc = Scorer(ledger)
    before = {f.name: f for f in sc.explain("s1", T0).features}
    assert (before["on_time_payments_24m"].value, before["on_time_payments_24m"].points) == (
        23.0,
        20,
    )
    clock.set("2026-09-01T00:00:01Z")
    ledger.ingest([event("ride", type_="rental.returned", occurred_at="2026-08-01T00:00:00Z")])
    after = {f.name: f for f in sc.explain("s1", T0 + 1_000_000).features}
    assert (after["on_time_payments_24m"].value, after["on_time_payments_24m"].points) == (
        30.0,
        30,
    )
    assert after["on_time_payments_24m"].note is None


def _refused(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    return [(e.field, e.rule) for e in info.value.errors]


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"feature": "nope", "cap": 3}, "features.paid.min_sources.feature", "unknown_feature"),
        (
            {"feature": "paid_sum", "cap": 3},
            "features.paid.min_sources.feature",
            "distinct_sources",
        ),
    ],
)
def test_min_sources_must_read_a_distinct_sources_feature(
    change: dict[str, Any], field: str, rule: str
) -> None:
    raw = copy.deepcopy(POLICY)
    raw["features"][0]["min_sources"] = change
    assert (field, rule) in _refused(raw)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"min_sources": {"feature": "sources", "min": 1, "cap": 3}}, "min"),
        ({"min_sources": {"feature": "sources", "cap": 25}}, "below the feature's cap 20"),
        ({"min_sources": {"feature": "sources", "cap": -1}}, "cap"),
        ({"min_sources": {"feature": "sources", "cap": 3, "typo": 1}}, "typo"),
    ],
)
def test_min_sources_values_are_checked(change: dict[str, Any], words: str) -> None:
    raw = copy.deepcopy(POLICY)
    raw["features"][0].update(change)
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    assert words in str(info.value)


def test_min_sources_only_on_growing_aggregates() -> None:
    raw = copy.deepcopy(POLICY)
    raw["features"][2]["min_sources"] = {"feature": "sources", "cap": 1}
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    assert "min_sources applies to count, sum, max, months_since_first" in str(info.value)


def test_a_group_name_is_checked() -> None:
    raw = copy.deepcopy(POLICY)
    raw["sources"]["bank_b"]["group"] = "Acme Corp!"
    with pytest.raises(PolicyError) as info:
        policy_from_dict(raw)
    assert "sources.bank_b.group" in str(info.value)


def test_the_default_policy_limits_history_not_checks() -> None:
    policy = default_policy()
    limited = {f.name: f.min_sources for f in policy.features if f.min_sources}
    assert {k: (v.feature, v.min, v.cap) for k, v in limited.items()} == {
        "on_time_payments_24m": ("active_sources_24m", 2, 23.0),
        "loans_repaid_5y": ("active_sources_24m", 2, 2.0),
        "contracts_kept_24m": ("active_sources_24m", 2, 14.0),
        "months_since_first_account": ("active_sources_24m", 2, 83.0),
    }
    # each cap lands one bin below the feature's top: no single source reaches the top
    assert policy.points is not None
    for name, ms in limited.items():
        bins = policy.points.features[name]
        assert bins.bin_of(ms.cap)[1] < bins.max_points


def test_next_tier_never_proposes_more_events_where_only_a_second_source_helps(
    db_url: str, clock: FakeClock
) -> None:
    raw = copy.deepcopy(POLICY)
    for f in raw["features"]:
        f["lever"] = "more"
    raw["tiers"] = [
        {"name": "low", "min": 350, "max": 629},
        {"name": "high", "min": 630, "max": 950},
    ]
    policy = policy_from_dict(raw)
    clock.set("2026-09-01T00:00:00Z")
    with Ledger(db_url, policy, clock=clock) as led:
        led.ingest(
            [
                {
                    "event_id": f"p{d}",
                    "subject": "solo",
                    "source": "bank_a",
                    "type": "payment.on_time",
                    "occurred_at": f"2026-08-{d:02d}T12:00:00Z",
                    "attributes": {"amount": 10},
                }
                for d in range(1, 11)
            ]
        )
        sc = Scorer(led)
        assert sc.explain("solo", T0).score == 610  # paid 10 counts 3: +10; sum 100: 0
        path = path_to_next_tier(sc, "solo", T0)
    # paid to 8 alone would be +20 without the limit; with one source it stays at 3, so
    # every path that reaches 630 adds an independent source
    assert path["paths"]
    for p in path["paths"]:
        assert any("(sources)" in a for a in p["actions"]), p
