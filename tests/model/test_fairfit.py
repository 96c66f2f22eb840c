"""Fair fit: protected attributes steer the search, never a feature or a score input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from glasscredit.cli import app as cli
from glasscredit.exceptions import ForbiddenDataError, ValidationError
from glasscredit.model import FairFit, ScorecardClassifier, fair_fit
from tests.model.conftest import proxy_data


@pytest.fixture(scope="module")
def result() -> tuple[FairFit, pl.DataFrame, np.ndarray, np.ndarray]:
    X, y, g = proxy_data()
    return (
        fair_fit(ScorecardClassifier(random_state=0), X, y, {"group": g}, approval_rate=0.5),
        X,
        y,
        g,
    )


def test_reaches_the_goal_at_a_small_auc_cost(
    result: tuple[FairFit, pl.DataFrame, np.ndarray, np.ndarray],
) -> None:
    r = result[0]
    assert r.baseline.worst_air is not None and r.baseline.worst_air < 0.7
    assert r.baseline.worst_group == "group=minority"
    # the pick meets the goal on the fresh splits (not only on the search's own folds)
    c = r.chosen_check
    assert r.goal_met and c.meets and c.candidate == r.chosen
    assert c.worst_air is not None and c.worst_air >= 0.8 and r.auc_cost <= 0.01
    assert r.auc_cost == c.auc_cost
    # the pick is the one most likely to meet it there, and that is likelier than not
    assert c.p_meets == max(k.p_meets for k in r.checked) and c.p_meets > 0.5 and c.margin > 0
    # the shortlist is the plain fit, the frontier within the stop and the reweighing
    # levels next to the points bracketing the budget, measured again on other splits:
    # the same configurations, other figures
    assert r.checked[0].candidate == r.baseline and r.checked[0].auc_cost == 0.0
    assert set(r.frontier) & {k.candidate for k in r.checked[1:]}
    assert {k.candidate for k in r.checked} <= set(r.evaluated)
    assert any(k.auc != k.candidate.auc for k in r.checked)
    # the frontier: AUC falls as the worst AIR rises, and nothing evaluated beats a point
    aucs = [c.auc for c in r.frontier]
    airs = [c.worst_air for c in r.frontier]
    assert aucs == sorted(aucs, reverse=True) and airs == sorted(airs)  # type: ignore[type-var]
    for c in r.frontier:
        assert not any(
            f.auc > c.auc and f.worst_air > c.worst_air  # type: ignore[operator]
            for f in r.evaluated
        )
    assert json.loads(json.dumps(r.as_dict(), allow_nan=False))["goal_met"] is True


def test_the_protected_attribute_is_never_a_feature_nor_a_score_input(
    result: tuple[FairFit, pl.DataFrame, np.ndarray, np.ndarray],
) -> None:
    r, X, y, g = result
    table = r.model.points_table_
    assert "group" not in table.features
    assert set(table.features) <= set(X.columns) - set(r.chosen.dropped)
    # the score reads X alone: the same scores whatever the group column says, or without it
    with_group = X.with_columns(group=pl.Series(g[::-1]))
    assert (r.model.predict_score(with_group) == r.model.predict_score(X)).all()
    # the table is an ordinary fit of the chosen configuration: the attribute only chose it
    # (and, when reweighing or penalising the group gap, weighed the rows or steered the fit)
    from glasscredit.model._fairfit import balancing_weights

    alpha = r.chosen.reweigh
    w = None if alpha == 0 else 1.0 + alpha * (balancing_weights({"group": g}, y) - 1.0)
    again = ScorecardClassifier(
        random_state=0,
        monotonic=dict(r.chosen.monotonic),
        feature_bins=dict(r.chosen.merged) or None,
        group_gap=r.chosen.gap,
        group_gap_min_size=30,
    ).fit(
        X.drop(list(r.chosen.dropped)),
        y,
        sample_weight=w,
        groups={"group": g} if r.chosen.gap else None,
    )
    assert again.points_table_ == table


def test_a_protected_column_in_X_is_refused() -> None:
    X, y, g = proxy_data(n=300)
    with pytest.raises(ForbiddenDataError, match=r"group.*protected_basis"):
        fair_fit(ScorecardClassifier(), X.with_columns(group=pl.Series(g)), y, {"group": g})
    with pytest.raises(ValidationError, match="same_length"):
        fair_fit(ScorecardClassifier(), X, y, {"group": g[:10]})
    with pytest.raises(ValidationError) as e:
        fair_fit(ScorecardClassifier(), X, y, {"group": g}, folds=1, repeats=0, search_splits=0)
    assert [(f.field, f.rule) for f in e.value.errors] == [
        ("folds", "minimum"),
        ("repeats", "minimum"),
        ("search_splits", "minimum"),
    ]
    for levers in (("drop", "bribe"), ()):
        with pytest.raises(ValidationError) as e:
            fair_fit(ScorecardClassifier(), X, y, {"group": g}, levers=levers)
        assert [(f.field, f.rule) for f in e.value.errors] == [("levers", "known_lever")]
    for steps in ((0.1, -1.0), (float("inf"),), (0.0,)):
        with pytest.raises(ValidationError) as e:
            fair_fit(ScorecardClassifier(), X, y, {"group": g}, gap_steps=steps)
        assert [(f.field, f.rule) for f in e.value.errors] == [("gap_steps", "positive")]


def test_the_levers_bound_the_search(
    result: tuple[FairFit, pl.DataFrame, np.ndarray, np.ndarray],
) -> None:
    r, X, y, g = result
    # the default pulls feature drops and the group-gap penalty only
    assert all(not c.monotonic and not c.merged and not c.reweigh for c in r.evaluated)
    assert any(c.gap for c in r.evaluated) and any(c.dropped for c in r.evaluated)
    only = fair_fit(
        ScorecardClassifier(random_state=0),
        X,
        y,
        {"group": g},
        approval_rate=0.5,
        folds=3,
        max_steps=2,
        levers=("reweigh",),
    )
    assert all(not c.dropped and not c.gap for c in only.evaluated)
    assert any(c.reweigh for c in only.evaluated)


def testbalancing_weights_by_hand() -> None:
    from glasscredit.model._fairfit import balancing_weights

    # group a: 2 rows (1 bad), group b: 2 rows (both good); P(bad) = 1/4
    w = balancing_weights({"g": np.array(["a", "a", "b", "b"])}, np.array([1, 0, 0, 0]))
    # a-bad: P(a) P(bad) / P(a, bad) = 0.5 * 0.25 / 0.25; a-good: 0.5 * 0.75 / 0.25
    assert w.tolist() == pytest.approx([0.5, 1.5, 0.75, 0.75])


def test_a_bin_merge_coarsens_one_feature_and_is_a_move_of_the_search(
    result: tuple[FairFit, pl.DataFrame, np.ndarray, np.ndarray],
) -> None:
    r, X, y, _ = result
    fine = ScorecardClassifier(random_state=0).fit(X, y)
    coarse = ScorecardClassifier(random_state=0, feature_bins={"proxy": 2}).fit(X, y)
    assert len(fine.points_table_.features["proxy"].points) > 2
    assert len(coarse.points_table_.features["proxy"].points) <= 2
    # merges are a move when the lever is on (the default levers are drops and the gap)
    from glasscredit.model._fairfit import _moves

    plain = ScorecardClassifier(random_state=0).fit(X, y)
    moves = _moves(plain, r.baseline, (), (), ("merge",))
    assert moves and all(m[3] and m[0] == () and m[4] == 0.0 for m in moves)
    assert all(k >= 2 for m in moves for _, k in m[3])
    assert not [c for c in r.evaluated if c.merged]
    for bad, rule in (
        ({"nope": 2}, "feature_bins_present"),
        ({"colour": 2}, "feature_bins_numeric"),
    ):
        with pytest.raises(ValidationError) as e:
            ScorecardClassifier(feature_bins=bad).fit(X, y)
        assert e.value.errors[0].rule == rule


def test_the_fair_fit_command_writes_one_table_and_prints_the_frontier(tmp_path: Path) -> None:
    X, y, g = proxy_data(1500, seed=3)
    data = tmp_path / "d.csv"
    X.with_columns(bad=pl.Series(y), group=pl.Series(g)).write_csv(data)
    out = tmp_path / "fair.json"
    args = ["model", "fair-fit", str(data), "--target", "bad", "--protected", "group"]
    r = CliRunner().invoke(cli, [*args, "--folds", "3", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["baseline"]["worst_air"] < res["chosen"]["worst_air"]
    # the pick is read off the shortlist's fresh figures: one chosen, and it meets the goal
    # when any does
    chosen = [p for p in res["checked"] if p["chosen"]]
    assert len(chosen) == 1 and res["repeats"] == 2
    assert chosen[0]["meets"] == res["goal_met"] == any(p["meets"] for p in res["checked"])
    assert sum(p["chosen"] for p in res["frontier"]) == 1 and res["evaluated"] > 10
    # the pick is the table most likely to meet the goal, and the JSON says how likely
    assert chosen[0]["p_meets"] == max(p["p_meets"] for p in res["checked"])
    assert all(0.0 <= p["p_meets"] <= 1.0 for p in res["checked"])
    doc = json.loads(out.read_text())
    assert "group" not in doc["points_table"]["features"]
    assert doc["data"]["protected_steering_only"] == ["group"]
    assert doc["data"]["fair_fit"]["goal_met"] == res["goal_met"]
    r = CliRunner().invoke(cli, [*args, "--lever", "bribe", "--out", str(out)])
    assert r.exit_code == 3 and "known_lever" in r.output
    r = CliRunner().invoke(cli, [*args, "--protected", "nope", "--out", str(out)])
    assert r.exit_code == 3 and "nope" in r.output and "column_present" in r.output


def test_the_pick_is_the_candidate_most_likely_to_meet_the_goal() -> None:
    import math

    from glasscredit.model._fairfit import Candidate
    from glasscredit.model._fairselect import recheck

    def cand(name: str) -> Candidate:
        return Candidate((name,), (), 0.0, 0.7, None, None, None, 1)

    # fresh figures by hand: (fold AUCs' offset from the plain fit, worst AIR, its CI)
    figures = {
        "plain": (0.0, 0.6, (0.5, 0.72)),
        "hair": (0.0098, 0.81, (0.66, 0.99)),  # meets, by a hair, at the budget's edge
        "half": (0.005, 0.795, (0.65, 0.97)),  # a hair short at half the budget
        "costly": (0.02, 0.99, (0.8, 1.2)),
    }
    spread = np.array([0.7, 0.72, 0.74, 0.71, 0.73, 0.75])

    def measure(config: object, repeat: int) -> Candidate:
        name = config[0][0] if config[0] else "plain"  # type: ignore[index]
        off, air, ci = figures[name]
        noise = 0.002 * np.array([1, -1, 1, -1, 1, -1]) * (name != "plain")
        aucs = tuple((spread - off + noise).tolist())
        return Candidate((name,), (), 0.0, float(np.mean(aucs)), air, ci, "g=a", 0, (), aucs)

    short = [cand(n) for n in ("hair", "half", "costly")]
    checked = recheck([cand("plain"), *short], ((), (), 0.0, (), 0.0), measure, 2, 0.8, 0.01)
    by = {c.candidate.dropped[0]: c for c in checked}
    assert by["hair"].meets and not by["half"].meets and not by["costly"].meets
    # P(meets) is the product of the two normal probabilities, each margin in its se
    h = by["hair"]
    z_air = math.log(0.81 / 0.8) / h.worst_air_log_se  # type: ignore[operator]
    z_cost = (0.01 - h.auc_cost) / h.auc_cost_se
    phi = [0.5 * math.erfc(-z / math.sqrt(2)) for z in (z_air, z_cost)]
    assert h.p_meets == pytest.approx(phi[0] * phi[1])
    assert h.auc_cost == pytest.approx(0.0098) and h.auc_cost_se > 0
    # the hair is a coin toss twice over; the one a hair short at half the budget is likelier
    assert pick_of(checked) == "half" and by["half"].p_meets > by["hair"].p_meets > 0
    assert by["costly"].p_meets < 1e-3 and by["plain"].p_meets < 0.01
    # nothing likely at all: still the likeliest (the plain fit when nothing is fairer)
    assert pick_of([by["plain"], by["costly"]]) == "plain"


def pick_of(checked: list[object]) -> str:
    from glasscredit.model._fairselect import pick

    return pick(checked).candidate.dropped[0]  # type: ignore[arg-type]


def test_the_same_seed_gives_the_same_table_and_search() -> None:
    X, y, g = proxy_data(n=700, seed=5)
    runs = [
        fair_fit(
            ScorecardClassifier(random_state=0),
            X,
            y,
            {"group": g},
            approval_rate=0.5,
            folds=3,
            max_steps=3,
            random_state=seed,
        )
        for seed in (7, 7, 8)
    ]
    a, b, c = runs
    assert a.model.points_table_ == b.model.points_table_
    assert a.as_dict() == b.as_dict()
    assert a.as_dict() != c.as_dict()  # another seed: other folds, other figures


def test_the_shortlist_fills_in_the_reweighing_levels_around_the_budget() -> None:
    from glasscredit.model._fairfit import Candidate, _bracket

    def cand(drop: str, auc: float, alpha: float) -> Candidate:
        return Candidate((drop,) if drop else (), (), alpha, auc, 0.7, None, None, 1)

    base = cand("", 0.80, 0.0)
    inside = cand("a", 0.792, 1.5)  # the fairest within the budget (cost 0.008)
    past = cand("b", 0.785, 3.0)  # the cheapest past it (cost 0.015)
    frontier = [base, cand("", 0.797, 0.5), inside, past, cand("c", 0.75, 6.0)]
    got = _bracket(frontier, base, 0.01, (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0))
    assert got == [
        (("a",), (), 1.0, (), 0.0),
        (("a",), (), 2.0, (), 0.0),
        (("b",), (), 2.5, (), 0.0),
        (("b",), (), 4.0, (), 0.0),
    ]
    # at the ends of the levels, only the one neighbour there is
    assert _bracket([base], base, 0.01, (0.5, 1.0)) == [((), (), 0.5, (), 0.0)]
    # the group-gap penalty's levels are filled in the same way, either side of the pick's
    penalised = Candidate(("a",), (), 0.0, 0.792, 0.7, None, None, 1, gap=0.2)
    got = _bracket([base, penalised], base, 0.01, (1.0,), (0.1, 0.2, 0.3))
    assert got == [
        (("a",), (), 1.0, (), 0.2),
        (("a",), (), 0.0, (), 0.1),
        (("a",), (), 0.0, (), 0.3),
    ]
