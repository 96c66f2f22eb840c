"""ScorecardClassifier: scikit-learn contract, input formats, bad input, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from glasscredit.exceptions import ForbiddenDataError, ModelError, ValidationError
from glasscredit.model import ScorecardClassifier


@parametrize_with_checks([ScorecardClassifier(min_bin_share=0.05)])
def test_sklearn_contract(estimator: ScorecardClassifier, check: object) -> None:
    check(estimator)  # type: ignore[operator]


def test_pipeline_and_cross_val_score(german: tuple[pl.DataFrame, np.ndarray]) -> None:
    X, y = german
    pipe = make_pipeline(FunctionTransformer(lambda d: d), ScorecardClassifier())
    scores = cross_val_score(pipe, X.to_pandas(), y, cv=3, scoring="roc_auc")
    assert scores.min() > 0.7


def test_pandas_polars_and_arrow_inputs_fit_the_same_table(
    data: tuple[pl.DataFrame, np.ndarray],
) -> None:
    X, y = data
    kw = {"special_values": {"b": [-999.0]}, "random_state": 0}
    t_pl = ScorecardClassifier(**kw).fit(X, y).points_table_
    t_pd = ScorecardClassifier(**kw).fit(X.to_pandas(), y).points_table_
    t_pa = ScorecardClassifier(**kw).fit(X.to_arrow(), pl.Series(y)).points_table_
    assert t_pl == t_pd == t_pa


def test_probabilities_come_from_the_integer_score(
    fitted: ScorecardClassifier, data: tuple[pl.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    s = fitted.predict_score(X).astype(float)
    sc = fitted.scaling_
    expected = 1 / (1 + np.exp((s - sc.offset) / sc.factor))
    assert fitted.predict_proba(X)[:, 1] == pytest.approx(expected)
    assert fitted.classes_.tolist() == [0, 1]


def test_table_fits_the_score_range_and_accuracy_is_real(
    fitted: ScorecardClassifier, data: tuple[pl.DataFrame, np.ndarray]
) -> None:
    t = fitted.points_table_
    assert t.min_total >= 350 and t.max_total <= 950
    from sklearn.metrics import roc_auc_score

    X, y = data
    assert roc_auc_score(y, fitted.predict_proba(X)[:, 1]) > 0.75
    assert fitted.trends_["a"] == "ascending"  # truth: bad rate rises with a
    assert fitted.trends_["b"] == "descending"


def test_narrow_score_range_rescales_and_records_it(data: tuple[pl.DataFrame, np.ndarray]) -> None:
    X, y = data
    m = ScorecardClassifier(score_range=(500, 600), pdo=200, special_values={"b": [-999.0]})
    t = m.fit(X, y).points_table_
    assert t.min_total >= 500 and t.max_total <= 600
    assert t.scaling is not None and t.scaling["pdo"] < 200


def test_special_values_have_their_own_bin_everywhere(fitted: ScorecardClassifier) -> None:
    fp = fitted.points_table_.features["b"]
    assert [sp.values for sp in fp.specials] == [[-999.0]]
    s = fitted.predict_score(pl.DataFrame({"a": [0.0], "b": [-999.0], "colour": ["red"]}))
    assert s[0] == fitted.points_table_.score_row({"a": 0.0, "b": -999.0, "colour": "red"})


def test_classic_method_fits_monotone_woe_scorecard(
    german: tuple[pl.DataFrame, np.ndarray],
) -> None:
    X, y = german
    m = ScorecardClassifier(method="classic", min_iv=0.02).fit(X, y)
    dur = m.points_table_.features["duration_in_month"]
    assert np.all(np.diff(dur.points) <= 0)  # longer loans are riskier
    assert "telephone" in m.excluded_ and "min_iv" in m.excluded_["telephone"]
    assert len(dur.points) <= 8


@pytest.mark.parametrize(
    ("y", "rule"), [(np.zeros(50), "two_classes"), (np.arange(50) % 3, "binary_target")]
)
def test_target_must_have_exactly_two_classes(y: np.ndarray, rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ScorecardClassifier().fit(pd.DataFrame({"x": np.arange(50.0)}), y)
    assert exc.value.errors[0].rule == rule and exc.value.errors[0].field == "target"


def test_missing_outcomes_are_refused() -> None:
    y = np.array([0.0, 1.0, np.nan, 1.0])
    with pytest.raises(ValidationError, match="no_missing_target"):
        ScorecardClassifier().fit(pd.DataFrame({"x": [1.0, 2, 3, 4]}), y)


def test_constant_and_empty_columns_are_dropped_and_recorded() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    y = (x + rng.normal(size=400) > 0).astype(int)
    X = pd.DataFrame({"x": x, "const": 3.0, "empty": np.nan})
    m = ScorecardClassifier().fit(X, y)
    assert set(m.points_table_.features) == {"x"}
    assert m.excluded_["const"].startswith("constant")
    assert m.excluded_["empty"] == "all values missing"
    with pytest.raises(ModelError, match="no usable feature"):
        ScorecardClassifier().fit(X[["const", "empty"]], y)


@pytest.mark.parametrize("column", ["personal_status_and_sex", "age", "foreign_worker", "zip"])
def test_protected_columns_are_refused_by_fit(column: str) -> None:
    X = pd.DataFrame({"income": [1.0, 2.0, 3.0, 4.0], column: [1.0, 0.0, 1.0, 0.0]})
    kw = {"protected": ["zip"]} if column == "zip" else {}
    with pytest.raises(ForbiddenDataError) as exc:
        ScorecardClassifier(**kw).fit(X, [0, 1, 0, 1])
    err = exc.value.errors[0]
    assert err.field == column and err.rule.startswith("protected_basis")
    assert "fairness audit only" in str(exc.value)


def test_special_category_columns_are_refused_by_fit() -> None:
    X = pd.DataFrame({"income": [1.0, 2.0], "religion": ["a", "b"]})
    with pytest.raises(ForbiddenDataError, match=r"religion.*forbidden_category"):
        ScorecardClassifier().fit(X, [0, 1])


def test_missing_model_columns_at_predict_raise_and_extra_are_ignored(
    fitted: ScorecardClassifier, data: tuple[pl.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    with pytest.raises(ValidationError) as exc:
        fitted.predict_score(X.drop("colour"))
    assert exc.value.errors[0].field == "colour"
    extra = X.with_columns(pl.lit(1.0).alias("unused"))
    assert (fitted.predict_score(extra) == fitted.predict_score(X)).all()


def test_text_in_a_numeric_feature_is_refused(fitted: ScorecardClassifier) -> None:
    X = pl.DataFrame({"a": ["high"], "b": [1.0], "colour": ["red"]})
    with pytest.raises(ModelError, match="numeric_column"):
        fitted.predict_score(X)


def test_nan_and_infinity_score_missing_and_outer_bins(fitted: ScorecardClassifier) -> None:
    fp = fitted.points_table_.features["a"]
    X = pl.DataFrame({"a": [np.nan, np.inf, -np.inf], "b": [1.0] * 3, "colour": ["red"] * 3})
    _, parts = __import__("glasscredit.model", fromlist=["table_points"]).table_points(
        fitted.points_table_, X
    )
    assert parts["a"].tolist() == [fp.missing, fp.points[-1], fp.points[0]]


@pytest.mark.parametrize("fmt", ["dok", "csr", "csc", "coo", "lil"])
def test_sparse_input_fits_and_scores_as_the_dense_table(fmt: str) -> None:
    from scipy import sparse

    rng = np.random.default_rng(3)
    dense = rng.uniform(size=(400, 3))
    dense[dense < 0.6] = 0.0  # mostly implicit zeros, which are zeros, not missing
    y = (dense[:, 0] + rng.normal(scale=0.3, size=400) > 0.4).astype(int)
    X = getattr(sparse, f"{fmt}_matrix")(dense)  # a dok_matrix is also a dict
    m_sparse = ScorecardClassifier(random_state=0).fit(X, y)
    m_dense = ScorecardClassifier(random_state=0).fit(dense, y)
    assert m_sparse.points_table_ == m_dense.points_table_
    assert (m_sparse.predict_score(X) == m_dense.predict_score(dense)).all()
    assert (m_sparse.predict_score(sparse.csr_array(dense)) == m_dense.predict_score(dense)).all()


def test_infinite_outcome_is_refused_as_a_class() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValidationError) as exc:
        ScorecardClassifier().fit(X, np.array([0.0, 1.0, np.inf, 1.0]))
    assert (exc.value.errors[0].field, exc.value.errors[0].rule) == ("target", "finite_target")
    with pytest.raises(ValidationError, match=r"target: .*\[finite_target\]"):
        ScorecardClassifier().fit(X, pl.Series([0.0, 1.0, -np.inf, 1.0]))


@pytest.mark.parametrize(
    ("X", "y", "field", "rule"),
    [
        (np.ones((12, 0)), np.arange(12) % 2, "X", "non_empty"),
        (np.ones((4, 2)) * 1j, [0, 1, 0, 1], "X", "real_numbers"),
        (np.arange(8.0).reshape(4, 2), None, "target", "target_present"),
        (np.arange(8.0).reshape(4, 2), [0.5, 1.5, 2.25, 3.0], "target", "class_labels"),
        (np.arange(8.0).reshape(4, 2), [0, 1, 2, 1], "target", "binary_target"),
        (np.arange(8.0).reshape(4, 2), [1, 1, 1, 1], "target", "two_classes"),
    ],
)
def test_refusals_name_the_field_and_the_rule(X: object, y: object, field: str, rule: str) -> None:
    # scikit-learn's checks read their own wording in these messages; glasscredit's
    # field and rule must still be there for the operator
    with pytest.raises(ValidationError) as exc:
        ScorecardClassifier().fit(X, y)
    err = exc.value.errors[0]
    assert (err.field, err.rule) == (field, rule)
    assert str(exc.value).startswith(f"{field}: ") and str(exc.value).endswith(f"[{rule}]")


def test_predict_refuses_wrong_width_and_one_dimensional_input(
    data: tuple[pl.DataFrame, np.ndarray],
) -> None:
    X, y = data
    m = ScorecardClassifier().fit(X.select("a", "b").to_numpy(), y)
    with pytest.raises(ValidationError, match=r"X: X has 1 features.*\[feature_count\]"):
        m.predict(np.ones((3, 1)))
    with pytest.raises(ValidationError, match=r"X: .*Reshape your data.*\[two_dimensional\]"):
        m.predict(np.ones(3))


@pytest.mark.parametrize(
    "X",
    [
        pd.DataFrame({"a": [1, "x", 2.5, None] * 10, "b": np.arange(40.0)}),
        {"a": [1, "x", 2.5, None] * 10, "b": list(range(40))},
        np.array([[1, "x"], [2, 3]] * 20, dtype=object),
    ],
    ids=["pandas", "dict", "numpy"],
)
def test_a_column_of_mixed_types_is_refused_by_name(X: object) -> None:
    with pytest.raises(ValidationError) as exc:
        ScorecardClassifier().fit(X, np.arange(40) % 2)
    err = exc.value.errors[0]
    assert err.rule == "single_type" and err.field in ("a", "x1")
    assert "number" in err.message and "text 'x'" in err.message


@pytest.mark.parametrize(
    ("monotonic", "field", "rule"),
    [
        ({"nope": "ascending"}, "nope", "monotonic_feature_present"),
        ({"colour": "descending"}, "colour", "monotonic_numeric"),
    ],
)
def test_a_monotonic_constraint_must_name_a_numeric_feature(
    data: tuple[pl.DataFrame, np.ndarray], monotonic: dict[str, str], field: str, rule: str
) -> None:
    X, y = data
    with pytest.raises(ValidationError) as exc:
        ScorecardClassifier(monotonic=monotonic).fit(X, y)
    assert (exc.value.errors[0].field, exc.value.errors[0].rule) == (field, rule)
    ScorecardClassifier(monotonic={"colour": "none", "a": "ascending"}).fit(X, y)
