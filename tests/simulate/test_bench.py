"""The red-team bench: every scenario runs on a small real ledger and its figures are measured.

One small population (300 subjects) is loaded once into a SQLite ledger the way the bench
loads it; each scenario runs on its own copy at a tenth of its size, through ingest,
disputes and the operator's routine, and is scored by the real scorer and the naive one.
The assertions are about what each attack demonstrably did (the naive scorer sees it),
not about glasscredit's figure, which the bench reports against its target.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from glasscredit import rights
from glasscredit.policy import DAY_US, default_policy
from glasscredit.simulate import (
    ATTACKS,
    Attack,
    PopulationSpec,
    Scores,
    World,
    bench_policy,
    build_world,
    naive_scores,
)
from glasscredit.simulate._bench import ScenarioResult, baseline_scores, measure, run_scenario
from glasscredit.simulate._plan import Plan, ev
from glasscredit.store import EVENT_FRAME_SCHEMA

SPEC = PopulationSpec(subjects=300, seed=3, events_per_subject=10, end_us=1_750_000_000_000_000)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("bench")
    w = build_world(bench_policy(default_policy()), SPEC, folder / "base.db", rights)
    yield w  # type: ignore[misc]
    w.close()


@pytest.fixture(scope="module")
def baselines(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Scores]:
    folder = tmp_path_factory.mktemp("baselines")
    return {m: baseline_scores(world, folder / f"b{m}.db", SPEC.seed, m) for m in (1, 12)}


def test_twenty_scenarios_or_more_cover_every_class() -> None:
    assert len(ATTACKS) >= 20
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)
    assert {a.klass for a in ATTACKS} >= {"sybil", "reports", "source", "disputes", "ids"}
    # adaptive variants the issue names: a year, dated back, a colluding source, seeds
    names = " ".join(a.name for a in ATTACKS)
    for word in ("year", "backdated", "seed", "dispute", "squat", "drip", "identity"):
        assert word in names, word


def test_world_is_loaded_as_it_happened(world: World) -> None:
    events = world.ledger.event_frame()
    # each source's history is an approved backfill attested known from when it
    # happened: the ledger's clock is the sender's, and every event is recorded at the
    # load (the end of the history), one approval per source
    assert (events["known_at_us"] == events["occurred_at_us"]).all()
    assert (events["recorded_at_us"] == SPEC.end_us).all()
    approvals = world.ledger.backfills.all()
    assert sorted(b.source for b in approvals) == sorted(events["source"].unique().to_list())
    assert all(b.occurred_to_us == SPEC.end_us for b in approvals)
    assert len(world.honest) == SPEC.subjects
    assert len(events["source"].unique()) >= 6


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_each_scenario_is_measured(
    attack: Attack, world: World, baselines: dict[int, Scores], tmp_path: Path
) -> None:
    res = run_scenario(
        attack,
        world,
        baselines[attack.months if attack.months in baselines else 12],
        tmp_path / "s.db",
        SPEC.seed,
        ATTACKS.index(attack),
        scale=0.1,
    )
    assert isinstance(res, ScenarioResult)
    assert math.isfinite(res.glasscredit) and math.isfinite(res.naive)
    assert 0.0 <= res.honest_lost10 <= 1.0
    if attack.klass == "sybil":
        assert res.naive > 0  # the naive scorer counts the sybils' endorsements
        assert res.auc is not None and 0.0 <= res.auc <= 1.0
    elif attack.klass == "reports":
        assert res.naive < 0  # raw reports cost the victims points
    elif attack.name == "backdated_age" and world.policy.backdate_bounds_us():
        # under a backdating bound the opening is re-sent at it: nothing left to gain,
        # even naive (docs/threat-model.md, "Under the bounds")
        assert res.glasscredit <= 0 and int(res.detail["openings_refused"]) > 0
    elif attack.klass in ("source", "ids"):
        assert res.naive > 0
    elif attack.name in ("dispute_farming", "dispute_every_month"):
        assert res.naive > 0  # the freeze before any verdict
    elif attack.name == "dispute_unanswered":
        assert res.glasscredit > 0  # unverified records are deleted at the deadline
    elif attack.name == "honest_no_attack":
        assert 0.0 <= res.glasscredit <= 1.0


def _scores(gc: dict[str, int], nv: dict[str, int]) -> Scores:
    return Scores(0, gc, nv, pl.DataFrame({"subject": list(gc)}))


def test_measure_compares_twins_or_the_baseline() -> None:
    base = _scores({"h": 600, "v": 650}, {"h": 600, "v": 650})
    att = _scores(
        {"h": 598, "v": 640, "x": 700, "t": 650, "c": 600},
        {"h": 600, "v": 620, "x": 720, "t": 650, "c": 650},
    )
    # twins: target minus control in the same world
    assert measure(Plan(["x"], ["t"], ""), "gain5", att, base, ["h", "v"]) == (50.0, 70.0)
    # victims: against their own baseline
    assert measure(Plan(["v"], None, ""), "loss5", att, base, ["h", "v"]) == (-10.0, -30.0)
    # the naive figure of id squatting compares other accounts
    plan = Plan(["x"], ["t"], "", detail={"naive_controls": "c"})
    assert measure(plan, "zero", att, base, ["h"]) == (50.0, -50.0 + 50.0)
    # no attack: share of honest losing more than 10 points against the naive scorer
    flat = _scores({"h": 600, "v": 600}, {"h": 611, "v": 600})
    assert measure(Plan([], None, ""), "fp1", flat, flat, ["h", "v"]) == (0.5, 0.0)


def _frame(rows: list[tuple[str, str, str, int, int, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "seq": np.arange(len(rows), dtype=np.int64),
            "subject": [r[1] for r in rows],
            "event_id": [r[0] for r in rows],
            "source": ["bank"] * len(rows),
            "type": [r[2] for r in rows],
            "occurred_at_us": [r[3] for r in rows],
            "recorded_at_us": [r[4] for r in rows],
            "known_at_us": [r[4] for r in rows],
            "attributes": [r[5] for r in rows],
        },
        schema=EVENT_FRAME_SCHEMA,
    )


def test_naive_scorer_counts_raw_events_on_the_senders_clock() -> None:
    policy = default_policy()
    now = SPEC.end_us
    # 30 payments in one day (a per-day cap of 2 for glasscredit), recorded today but
    # dated a year back, and a late payment disputed a day ago
    rows = [
        (f"p{i}", "a", "payment.on_time", now - 365 * DAY_US + i, now, '{"amount":1}')
        for i in range(30)
    ]
    rows.append(("late", "a", "payment.late", now - 10 * DAY_US, now, '{"amount":1,"days_late":9}'))
    events = _frame(rows)
    plain = naive_scores(events, policy, now, [], ["a"])["a"]
    freed = naive_scores(events, policy, now, [("late", "bank", now - DAY_US, None)], ["a"])["a"]
    pts = policy.points
    assert pts is not None
    late = pts.features["late_payments_24m"]
    assert freed - plain >= late.bin_of(0)[1] - late.bin_of(1)[1] > 0
    # every one of the 30 same-day payments counted: the top bin (24 or more)
    on_time = pts.features["on_time_payments_24m"]
    one_day = naive_scores(events.head(30), policy, now, [], ["a"])["a"]
    capped = naive_scores(events.head(2), policy, now, [], ["a"])["a"]
    assert one_day - capped == on_time.bin_of(30)[1] - on_time.bin_of(2)[1] > 0


def test_a_forked_world_starts_where_its_parent_is(world: World, tmp_path: Path) -> None:
    child = world.fork(tmp_path / "child.db")
    try:
        assert child.clock() == world.clock()
        assert child.ledger.counts() == world.ledger.counts()
        t = child.clock() + 3 * DAY_US
        report = child.ingest([ev("x1", "newcomer", "bank", "account.opened", t, kind="current")])
        assert report.accepted == 1 and child.clock() == t  # the clock moved to the event
        assert not world.ledger.has_subject("newcomer")
    finally:
        child.close()


def test_an_account_the_door_refused_scores_as_an_empty_file(world: World, tmp_path: Path) -> None:
    """An attacker's account whose every event was refused is still measured (both
    scorers), as the empty file it is, not left out of the comparison."""
    w = world.fork(tmp_path / "refused.db")
    try:
        scores = w.settle(["never-accepted"])
    finally:
        w.close()
    # base 545; on-time 0 -> -10; late 0 -> +15; max days late missing -> +10; share
    # missing 0; defaults 0 -> +10; loans, contracts 0 -> 0; breaches 0 -> +10; reports
    # missing 0; identity missing -10; income 0 -> 0; tenure missing -10; sources 0 -> -5;
    # trust missing (naive: no endorsement) 0
    empty = 545 - 10 + 15 + 10 + 10 + 10 - 10 - 10 - 5
    assert scores.glasscredit["never-accepted"] == empty == 555
    assert scores.naive["never-accepted"] == empty
