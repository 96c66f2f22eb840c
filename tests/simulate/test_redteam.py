"""Burst detection and holds, and the red-team simulator's outcomes, checked by hand."""

from __future__ import annotations

import json

import polars as pl
from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import DAY_US, Policy, default_policy, parse_timestamp
from glasscredit.scoring import Scorer
from glasscredit.simulate import run_redteam
from glasscredit.store import Ledger
from glasscredit.trust import BurstSettings, detect_bursts, hold_bursts, release_burst, scan_bursts
from tests.conftest import FakeClock, event

DAY0 = parse_timestamp("2026-08-30T00:00:00Z")


def _pump(
    n_subjects: int, per_subject: int, source: str = "shop", start: int = DAY0
) -> pl.DataFrame:
    rows = [
        (f"{source}-{s}-{i}", f"s{s}", source, "payment.on_time", start + i * 60_000_000)
        for s in range(n_subjects)
        for i in range(per_subject)
    ]
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "event_id": pl.String,
            "subject": pl.String,
            "source": pl.String,
            "type": pl.String,
            "occurred_at_us": pl.Int64,
        },
    ).with_columns(known_at_us=pl.col("occurred_at_us"))  # live: known when it happened


def test_burst_needs_many_heavy_subjects_from_one_source(policy: Policy) -> None:
    rule = BurstSettings()  # 1d bucket, >= 10 events per subject, >= 20 such subjects
    found = detect_bursts(_pump(20, 10), policy, rule)
    # 20 subjects x 10 events in one day from one source: one burst of 200 events
    assert [(b.source, b.subjects, b.events, len(b.event_ids)) for b in found] == [
        ("shop", 20, 200, 200)
    ]
    assert found[0].ref == f"burst:shop:{DAY0}"
    assert detect_bursts(_pump(19, 10), policy, rule) == []  # 19 subjects: not a burst
    assert detect_bursts(_pump(20, 9), policy, rule) == []  # 9 events each: not heavy
    # honest: 2,000 subjects paid twice a day by the bank is not a burst
    assert detect_bursts(_pump(2_000, 2, "bank"), policy, rule) == []
    # negative events never inflate a score: a mass of late payments is not flagged
    late = _pump(20, 10).with_columns(pl.lit("payment.late").alias("type"))
    assert detect_bursts(late, policy, rule) == []


def test_held_burst_stops_counting_until_released(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-08-31T00:00:00Z")  # recorded a day before the scan
    evs = [
        event(f"p-{s}-{i}", subject=f"b{s:02d}", occurred_at=f"2026-08-30T10:{i:02d}:00Z")
        for s in range(20)
        for i in range(10)
    ]
    evs.append(event("honest", subject="h1", occurred_at="2026-08-30T10:00:00Z"))
    assert ledger.ingest(evs).accepted == 201
    clock.set("2026-09-01T00:00:00Z")
    now = clock()
    found = scan_bursts(ledger, now - 7 * DAY_US, now)
    assert len(found) == 1 and found[0].subjects == 20 and found[0].source == "bank"
    assert hold_bursts(ledger, found, now) == 200
    assert hold_bursts(ledger, found, now) == 0  # holding twice adds nothing
    scorer = Scorer(ledger)

    def on_time(subject: str, t: int) -> float | None:
        return {f.name: f.value for f in scorer.explain(subject, t).features}[
            "on_time_payments_24m"
        ]

    # before the hold: 10 payments in one day, max 2 per day count -> 2
    assert on_time("b00", now - 1) == 2
    assert on_time("b00", now) == 0  # held: nothing counts
    assert on_time("h1", now) == 1  # the honest subject is untouched
    later = now + DAY_US
    assert release_burst(ledger, found[0].ref, later) == 200
    assert on_time("b00", later) == 2  # reviewed and released
    assert on_time("b00", now) == 0  # the past still reproduces
    # holding and releasing changed what scores count: both are on the audit chain
    changes = [e for e in ledger.audit.entries() if e.action in ("hold", "release")]
    assert [(e.action, e.at_us, e.details["ref"], e.details["events"]) for e in changes] == [
        ("hold", now, found[0].ref, 200),
        ("release", later, found[0].ref, 200),
    ]
    assert ledger.verify_audit().ok


def test_redteam_small_population() -> None:
    report = run_redteam(default_policy(), n_honest=3_000, n_sybil=300, n_bots=100)
    got = {a.name: a for a in report.attacks}
    # (a) naive: 300 raw endorsements >= the honest median -> value 1 -> the trust
    # feature's top bin, 30 points in the default table, from 0
    assert got["a_sybil_ring"].naive == 30 and got["a_sybil_ring"].glasscredit <= 5
    # (b), (c): nothing corroborated -> 0; naive: any report -> the [0.5, inf) bin, -30
    assert (got["b_lone_reporter"].glasscredit, got["b_lone_reporter"].naive) == (0, -30)
    assert (got["c_fresh_colluders"].glasscredit, got["c_fresh_colluders"].naive) == (0, -30)
    d = got["d_bot_farm"]
    # naive: on-time 0 -> 300 (-10 -> +30), share missing -> 1.0 (0 -> +10), sources
    # 0 -> 1 (-5 -> 0): 40 + 10 + 5 = 55. Caps alone: on-time 2 -> 0 points: 10 + 10 + 5 = 25
    assert d.naive == 55 and d.detail["bots_gain_caps_without_hold"] == 25
    assert d.glasscredit == 0 and d.detail["honest_events_held"] == 0
    assert d.detail["honest_median_drift"] == 0 and int(d.detail["bursts_flagged"]) >= 1
    assert got["e_honest_no_attack"].glasscredit < 0.01
    assert report.auc >= 0.95


def test_redteam_command_prints_json() -> None:
    out = CliRunner().invoke(app, ["redteam", "--honest", "2000", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [a["name"] for a in data["attacks"]] == [
        "a_sybil_ring",
        "b_lone_reporter",
        "c_fresh_colluders",
        "d_bot_farm",
        "e_honest_no_attack",
    ]
    assert data["trust_auc"] >= 0.95 and data["n_honest"] == 2000
