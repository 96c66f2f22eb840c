"""Metrics, scaling and the fairness audit on hand-checkable inputs."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from glasscredit.model import (
    ScorecardClassifier,
    auc_gini_ks,
    audit,
    audit_over_time,
    calibration_table,
    characteristic_stability,
    load_german_credit,
    psi,
    scaling_from_pdo,
    score_psi,
)
from glasscredit.model._scaling import fit_range


def test_auc_gini_ks_by_hand() -> None:
    # bads score 1, 3; goods 2, 4: of 4 bad/good pairs 3 are ranked right -> AUC 0.75
    m = auc_gini_ks([1, 0, 1, 0], [1, 2, 3, 4])
    assert m["auc"] == pytest.approx(0.75)
    assert m["gini"] == pytest.approx(0.5)
    assert m["ks"] == pytest.approx(0.5)


def test_psi_by_hand() -> None:
    value = psi([50, 50], [25, 75])
    assert value == pytest.approx((0.25 - 0.5) * math.log(0.5) + (0.75 - 0.5) * math.log(1.5))
    assert psi([1, 2, 3], [1, 2, 3]) == 0.0
    assert score_psi(np.arange(100), np.arange(100))["psi"] == pytest.approx(0.0)
    shifted = score_psi(np.arange(1000), np.arange(1000) + 300)
    assert shifted["reading"] == "significant change"


def test_characteristic_stability_points_shift() -> None:
    cs = characteristic_stability([0, 0, 10, 10], [0, 10, 10, 10])
    assert cs["points_shift"] == pytest.approx(2.5)  # 25% more rows now earn 10 points


def test_calibration_table_bands() -> None:
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    s = np.arange(10)
    rows = calibration_table(y, s, np.full(10, 0.3), n_bands=2)
    assert [r["n"] for r in rows] == [5, 5]
    assert rows[0]["observed_bad_rate"] == pytest.approx(0.6)
    assert rows[1]["observed_bad_rate"] == pytest.approx(0.0)


def test_scaling_by_hand() -> None:
    s = scaling_from_pdo(600, 50, 20)
    assert s.factor == pytest.approx(20 / math.log(2))
    assert s.offset == pytest.approx(600 - 20 / math.log(2) * math.log(50))
    # odds of good 100:1 = log-odds of bad -ln(100) -> 600 + 20 points (one doubling)
    assert s.base(-math.log(100)) == 620
    assert s.points(np.array([math.log(2)])) == [-20]


def test_fit_range_shrinks_only_when_needed() -> None:
    s = scaling_from_pdo(600, 50, 20)
    assert fit_range(s, -1.0, -1.0, 1.0, (350, 950), 2) == s
    r = fit_range(s, -1.0, -30.0, 30.0, (350, 950), 2)
    assert r.factor < s.factor
    top = r.offset - r.factor * (-1.0 - 30.0)
    bottom = r.offset - r.factor * (-1.0 + 30.0)
    assert bottom >= 350 and top <= 950


def test_audit_by_hand() -> None:
    score = np.array([700, 700, 500, 500, 700, 500, 500, 500])
    group = ["a", "a", "a", "a", "b", "b", "b", "b"]
    y_bad = np.array([0, 0, 1, 0, 0, 0, 1, 1])
    res = audit(score, {"grp": group}, cutoff=600, y_bad=y_bad, min_group_size=4)
    a = res["attributes"]["grp"]
    assert a["groups"]["a"]["approval_rate"] == 0.5 and a["groups"]["b"]["approval_rate"] == 0.25
    assert a["reference_group"] == "a"
    assert a["groups"]["b"]["adverse_impact_ratio"] == pytest.approx(0.5)
    assert a["four_fifths_flag"] is True
    assert a["demographic_parity_ratio"] == pytest.approx(0.5)
    # approval among goods: a 2/3, b 1/2
    assert a["equal_opportunity_difference"] == pytest.approx(2 / 3 - 1 / 2)
    # group a: the bad (500) ranks below both 700s and ties the good 500: (1 + 1 + 0.5) / 3
    assert a["groups"]["a"]["auc"] == pytest.approx(2.5 / 3)


def test_audit_over_time_tracks_the_ratio_month_by_month() -> None:
    score = np.array([700, 700, 500, 700] * 2)
    group = ["a", "a", "b", "b"] * 2
    month = ["2026-01"] * 4 + ["2026-02"] * 4
    score[4:] = [700, 500, 700, 700]
    rows = audit_over_time(score, {"grp": group}, month, cutoff=600, min_group_size=2)
    assert [r["period"] for r in rows] == ["2026-01", "2026-02"]
    assert rows[0]["attributes"]["grp"]["min_adverse_impact_ratio"] == pytest.approx(0.5)
    assert rows[1]["attributes"]["grp"]["min_adverse_impact_ratio"] == pytest.approx(0.5)
    assert rows[1]["attributes"]["grp"]["approval_rate_by_group"] == {"a": 0.5, "b": 1.0}


def test_german_credit_audit_uses_the_protected_columns_the_fit_refused(
    german_model: ScorecardClassifier,
) -> None:
    df = load_german_credit()
    score = german_model.predict_score(df)
    y = (df.get_column("creditability") == "bad").to_numpy().astype(int)
    res = audit(
        score,
        {
            c: df.get_column(c).to_list()
            for c in ("personal_status_and_sex", "foreign_worker", "age_in_years")
        },
        cutoff=float(np.quantile(score, 0.3)),
        y_bad=y,
    )
    age = res["attributes"]["age_in_years"]
    assert sum(g["n"] for g in age["groups"].values()) == 1000
    assert len(age["groups"]) == 4  # quartile bands
    assert set(res["attributes"]["foreign_worker"]["groups"]) == {"yes", "no"}
    for a in res["attributes"].values():
        assert 0 < a["min_adverse_impact_ratio"] <= 1


def test_numeric_bands_can_be_given() -> None:
    res = audit(
        [1, 2, 3], {"age": pl.Series([20, 30, 70]).to_list()}, cutoff=2, bands={"age": [25, 60]}
    )
    assert set(res["attributes"]["age"]["groups"]) == {"<25", "25-60", ">=60"}


def test_audit_figures_equal_fairlearns_own_functions() -> None:
    from fairlearn.metrics import demographic_parity_ratio, equal_opportunity_difference

    rng = np.random.default_rng(0)
    s = rng.integers(300, 900, 500)
    g = rng.choice(list("abc"), 500)
    y = rng.integers(0, 2, 500)
    a = audit(s, {"g": g}, 600, y)["attributes"]["g"]
    approved = (s >= 600).astype(int)
    assert a["demographic_parity_ratio"] == pytest.approx(
        demographic_parity_ratio(1 - y, approved, sensitive_features=g)
    )
    assert a["equal_opportunity_difference"] == pytest.approx(
        equal_opportunity_difference(1 - y, approved, sensitive_features=g)
    )
