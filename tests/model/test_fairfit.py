"""Fair fit: protected attributes steer the search, never a feature or a score input."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from glasscredit.exceptions import ForbiddenDataError, ValidationError
from glasscredit.model import FairFit, ScorecardClassifier, fair_fit


def proxy_data(n: int = 2000, seed: int = 0) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """A minority with a higher bad rate, and a feature that is mostly that membership."""
    rng = np.random.default_rng(seed)
    g = rng.random(n) < 0.3
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    proxy = g + rng.normal(scale=0.4, size=n)
    eta = -0.8 + 1.3 * x1 + 0.6 * x2 + 1.3 * g
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    X = pl.DataFrame({"x1": x1, "x2": x2, "proxy": proxy, "colour": rng.choice(["a", "b"], n)})
    return X, y, np.where(g, "minority", "majority")


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
    assert r.goal_met and r.chosen.worst_air is not None and r.chosen.worst_air >= 0.8
    assert r.auc_cost <= 0.01
    # the frontier: AUC falls as the worst AIR rises, and nothing evaluated beats a point
    aucs = [c.auc for c in r.frontier]
    airs = [c.worst_air for c in r.frontier]
    assert aucs == sorted(aucs, reverse=True) and airs == sorted(airs)  # type: ignore[type-var]
    for c in r.frontier:
        assert not any(
            f.auc > c.auc and f.worst_air > c.worst_air  # type: ignore[operator]
            for f in r.evaluated
        )
    assert json.loads(json.dumps(r.as_dict()))["goal_met"] is True


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
    # (and, when reweighing, weighed the rows)
    from glasscredit.model._fairfit import balancing_weights

    alpha = r.chosen.reweigh
    w = None if alpha == 0 else 1.0 + alpha * (balancing_weights({"group": g}, y) - 1.0)
    again = ScorecardClassifier(random_state=0, monotonic=dict(r.chosen.monotonic)).fit(
        X.drop(list(r.chosen.dropped)), y, sample_weight=w
    )
    assert again.points_table_ == table


def test_a_protected_column_in_X_is_refused() -> None:
    X, y, g = proxy_data(n=300)
    with pytest.raises(ForbiddenDataError, match=r"group.*protected_basis"):
        fair_fit(ScorecardClassifier(), X.with_columns(group=pl.Series(g)), y, {"group": g})
    with pytest.raises(ValidationError, match="same_length"):
        fair_fit(ScorecardClassifier(), X, y, {"group": g[:10]})


def testbalancing_weights_by_hand() -> None:
    from glasscredit.model._fairfit import balancing_weights

    # group a: 2 rows (1 bad), group b: 2 rows (both good); P(bad) = 1/4
    w = balancing_weights({"g": np.array(["a", "a", "b", "b"])}, np.array([1, 0, 0, 0]))
    # a-bad: P(a) P(bad) / P(a, bad) = 0.5 * 0.25 / 0.25; a-good: 0.5 * 0.75 / 0.25
    assert w.tolist() == pytest.approx([0.5, 1.5, 0.75, 0.75])
