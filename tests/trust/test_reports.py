"""Corroborated misconduct reports: each rule, by hand, and honest reports still count."""

from __future__ import annotations

import polars as pl
import pytest
from tests.conftest import FakeClock, event

from glasscredit.policy import Policy, default_policy, parse_timestamp
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from glasscredit.trust import (
    ReporterInfo,
    ReportSettings,
    compute_reports,
    corroborate_reports,
    explain_reports,
)

T = parse_timestamp("2026-09-01T00:00:00Z")
DAY = 86_400_000_000
CATS = ["non_payment", "fraud"]
OLD = {f"r{i}": ReporterInfo(T - (400 + 90 * i) * DAY, f"src{i}") for i in range(1, 6)}


def _reports(*rows: tuple[str, str, int]) -> pl.DataFrame:
    """(reporter, category, days before T) against target x."""
    return pl.DataFrame(
        {
            "event_id": [f"rep{i}" for i in range(len(rows))],
            "reporter": [r for r, _, _ in rows],
            "target": ["x"] * len(rows),
            "category": [c for _, c, _ in rows],
            "occurred_at_us": [T - d * DAY for _, _, d in rows],
        }
    )


def _run(
    reports: pl.DataFrame,
    trust: dict[str, float],
    *,
    ties: set[tuple[str, str]] | None = None,
    infos: dict[str, ReporterInfo] | None = None,
    overturned: dict[str, int] | None = None,
) -> tuple[float, dict[str, str]]:
    out = corroborate_reports(
        reports,
        as_of_us=T,
        trust=trust,
        reporters=infos or OLD,
        ties=ties or set(),
        categories=CATS,
        settings=ReportSettings(),
        overturned=overturned,
    )["x"]
    return out.value, {v.event_id: v.reason for v in out.reports}


TRUST = {"r1": 1.0, "r2": 0.8, "r3": 0.5, "r4": 0.1, "r5": 1.0}


def test_three_independent_trusted_reporters_count() -> None:
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0), ("r4", "fraud", 0)),
        TRUST,
    )
    # r4: 0.1 < 0.2 -> untrusted; three groups >= k = 3 -> 1.0 + 0.8 + 0.5 = 2.3
    assert value == pytest.approx(2.3)
    assert why == {
        "rep0": "counted",
        "rep1": "counted",
        "rep2": "counted",
        "rep3": "untrusted_reporter",
    }


def test_tied_reporters_count_as_one() -> None:
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)),
        TRUST,
        ties={("r1", "r2")},
    )
    # groups {r1, r2} (weight max(1.0, 0.8)) and {r3}: 2 < 3 -> nothing counts
    assert value == 0.0
    assert why == {"rep0": "not_corroborated", "rep1": "same_group", "rep2": "not_corroborated"}


def test_one_reporter_filing_a_hundred_reports_is_one_report() -> None:
    value, why = _run(_reports(*[("r1", "fraud", 0)] * 100), TRUST)
    assert value == 0.0
    assert sorted(why.values()).count("reporter_cap") == 99
    assert "not_corroborated" in why.values()


def test_fresh_and_batch_registered_reporters_count_as_one() -> None:
    fresh = {
        **OLD,
        "r3": ReporterInfo(T - 5 * DAY, "src3"),
        "r5": ReporterInfo(T - 10 * DAY, "src5"),
    }
    # r3 and r5 created < 30 days before their reports -> one group; r1 separate: 2 groups
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r3", "fraud", 0), ("r5", "fraud", 0)), TRUST, infos=fresh
    )
    assert value == 0.0 and why["rep1"] == "same_group"
    # same first source within 30 days of each other (one registration batch): one group
    batch = {
        **OLD,
        "r2": ReporterInfo(T - 500 * DAY, "farm"),
        "r3": ReporterInfo(T - 490 * DAY, "farm"),
    }
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)), TRUST, infos=batch
    )
    assert value == 0.0 and why["rep2"] == "same_group"


def test_decay_and_overturned_reports_lower_the_weight() -> None:
    reports = _reports(("r1", "fraud", 180), ("r2", "fraud", 0), ("r5", "fraud", 0))
    value, _ = _run(reports, TRUST)
    # r1's report is one half-life (180 d) old: 1.0 * 0.5; total 0.5 + 0.8 + 1.0 = 2.3
    assert value == pytest.approx(2.3)
    value, why = _run(reports, TRUST, overturned={"r5": 2})
    # r5 had 2 reports overturned: 1.0 * 0.5 ** 2 = 0.25, still >= 0.2 -> 0.5 + 0.8 + 0.25
    assert value == pytest.approx(1.55)
    value, why = _run(reports, TRUST, overturned={"r5": 3})
    # 0.5 ** 3 = 0.125 < 0.2: r5 no longer carries weight, 2 groups left
    assert value == 0.0 and why["rep2"] == "untrusted_reporter"


def test_bad_reports_are_neutral() -> None:
    value, why = _run(
        _reports(
            ("r1", "fraud", 0),
            ("r2", "religion", 0),
            ("ghost", "fraud", 0),
            ("x", "fraud", 0),
            ("r5", "fraud", 0),
        ),
        {**TRUST, "x": 1.0},
        infos={**OLD, "x": ReporterInfo(T - 900 * DAY, "srcx")},
    )
    assert why["rep1"] == "unknown_category" and why["rep2"] == "unknown_reporter"
    assert why["rep3"] == "self_report"
    assert value == 0.0  # only r1 and r5 remain: 2 < 3


AS_OF = "2026-09-01T00:00:00Z"


@pytest.fixture
def policy() -> Policy:
    """The default policy, which scores corroborated reports (docs/manipulation.md)."""
    p = default_policy()
    assert p.points is not None and "corroborated_reports" in p.points.features
    return p


def _mutual(a: str, b: str) -> list[dict[str, object]]:
    when = "2026-01-01T00:00:00Z"
    return [
        event(f"e-{a}-{b}", subject=b, type_="endorsement", endorser=a, occurred_at=when),
        event(f"e-{b}-{a}", subject=a, type_="endorsement", endorser=b, occurred_at=when),
    ]


def _report(eid: str, reporter: str) -> dict[str, object]:
    return event(eid, subject="x", type_="report.misconduct", reporter=reporter, occurred_at=AS_OF)


def test_reports_in_the_ledger_feed_the_score(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    evs = [
        event(
            "a-id",
            subject="a",
            type_="identity.verified",
            level=3,
            occurred_at="2023-01-01T00:00:00Z",
        ),
        event("x-acct", subject="x", type_="account.opened", occurred_at="2024-03-01T00:00:00Z"),
    ]
    for i, start in enumerate(["2024-01-01", "2024-06-01", "2025-01-01"], start=1):
        evs.append(
            event(
                f"r{i}-acct",
                subject=f"r{i}",
                type_="account.opened",
                occurred_at=f"{start}T00:00:00Z",
            )
        )
        evs += _mutual("a", f"r{i}")
    evs += [_report("rep1", "r1"), _report("rep2", "r2")]
    assert ledger.ingest(evs).accepted == len(evs)
    t = parse_timestamp(AS_OF)
    # star a - r1, r2, r3 plus x alone: n = 5, 3 steps, 5 units on a (degree 3):
    # x1 = r_i 5/3; x2 = a 5; x3 = r_i 5/3 -> trust r_i = 5/3, the median -> each 1.0
    two = explain_reports(ledger, "x", t)
    assert two.value == 0.0 and [v.reason for v in two.reports] == ["not_corroborated"] * 2
    ledger.ingest(
        [_report("rep3", "r3"), event("self", subject="x", type_="report.misconduct", reporter="x")]
    )
    three = explain_reports(ledger, "x", t)
    # three independent reporters of trust 1.0, reports made at as_of (no decay): 3.0
    assert three.value == pytest.approx(3.0) and three.groups == 3
    snap = compute_reports(ledger, t)
    assert snap.values == pytest.approx({"x": 3.0})
    exp = Scorer(ledger).explain("x", t)
    feats = {f.name: (f.value, f.points) for f in exp.features}
    # 3.0 >= 0.5 -> the [0.5, inf) bin: -30 points in the default table
    assert feats["corroborated_reports"] == (pytest.approx(3.0), -30)
