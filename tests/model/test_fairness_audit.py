"""The regulator's audit: minimum group size, reference by rule, intervals, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.model import audit, audit_over_time
from glasscredit.model._intervals import katz_ratio, newcombe_difference, wilson, z_value

Z = z_value(0.95)


def test_z_value() -> None:
    assert pytest.approx(1.959964, abs=1e-6) == Z
    assert z_value(0.9) == pytest.approx(1.644854, abs=1e-6)


def test_wilson_interval_by_hand() -> None:
    # 8 of 10: the textbook Wilson 95% interval (0.4902, 0.9433)
    lo, hi = wilson(8, 10, Z)
    assert (lo, hi) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(0, 10, Z)[0] == 0.0 and wilson(10, 10, Z)[1] == pytest.approx(1.0)
    assert wilson(0, 0, Z) == (0.0, 1.0)


def test_katz_log_interval_by_hand() -> None:
    # 20/100 over 40/100: RR 0.5, se = sqrt(1/20 - 1/100 + 1/40 - 1/100) = sqrt(0.055)
    lo, hi = katz_ratio(20, 100, 40, 100, Z)  # type: ignore[misc]
    se = math.sqrt(0.055)
    assert lo == pytest.approx(0.5 * math.exp(-Z * se)) and lo == pytest.approx(0.3158, abs=1e-4)
    assert hi == pytest.approx(0.5 * math.exp(Z * se)) and hi == pytest.approx(0.7918, abs=1e-4)
    # a zero count: 0.5 added to the counts for the interval only
    zero = katz_ratio(0, 10, 5, 10, Z)
    assert zero is not None and 0 < zero[0] < zero[1] and math.isfinite(zero[1])
    assert katz_ratio(1, 0, 1, 1, Z) is None


def test_newcombe_interval_reproduces_the_published_example() -> None:
    # Newcombe (1998), example (a): 56/70 - 48/80 = 0.2, method 10: (0.0524, 0.3339)
    lo, hi = newcombe_difference(56, 70, 48, 80, Z)  # type: ignore[misc]
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def _population() -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """A: 40 members, 30 approved, 32 good (28 approved); B: 50, 20 approved, 35 good
    (18 approved); C: a single approved good applicant. Predicted bad rate 0.2 for A and
    0.15 for B (whose observed bad rate is 15/50 = 0.3)."""
    rows: list[tuple[str, int, int, float]] = []  # group, approved, bad, pd
    rows += [("A", 1, 0, 0.2)] * 28 + [("A", 1, 1, 0.2)] * 2
    rows += [("A", 0, 0, 0.2)] * 4 + [("A", 0, 1, 0.2)] * 6
    rows += [("B", 1, 0, 0.15)] * 18 + [("B", 1, 1, 0.15)] * 2
    rows += [("B", 0, 0, 0.15)] * 17 + [("B", 0, 1, 0.15)] * 13
    rows += [("C", 1, 0, 0.1)]
    score = np.array([700 if r[1] else 500 for r in rows])
    return (
        score,
        [r[0] for r in rows],
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
    )


def test_audit_by_hand_with_intervals() -> None:
    score, group, y, pd = _population()
    a = audit(score, {"grp": group}, 600, y, pd, min_group_size=30)["attributes"]["grp"]
    # C approves 100% but has one member: reported, never the reference
    assert a["reference_group"] == "A" and a["small_groups"] == ["C"]
    assert a["reference_rule"] == "most favoured group with at least 30 members"
    b = a["groups"]["B"]
    assert b["approval_rate"] == 0.4 and b["approval_rate_ci"] == pytest.approx(wilson(20, 50, Z))
    assert b["adverse_impact_ratio"] == pytest.approx(0.4 / 0.75)
    se = math.sqrt(1 / 20 - 1 / 50 + 1 / 30 - 1 / 40)
    assert b["adverse_impact_ratio_ci"] == pytest.approx(
        [0.4 / 0.75 * math.exp(-Z * se), 0.4 / 0.75 * math.exp(Z * se)]
    )
    assert b["adverse_impact_ratio_ci"] == pytest.approx([0.3634, 0.7828], abs=1e-4)
    assert a["worst_group"] == "B" and a["min_adverse_impact_ratio"] == pytest.approx(0.4 / 0.75)
    assert a["four_fifths_flag"] and a["four_fifths_flag_confident"]  # upper bound 0.783 < 0.8
    # equal opportunity: approval among the good, B 18/35 against A 28/32
    assert b["equal_opportunity_difference"] == pytest.approx(18 / 35 - 28 / 32)
    assert b["equal_opportunity_difference_ci"] == pytest.approx(
        list(newcombe_difference(18, 35, 28, 32, Z))  # type: ignore[arg-type]
    )
    assert a["equal_opportunity_difference"] == pytest.approx(28 / 32 - 18 / 35)
    # calibration: A observes 8/40 = 0.2 as predicted; B observes 0.3, predicted 0.15,
    # outside its Wilson interval (0.191, 0.438)
    assert a["groups"]["A"]["calibrated"] is True
    assert b["bad_rate_ci"] == pytest.approx([0.1910, 0.4375], abs=1e-4)
    assert b["calibrated"] is False and b["calibration_gap"] == pytest.approx(-0.15)
    assert a["miscalibrated_groups"] == ["B"]
    # the small group's figures are still there, with their (wide) intervals
    c = a["groups"]["C"]
    assert c["sufficient_size"] is False and c["adverse_impact_ratio"] == pytest.approx(1 / 0.75)
    assert c["approval_rate_ci"][0] < 0.25


def test_a_declared_reference_is_used_and_checked() -> None:
    score, group, y, _ = _population()
    a = audit(score, {"grp": group}, 600, y, reference={"grp": "B"})["attributes"]["grp"]
    assert a["reference_group"] == "B" and a["reference_rule"] == "declared"
    assert a["groups"]["A"]["adverse_impact_ratio"] == pytest.approx(0.75 / 0.4)
    for ref, rule in [("C", "reference_group_size"), ("Z", "reference_group_present")]:
        with pytest.raises(ValidationError) as exc:
            audit(score, {"grp": group}, 600, reference={"grp": ref})
        assert (exc.value.errors[0].field, exc.value.errors[0].rule) == ("grp", rule)


def test_no_group_large_enough_means_no_reference_and_no_flag() -> None:
    a = audit([700, 500, 500], {"g": ["a", "b", "b"]}, 600)["attributes"]["g"]
    assert a["reference_group"] is None and a["min_adverse_impact_ratio"] is None
    assert a["four_fifths_flag"] is False and a["small_groups"] == ["a", "b"]


def test_credit_data_marital_status_group_of_one_is_not_the_reference() -> None:
    # modeldata/credit_data's marital status (bench/fairness.py loads the real data):
    # married 3241, single 977, separated 130, widow 67, divorced 38, and one applicant
    # with no marital status, who was approved. Taking the first or the most approved
    # group whatever its size made that one person the reference and flagged everyone.
    sizes = {"married": 3241, "single": 977, "separated": 130, "widow": 67, "divorced": 38}
    rates = {"married": 0.72, "single": 0.62, "separated": 0.45, "widow": 0.66, "divorced": 0.58}
    group: list[object] = []
    score: list[int] = []
    for g, n in sizes.items():
        k = round(rates[g] * n)
        group += [g] * n
        score += [700] * k + [500] * (n - k)
    group.append(None)
    score.append(700)
    a = audit(score, {"marital": group}, 600)["attributes"]["marital"]
    assert a["reference_group"] == "married"
    assert a["small_groups"] == ["missing"] and a["groups"]["missing"]["n"] == 1
    assert a["worst_group"] == "separated"
    assert a["min_adverse_impact_ratio"] == pytest.approx((round(0.45 * 130) / 130) / (2334 / 3241))


def test_audit_over_time_keeps_the_rule_per_period() -> None:
    score, group, _, _ = _population()
    month = ["2026-01"] * len(score) + ["2026-02"] * len(score)
    rows = audit_over_time(
        np.concatenate([score, score]), {"grp": group * 2}, month, 600, reference={"grp": "A"}
    )
    assert [r["attributes"]["grp"]["reference_group"] for r in rows] == ["A", "A"]
    first = rows[0]["attributes"]["grp"]
    assert first["min_adverse_impact_ratio"] == pytest.approx(0.4 / 0.75)
    assert first["min_adverse_impact_ratio_ci"] == pytest.approx(
        list(katz_ratio(20, 50, 30, 40, Z))  # type: ignore[arg-type]
    )


def test_bad_audit_parameters_are_refused() -> None:
    with pytest.raises(ValidationError, match="min_group_size"):
        audit([1], {"g": ["a"]}, 0, min_group_size=0)
    with pytest.raises(ValidationError, match="reference_attribute"):
        audit([1], {"g": ["a"]}, 0, reference={"h": "a"})
