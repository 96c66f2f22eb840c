"""sample_weight: a weight of k is k copies of the row, 0 removes it, in every fit mode."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.model import ScorecardClassifier

from .conftest import synthetic


@pytest.mark.parametrize("method", ["additive", "classic"])
def test_integer_weights_fit_the_table_of_repeated_rows(method: str) -> None:
    X, y = synthetic(n=1500, seed=4)
    w = np.random.default_rng(4).integers(0, 4, X.height)
    kw = {"method": method, "special_values": {"b": [-999.0]}, "random_state": 0}
    weighted = ScorecardClassifier(**kw).fit(X, y, sample_weight=w)
    idx = np.repeat(np.arange(X.height), w)
    repeated = ScorecardClassifier(**kw).fit(X[idx], y[idx])
    assert weighted.points_table_ == repeated.points_table_
    assert weighted.iv_ == pytest.approx(repeated.iv_)
    unit = ScorecardClassifier(**kw).fit(X, y, sample_weight=np.ones(X.height))
    assert unit.points_table_ == ScorecardClassifier(**kw).fit(X, y).points_table_


def test_weights_change_the_fit(data: tuple[pl.DataFrame, np.ndarray]) -> None:
    X, y = data
    colour = X.get_column("colour").to_numpy()
    w = np.where(colour == "red", 5.0, 1.0)  # real-valued weights, as reductions give
    plain = ScorecardClassifier(random_state=0).fit(X, y)
    weighted = ScorecardClassifier(random_state=0).fit(X, y, sample_weight=w / 3.7)
    assert weighted.points_table_ != plain.points_table_


@pytest.mark.parametrize(
    ("weights", "rule"),
    [
        (np.ones(5), "same_length"),
        (np.array([1.0, -1.0, 1.0, 1.0]), "non_negative"),
        (np.array([1.0, np.inf, 1.0, 1.0]), "non_negative"),
        (np.zeros(4), "non_zero"),
    ],
)
def test_bad_weights_are_refused_by_rule(weights: np.ndarray, rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ScorecardClassifier().fit(np.arange(8.0).reshape(4, 2), [0, 1, 0, 1], sample_weight=weights)
    assert (exc.value.errors[0].field, exc.value.errors[0].rule) == ("sample_weight", rule)


# fairlearn 0.15's own bookkeeping (not glasscredit's) trips a pandas deprecation
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_fairlearn_exponentiated_gradient_steers_the_estimator(
    german: tuple[pl.DataFrame, np.ndarray],
) -> None:
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient

    from glasscredit.model import load_german_credit

    X, y = german
    young = (load_german_credit().get_column("age_in_years") < 25).to_numpy()
    good = 1 - y  # fairlearn selects the positive label: here, approval
    plain = ScorecardClassifier(random_state=0).fit(X.to_pandas(), good).predict(X)
    eg = ExponentiatedGradient(
        ScorecardClassifier(random_state=0), constraints=DemographicParity(), max_iter=15
    )
    eg.fit(X.to_pandas(), good, sensitive_features=young)
    fair = eg.predict(X.to_pandas())

    def gap(pred: np.ndarray) -> float:
        return float(abs(pred[young].mean() - pred[~young].mean()))

    assert len(eg.predictors_) > 1  # the reduction refitted the scorecard with weights
    assert gap(fair) < gap(plain) / 2
