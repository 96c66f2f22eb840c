"""Scores on small ledgers, with expected values computed by hand (arithmetic in comments)."""

from __future__ import annotations

import polars as pl
import pytest

from glasscredit.features import compute_features
from glasscredit.policy import Policy, parse_timestamp, policy_from_dict
from glasscredit.scoring import Scorer, rescore, score_history, score_notices, verify_score
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

AS_OF = "2026-09-01T00:00:00Z"


def _s1_events() -> list[dict[str, object]]:
    evs = [
        event("acct", type_="account.opened", occurred_at="2020-01-01T00:00:00Z"),
        event("idv", type_="identity.verified", level=3, occurred_at="2025-01-10T00:00:00Z"),
        event("late", type_="payment.late", days_late=45, occurred_at="2026-03-02T10:00:00Z"),
    ]
    months = [
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
    evs += [event(f"pay-{m}", occurred_at=f"{m}-15T12:00:00Z") for m in months]
    return evs


def test_default_policy_score_by_hand(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    assert load_history(ledger, _s1_events()).accepted == 15
    exp = Scorer(ledger).explain("s1", parse_timestamp(AS_OF))
    pts = {f.name: f.points for f in exp.features}
    # on_time 12 -> [12,24) +20; late 1 -> [1,2) 0; max days 45 -> [30,60) -20;
    # share 12/13 = 0.923 -> [0.8,0.95) 0; defaults 0 -> +10; loans 0 -> 0; contracts 0 -> 0;
    # breaches 0 -> +10; identity 3 -> +45; income 0 -> 0;
    # tenure: 2020-01-01 .. 2026-09-01 = 2435 days = 210,384,000 s / 2,629,746 = 80.0 -> +25;
    # sources {bank} = 1 -> 0; trust missing -> 0.  555 + 20 - 20 + 10 + 10 + 45 + 25 = 645
    assert pts == {
        "on_time_payments_24m": 20,
        "late_payments_24m": 0,
        "max_days_late_24m": -20,
        "on_time_share_24m": 0,
        "defaults_7y": 10,
        "loans_repaid_5y": 0,
        "contracts_kept_24m": 0,
        "breaches_24m": 10,
        "corroborated_reports": 0,
        "identity_level": 45,
        "income_verified_24m": 0,
        "months_since_first_account": 25,
        "active_sources_24m": 0,
        "trust": 0,
    }
    assert exp.score == 645 and exp.tier == "good"
    assert exp.base_points + sum(pts.values()) == exp.score
    # every event is the bank's: the single-source limits are in force (and said), but
    # 12 payments and 80 months are below their caps (23, 83): nothing is clipped
    assert {f.name for f in exp.features if f.note} == {
        "on_time_payments_24m",
        "loans_repaid_5y",
        "contracts_kept_24m",
        "months_since_first_account",
    }
    # points below max: contracts 30 and trust 30 tie -> declaration order puts
    # contracts (GC07) first; loans 25; then max_days_late 20 and tenure 20 tie ->
    # max_days_late (GC03) first
    assert [r.code for r in exp.reasons] == ["GC07", "GC13", "GC06", "GC03"]
    assert exp.reasons[3].events == ["late"]
    assert exp.dimensions["identity"] == {
        "points": 45,
        "percent": pytest.approx(100 * (45 - (-10)) / (60 - (-10)), abs=0.05),
    }
    assert [p["name"] for p in exp.perks] == ["credit_stay"]  # 645 < 650, late in 5y


def test_exclusion_removes_exactly_the_events_points(
    ledger: Ledger, clock: FakeClock, policy: Policy
) -> None:
    clock.set(AS_OF)
    load_history(ledger, _s1_events())
    t = parse_timestamp(AS_OF)
    ev = Scorer(ledger).events(["s1"], t)
    schema = {"event_id": pl.String, "source": pl.String, "from_us": pl.Int64, "until_us": pl.Int64}
    excl = pl.DataFrame(
        {"event_id": ["late"], "source": ["bank"], "from_us": [t - 1], "until_us": [None]},
        schema=schema,
    )
    before = compute_features(ev, policy, t).row("s1")
    # ids are per source: another source's period for the same id leaves bank's event alone
    other = excl.with_columns(pl.lit("rentals").alias("source"))
    assert compute_features(ev, policy, t, exclusions=other).row("s1") == before
    after = compute_features(ev, policy, t, exclusions=excl).row("s1")
    assert before["late_payments_24m"] == 1 and after["late_payments_24m"] == 0
    assert after["max_days_late_24m"] is None and after["on_time_share_24m"] == 1.0
    # late 0 -> +15 (was 0), max days missing -> 0 (was -20), share 1.0 -> +10 (was 0)
    # 645 + 15 + 20 + 10 = 690; an exclusion that starts after t changes nothing
    assert policy.points is not None
    assert policy.points.score_row(after) == 690
    later = excl.with_columns(pl.lit(t + 1).alias("from_us"))
    assert compute_features(ev, policy, t, exclusions=later).row("s1") == before


TINY = {
    "version": 1,
    "name": "tiny",
    "sources": {"bank": {"types": ["payment.on_time", "payment.late"]}},
    "retention": {"negative": "1y", "positive": "10y", "neutral": "10y"},
    "event_types": {
        "payment.on_time": {
            "polarity": "positive",
            "attributes": {"amount": {"type": "number", "minimum": 0}},
        },
        "payment.late": {
            "polarity": "negative",
            "attributes": {
                "amount": {"type": "number", "minimum": 0},
                "days_late": {"type": "integer", "minimum": 1},
            },
        },
    },
    "dimensions": {"payment_history": {"label": "Payment history"}},
    "features": [
        {
            "name": "paid_90d",
            "agg": "count",
            "types": ["payment.on_time"],
            "window": "90d",
            "dimension": "payment_history",
            "max_per_period": {"period": "1d", "max": 2},
        },
        {
            "name": "late_all",
            "agg": "count",
            "types": ["payment.late"],
            "dimension": "payment_history",
        },
        {
            "name": "paid_sum",
            "agg": "sum",
            "types": ["payment.on_time"],
            "attribute": "amount",
            "dimension": "payment_history",
            "cap": 100,
        },
    ],
    "points": {
        "base": 600,
        "features": {
            "paid_90d": {"edges": [1, 3], "points": [0, 10, 20]},
            "late_all": {"edges": [1], "points": [0, -50]},
            "paid_sum": {"edges": [50], "points": [0, 5]},
        },
    },
    "tiers": [{"name": "low", "min": 350, "max": 599}, {"name": "high", "min": 600, "max": 950}],
}


def _tiny_ledger(url: str, clock: FakeClock) -> Ledger:
    return Ledger(url, policy_from_dict(TINY), clock=clock)


def test_window_boundaries_retention_and_caps(sqlite_url: str, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    with _tiny_ledger(sqlite_url, clock) as led:
        led.ingest(
            [
                # 90 days before 2026-09-01T00:00Z is 2026-06-03T00:00Z: the window is (t-90d, t]
                event("edge", occurred_at="2026-06-03T00:00:00Z", amount=30),
                event("in1", occurred_at="2026-06-03T00:00:01Z", amount=30),
                # three on one day: the per-day cap of 2 keeps the first two
                event("d1", occurred_at="2026-08-01T08:00:00Z", amount=30),
                event("d2", occurred_at="2026-08-01T09:00:00Z", amount=30),
                event("d3", occurred_at="2026-08-01T10:00:00Z", amount=30),
                # negative retention 1y: 2025-09-01T00:00Z + 365.2425 d = 2026-09-01T05:49:12Z
                event(
                    "old_late",
                    type_="payment.late",
                    days_late=3,
                    occurred_at="2025-09-01T00:00:00Z",
                ),
            ]
        )
        sc = Scorer(led)
        exp = sc.explain("s1", parse_timestamp("2026-09-01T00:00:00Z"))
        vals = {f.name: f.value for f in exp.features}
        # paid_90d: in1, d1, d2 = 3 (edge is out, d3 capped); paid_sum has no window or
        # per-day cap: 5 x 30 = 150, capped at 100; late_all 1 (still retained)
        assert vals == {"paid_90d": 3.0, "late_all": 1.0, "paid_sum": 100.0}
        assert exp.score == 600 + 20 - 50 + 5 == 575 and exp.tier == "low"
        assert exp.reasons[0].feature == "late_all" and exp.reasons[0].events == ["old_late"]
        # six hours later the late payment has expired (retention) and in1 left the window
        later = sc.explain("s1", parse_timestamp("2026-09-01T06:00:00Z"))
        vals = {f.name: f.value for f in later.features}
        assert vals == {"paid_90d": 2.0, "late_all": 0.0, "paid_sum": 100.0}
        assert later.score == 600 + 10 + 0 + 5 == 615 and later.tier == "high"


def test_as_of_before_and_after_an_event_is_recorded(sqlite_url: str, clock: FakeClock) -> None:
    with _tiny_ledger(sqlite_url, clock) as led:
        clock.set("2026-08-01T00:00:00Z")
        led.ingest([event("p1", occurred_at="2026-07-01T00:00:00Z", amount=10)])
        clock.set("2026-08-10T00:00:00Z")
        # reported late: happened in July, recorded on 10 August
        led.ingest([event("p2", occurred_at="2026-07-02T00:00:00Z", amount=10)])
        sc = Scorer(led)
        at = {
            t: sc.explain("s1", parse_timestamp(t))
            for t in (
                "2026-06-30T00:00:00Z",
                "2026-07-15T00:00:00Z",
                "2026-08-05T00:00:00Z",
                "2026-08-11T00:00:00Z",
            )
        }
    # before July 1st nothing had happened; on July 15th neither was recorded yet;
    # on Aug 5th only p1 was in the ledger; on Aug 11th both
    assert [a.features[0].value for a in at.values()] == [0.0, 0.0, 1.0, 2.0]
    assert [a.score for a in at.values()] == [600, 600, 610, 610]


def test_stored_scores_reproduce_and_history_keeps_order(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(ledger, _s1_events())
    sc = Scorer(ledger)
    t = parse_timestamp(AS_OF)
    rescore(sc, t, t)
    # a new late payment is reported; only s1 has new events, and its score drops
    clock.set("2026-09-02T00:00:00Z")
    ledger.ingest(
        [event("late2", type_="payment.late", days_late=5, occurred_at="2026-09-01T12:00:00Z")]
    )
    rep = rescore(sc, clock.now_us, clock.now_us, only_changed=True)
    assert rep.subjects == 1 and rep.changed == 1
    hist = score_history(sc, "s1")
    assert [h.score for h in hist] == [645, 630]  # late 2 -> [2,4) -15; share 12/14 -> 0
    for h in hist:
        assert verify_score(sc, h.score_id)["identical"]
    (notice,) = score_notices(sc, "s1")
    assert (notice["old_score"], notice["new_score"], notice["delta"]) == (645, 630, -15)
    assert notice["lines"] == [
        "-15: Late payments and missed bills in the last 24 months (late payment of "
        "2026-09-01 reported by bank counted)"
    ]
    assert rescore(sc, clock.now_us, clock.now_us, only_changed=True).subjects == 0
