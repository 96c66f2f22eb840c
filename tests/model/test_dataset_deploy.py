"""From the ledger to the policy: a point-in-time training set, a fit, a deployment, scores.

The end-to-end test runs the real commands (``model dataset``, ``model train``, ``model
deploy``) on a ledger loaded with glasscredit's simulated population, and checks that
every stored score under the deployed policy equals the estimator's ``predict_score`` on
the same subjects' features. The small tests pin the clocks, the labels and the refusals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app as cli
from glasscredit.config import Settings, system_clock
from glasscredit.exceptions import PolicyError, ValidationError
from glasscredit.model import ScorecardClassifier, load_model, rescale_table, save_model
from glasscredit.policy import (
    MONTH_US,
    PointsTable,
    default_policy,
    iso,
    load_policy,
    parse_timestamp,
)
from glasscredit.rights import open_dispute
from glasscredit.scoring import Scorer
from glasscredit.simulate import DEFAULT_END_US
from glasscredit.store import Ledger
from tests._history import approve_history
from tests.conftest import FakeClock, event


def _run(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_ledger_to_training_set_to_fit_to_deployed_scores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with gc.Context(Settings(database_url=url), default_policy(), system_clock) as ctx:
        gc.demo(ctx, subjects=800, seed=7)
    dates = [iso(DEFAULT_END_US - m * MONTH_US) for m in (30, 24, 18)]
    data = tmp_path / "train.parquet"
    at = [a for d in dates for a in ("--at", d)]
    made = json.loads(_run("model", "dataset", "--db", url, "--out", str(data), *at, "--json"))
    frame = pl.read_parquet(data)
    assert made["rows"] == frame.height > 800 and 0 < made["bad"] < made["rows"]
    assert frame.columns[:2] == ["subject", "as_of"] and frame.columns[-1] == "bad"
    assert sorted(set(frame["as_of"])) == dates
    # on both clocks, nothing after a date is in its row: tenure grows with the date
    by_date = frame.group_by("as_of").agg(pl.col("months_since_first_account").mean()).sort("as_of")
    assert by_date["months_since_first_account"].is_sorted()

    model = tmp_path / "model.json"
    _run(
        "model",
        "train",
        str(data),
        "--target",
        "bad",
        "--drop",
        "subject",
        "--drop",
        "as_of",
        "--out",
        str(model),
        "--cv-folds",
        "0",
    )
    policy_path = tmp_path / "learned.json"
    out = json.loads(
        _run("model", "deploy", str(model), "--db", url, "--out", str(policy_path), "--json")
    )
    learned = load_model(model).table
    assert out["min_score"] == learned.min_total and out["max_score"] == learned.max_total
    assert out["rescaled"] is None
    deployed = load_policy(policy_path)
    assert deployed.points is not None and deployed.points.hash == out["table_hash"]
    assert deployed.points.features == learned.features and deployed.points.base == learned.base
    run = out["scores"]
    assert run["stored"] == run["subjects"] == 800
    cause = next(c for c in run["causes"] if "points table" in c)
    assert f"learned by {deployed.points.source}" in cause and run["causes"][cause] == 800
    assert deployed.points.source == f"glasscredit.model:{learned.hash[:12]}"

    # the stored scores are the estimator's predict_score on the same features
    est = ScorecardClassifier(random_state=0).fit(
        frame.drop("subject", "as_of", "bad"), frame["bad"].to_numpy()
    )
    assert est.to_points_table().hash == learned.hash  # the CLI's fit, reproduced
    with Ledger(url, deployed, clock=system_clock) as led:
        as_of = run["as_of_us"]
        stored = led.scores.in_period(as_of, as_of + 1).sort("subject")
        subjects = stored["subject"].to_list()
        features = Scorer(led).score_chunk(subjects, as_of).scored.features.frame
        (notice,) = [n for n in led.scores.notices(subjects[0])]
    assert features["subject"].to_list() == subjects
    predicted = est.predict_score(features.drop("subject"))
    assert np.array_equal(predicted, stored["score"].to_numpy())
    assert any("learned by" in c for c in notice.diff.get("causes", []))


AS_OF = "2026-09-01T00:00:00Z"


def _small_ledger(url: str, clock: FakeClock) -> None:
    with Ledger(url, default_policy(), clock=clock) as led:
        clock.set("2025-01-20T00:00:00Z")
        led.ingest(
            [
                event("p1", "a", occurred_at="2025-01-10T00:00:00Z"),
                event("p1b", "b", occurred_at="2025-01-10T00:00:00Z"),
                event("p2", "c", occurred_at="2025-01-11T00:00:00Z"),
            ]
        )
        # reported on 1 March: happened in January, unknown to the ledger on 1 February
        clock.set("2025-03-01T00:00:00Z")
        led.ingest([event("late", "a", "payment.late", "2025-01-15T00:00:00Z", days_late=40)])
        # outcomes: a defaults within the year (reported late), b's comes after it,
        # c's missed bill is excluded by a dispute open now
        # (older than the backdating bounds: the bank's late reports arrive in a backfill
        # the operator approved, known to the ledger only now)
        clock.set("2026-05-01T00:00:00Z")
        late = approve_history(
            led, "bank", parse_timestamp("2025-06-01T00:00:00Z"), known_from_us=clock()
        )
        led.ingest(
            [
                event("d", "a", "loan.defaulted", "2025-11-01T00:00:00Z"),
                event("db", "b", "loan.defaulted", "2026-03-01T00:00:00Z"),
                event("m", "c", "bill.missed", "2025-06-01T00:00:00Z"),
            ],
            backfill=late,
        ).check()
        open_dispute(led, "c", "m", "not mine", now_us=clock(), actor="subject", source="bank")


def test_features_on_both_clocks_and_labels_from_the_following_window(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    _small_ledger(url, clock)
    clock.set("2026-06-01T00:00:00Z")
    with gc.Context(Settings(database_url=url), default_policy(), clock) as ctx:
        res = gc.build_dataset(
            ctx, out=tmp_path / "d.parquet", at=["2025-02-01T00:00:00Z", "2025-04-01T00:00:00Z"]
        )
    rows = {(r["subject"], r["as_of"][:7]): r for r in pl.read_parquet(res.path).to_dicts()}
    assert len(rows) == res.rows == 6
    # the late payment occurred before 1 February but was known only on 1 March
    assert rows[("a", "2025-02")]["late_payments_24m"] == 0
    assert rows[("a", "2025-04")]["late_payments_24m"] == 1
    assert rows[("a", "2025-04")]["max_days_late_24m"] == 40
    # a's default is within 12 months of both dates (known later: it still labels);
    # b's is more than 12 months after February but within them after April;
    # c's missed bill is under an open dispute: it does not count
    assert [rows[(s, m)]["bad"] for s in "abc" for m in ("2025-02", "2025-04")] == [
        1,
        1,
        0,
        1,
        0,
        0,
    ]
    assert res.bad == 3 and res.known_by == "2026-06-01T00:00:00Z"


def test_a_window_not_yet_over_an_unknown_outcome_and_a_wrong_file_are_refused(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    _small_ledger(url, clock)
    clock.set("2026-06-01T00:00:00Z")
    with gc.Context(Settings(database_url=url), default_policy(), clock) as ctx:
        out = tmp_path / "d.parquet"
        with pytest.raises(ValidationError) as e:
            gc.build_dataset(ctx, out=out, at=["2025-07-01T00:00:00Z"])
        assert e.value.errors[0].rule == "window_elapsed"
        for outcomes, rule in (
            (["loan.cancelled"], "unknown_type"),
            (["loan.repaid"], "negative_outcome"),
        ):
            with pytest.raises(ValidationError) as e:
                gc.build_dataset(ctx, out=out, at=["2025-02-01T00:00:00Z"], outcomes=outcomes)
            assert e.value.errors[0].rule == rule
        with pytest.raises(ValidationError) as e:
            gc.build_dataset(ctx, out=tmp_path / "d.csv", at=["2025-02-01T00:00:00Z"])
        assert e.value.errors[0].rule == "parquet"
        assert not out.exists()


def _model_file(tmp_path: Path, table: PointsTable) -> Path:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"points_table": table.model_dump(mode="json")}))
    return path


def test_deploy_refuses_a_table_outside_the_range_or_rescales_it_by_the_rule(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    _small_ledger(url, clock)
    wide = PointsTable.model_validate(
        {
            "base": 600,
            "features": {
                "late_payments_24m": {"edges": [1, 3], "points": [150, -100, -400]},
                "on_time_payments_24m": {"edges": [6], "points": [-50, 300], "missing": -60},
            },
            "scaling": {
                "offset": 500.0,
                "factor": 28.85,
                "pdo": 20.0,
                "base_score": 600.0,
                "base_odds": 32.0,
            },
            "source": "glasscredit.model",
        }
    )
    assert (wide.min_total, wide.max_total) == (140, 1050)
    model = _model_file(tmp_path, wide)
    with gc.Context(Settings(database_url=url), default_policy(), clock) as ctx:
        with pytest.raises(PolicyError) as e:
            gc.deploy_model(ctx, model, out=tmp_path / "p.json")
        assert [(x.field, x.rule) for x in e.value.errors] == [("points", "score_range")]
        assert not (tmp_path / "p.json").exists()
        res = gc.deploy_model(ctx, model, out=tmp_path / "p.json", rescale=True, score=False)
    assert res.rescaled is not None and res.scores is None
    s = res.rescaled["factor"]
    assert s == pytest.approx((600 - 2) / 910)
    assert res.min_score >= 350 and res.max_score <= 950
    scaled, _ = rescale_table(wide, 350, 950)
    for name, fp in scaled.features.items():
        assert fp.points == [round(p * s) for p in wide.features[name].points]
    # order kept: every pair of rows scores in the same order before and after
    rows = [
        {"late_payments_24m": a, "on_time_payments_24m": b} for a in (0, 1, 5) for b in (None, 0, 9)
    ]
    before = [wide.score_row(r) for r in rows]
    after = [scaled.score_row(r) for r in rows]
    assert np.array_equal(np.argsort(before, kind="stable"), np.argsort(after, kind="stable"))

    odd = PointsTable.model_validate(
        {
            "base": 600,
            "features": {"income_band": {"kind": "categorical", "groups": [["a"]], "points": [5]}},
        }
    )
    ctx = gc.Context(Settings(database_url=url), default_policy(), clock)
    with ctx, pytest.raises(PolicyError) as e:
        gc.deploy_model(ctx, _model_file(tmp_path, odd), out=tmp_path / "q.json")
    assert [(x.field, x.rule) for x in e.value.errors] == [
        ("points.features.income_band", "unknown_feature")
    ]


def test_model_learned_on_german_credit_is_refused_by_name(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    _small_ledger(url, clock)
    from glasscredit.model import load_german_credit

    df = load_german_credit()
    est = ScorecardClassifier(random_state=0).fit(
        df.select("duration_in_month", "credit_amount"), (df["creditability"] == "bad").to_numpy()
    )
    save_model(est, tmp_path / "g.json")
    r = CliRunner().invoke(
        cli,
        [
            "model",
            "deploy",
            str(tmp_path / "g.json"),
            "--db",
            url,
            "--out",
            str(tmp_path / "p.json"),
        ],
    )
    assert r.exit_code == 3 and "unknown_feature" in r.output and "duration_in_month" in r.output
