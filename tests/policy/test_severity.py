"""The default policy's severity order, checked on the table and by scoring real ledgers.

A missed bill never costs less than a payment under 30 days late (a shorter lateness than
the billing cycle a missed bill overruns); more lateness never earns more; more of a bad
thing never earns more, more of a good thing never earns less; a missing value never
beats the best observed bin unless the row's rationale says why.
"""

from __future__ import annotations

import pytest

from glasscredit.exceptions import PolicyError
from glasscredit.policy import Policy, default_policy, parse_timestamp, policy_from_dict
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

AS_OF = "2026-09-01T00:00:00Z"
LATE_DAYS = [1, 5, 29, 30, 45, 59, 60, 89, 90, 365]


def test_every_default_points_row_says_why() -> None:
    table = default_policy().points
    assert table is not None
    assert all(fp.rationale and len(fp.rationale) > 40 for fp in table.features.values())


def test_default_points_follow_each_features_lever() -> None:
    p = default_policy()
    assert p.points is not None
    negative = {n for n, t in p.event_types.items() if t.polarity == "negative"}
    bad = {f.name for f in p.features if f.types and set(f.types) <= negative}
    assert bad == {"late_payments_24m", "max_days_late_24m", "defaults_7y", "breaches_24m"}
    bad.add("corroborated_reports")  # the weight of corroborated misconduct reports
    for f in p.features:
        fp = p.points.features[f.name]
        steps = list(zip(fp.points, fp.points[1:], strict=False))
        if f.name in bad:  # more of a bad thing: never earns more
            assert all(b <= a for a, b in steps), f.name
        else:  # more of a good thing: never earns less
            assert all(b >= a for a, b in steps), f.name
        rationale = (fp.rationale or "").lower()
        assert fp.missing <= max(fp.points) or "missing" in rationale, f.name


def _history(subject: str) -> list[dict[str, object]]:
    months = [f"2025-{m:02d}" for m in range(9, 13)] + [f"2026-{m:02d}" for m in range(1, 9)]
    evs = [event(f"{subject}-acct", subject, "account.opened", "2022-01-01T00:00:00Z")]
    return evs + [
        event(f"{subject}-pay-{m}", subject, occurred_at=f"{m}-15T12:00:00Z") for m in months
    ]


def _scores(
    sqlite_url: str, clock: FakeClock, extra: dict[str, list[dict[str, object]]]
) -> dict[str, int]:
    """Scores of ``clean`` (the history alone) and of each key of ``extra`` (history + more)."""
    clock.set(AS_OF)
    with Ledger(sqlite_url, default_policy(), clock=clock) as led:
        evs = _history("clean")
        for subject, more in extra.items():
            evs += _history(subject) + more
        assert load_history(led, evs).accepted == len(evs)  # years of the bank's records
        sc = Scorer(led)
        t = parse_timestamp(AS_OF)
        return {s: sc.explain(s, t).score for s in ["clean", *extra]}


def test_a_missed_bill_never_costs_less_than_a_shorter_lateness(
    sqlite_url: str, clock: FakeClock
) -> None:
    when = "2026-05-03T10:00:00Z"
    extra = {
        f"late{d}": [event(f"late{d}-x", f"late{d}", "payment.late", when, days_late=d)]
        for d in LATE_DAYS
    }
    kinds = ["rent", "utility", "phone", "internet", "insurance", "other"]
    extra |= {
        f"missed-{k}": [event(f"m-{k}", f"missed-{k}", "bill.missed", when, kind=k)] for k in kinds
    }
    extra["missed-twice"] = [
        event(f"m2-{i}", "missed-twice", "bill.missed", f"2026-0{i}-03T10:00:00Z", kind="rent")
        for i in (4, 5)
    ]
    s = _scores(sqlite_url, clock, extra)
    cost = {k: s["clean"] - v for k, v in s.items()}
    for k in kinds:
        assert cost[f"missed-{k}"] > 0
        for d in LATE_DAYS:
            if d < 30:
                assert cost[f"missed-{k}"] >= cost[f"late{d}"], (k, d)
    # more lateness never earns more (it may cost the same within a bin)
    late = [cost[f"late{d}"] for d in LATE_DAYS]
    assert late == sorted(late) and late[0] > 0
    assert cost["missed-twice"] > cost["missed-rent"]
    # the defect this order fixed: one day late cost 30 (count 15, share 10, the days 5),
    # a missed rent bill 25; now both cost the count and the share: 15 + 10
    assert cost["late1"] == cost["missed-rent"] == 25


def test_a_missing_value_above_the_best_bin_must_say_why() -> None:
    p = default_policy()
    raw = p.model_dump(mode="json", by_alias=True)
    row = raw["points"]["features"]["max_days_late_24m"]
    row["missing"] = 10
    row["rationale"] = "Grades how late the latest-paid payment was."
    assert row["missing"] > max(row["points"])
    # the policy loads (the rule is the default policy's principle, checked above) ...
    changed = policy_from_dict(raw)
    assert isinstance(changed, Policy) and changed.points is not None
    fp = changed.points.features["max_days_late_24m"]
    assert not (fp.missing <= max(fp.points) or "missing" in (fp.rationale or "").lower())


@pytest.mark.parametrize(
    ("rationale", "rule"),
    [("   ", "rationale_blank"), ("x" * 601, "length"), ("why\u202e", "")],
)
def test_a_rationale_is_short_plain_text(rationale: str, rule: str) -> None:
    raw = default_policy().model_dump(mode="json", by_alias=True)
    raw["points"]["features"]["trust"]["rationale"] = rationale
    with pytest.raises((PolicyError, ValueError)) as info:
        policy_from_dict(raw)
    assert "points.features.trust.rationale" in str(info.value) or "rationale" in str(info.value)
    assert rule in str(info.value)


def test_the_rationale_explains_without_changing_the_table_hash() -> None:
    table = default_policy().points
    assert table is not None
    bare = table.model_copy(
        update={
            "features": {
                k: v.model_copy(update={"rationale": None}) for k, v in table.features.items()
            }
        }
    )
    assert bare.hash == table.hash
    moved = table.features["trust"].model_copy(update={"missing": -5})
    assert (
        table.model_copy(update={"features": {**table.features, "trust": moved}}).hash != table.hash
    )
