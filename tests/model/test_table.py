"""The vectorised scorer, the explanation and the fitted table agree with ``bin_of``."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.model import ScorecardClassifier, table_points
from glasscredit.model._binning import Bins
from glasscredit.model._table import feature_points
from glasscredit.policy import FeaturePoints, PointsTable, SpecialBin

TABLE = PointsTable(
    base=500,
    features={
        "x": FeaturePoints(
            edges=[-1.0, 0.0, 2.5],
            points=[-10, 0, 5, 12],
            missing=-3,
            specials=[
                SpecialBin(values=[-999.0, 7.0], points=-7),
                SpecialBin(values=[8.0], points=99),
            ],
        ),
        "c": FeaturePoints(
            kind="categorical", groups=[["a", "b"], ["z"]], points=[4, -4], missing=1
        ),
    },
)

num = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-999.0, 7.0, 8.0, -1.0, 0.0, 2.5, math.inf, -math.inf, math.nan]),
    st.none(),
)
cat = st.one_of(st.sampled_from(["a", "b", "z", "unseen", ""]), st.none())


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(num, cat), min_size=1, max_size=50))
def test_vectorised_scores_equal_score_row(rows: list[tuple[float | None, str | None]]) -> None:
    frame = pl.DataFrame(
        {"x": [r[0] for r in rows], "c": [r[1] for r in rows]},
        schema={"x": pl.Float64, "c": pl.Utf8},
    )
    total, parts = table_points(TABLE, frame)
    for i, (x, c) in enumerate(rows):
        assert total[i] == TABLE.score_row({"x": x, "c": c})
        assert parts["x"][i] == TABLE.features["x"].bin_of(x)[1]


def test_a_value_in_two_special_bins_is_refused() -> None:
    # which listing wins was once a matter of which reader: 9 points in the batch, 7 in
    # the explanation; such a table cannot be built now
    with pytest.raises(pydantic.ValidationError, match="distinct_specials"):
        FeaturePoints(
            edges=[0.0],
            points=[0, 1],
            specials=[SpecialBin(values=[7.0], points=7), SpecialBin(values=[7.0], points=9)],
        )
    _, parts = table_points(TABLE, pl.DataFrame({"x": [7.0, 8.0], "c": ["a", "a"]}))
    assert parts["x"].tolist() == [-7, 99]


def test_equal_adjacent_points_are_merged_without_changing_scores() -> None:
    b = Bins(name="x", kind="numeric", edges=(1.0, 2.0, 3.0), specials=(-1.0,))
    fp, merged = feature_points(b, [5, 5, 2, 2, 0, 9], [False] * 6)
    assert fp.edges == [2.0] and fp.points == [5, 2]
    assert fp.missing == 0 and fp.specials[0].points == 9
    for v in (0.5, 1.5, 2.5, 3.5, -1.0, None):
        assert fp.bin_of(v)[1] == {0.5: 5, 1.5: 5, 2.5: 2, 3.5: 2, -1.0: 9, None: 0}[v]
    assert merged.edges == (2.0,)


def test_bins_unseen_at_fit_get_the_least_favourable_points() -> None:
    b = Bins(name="x", kind="numeric", edges=(1.0,), specials=(-1.0,))
    fp, _ = feature_points(b, [5, -2, 0, 0], [False, False, True, True])
    assert fp.missing == -2 and fp.specials[0].points == -2
    c = Bins(name="c", kind="categorical", groups=(("a",), ("b",)))
    fpc, _ = feature_points(c, [3, 6, 0, 0], [False, False, True, True])
    assert fpc.missing == 3 and fpc.other_points == 3


def test_fitted_model_scores_equal_its_table_row_by_row(
    fitted: ScorecardClassifier, data: tuple[pl.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    head = X.head(300)
    scores = fitted.predict_score(head)
    for i, row in enumerate(head.iter_rows(named=True)):
        assert scores[i] == fitted.points_table_.score_row(row)


def test_explanation_flags_unseen_categories_and_missing(fitted: ScorecardClassifier) -> None:
    X = pl.DataFrame({"a": [None, 0.1], "b": [5.0, -999.0], "colour": ["purple", "red"]})
    ex = fitted.explain(X)
    first = {f["feature"]: f for f in ex[0]["features"]}
    assert "unseen_category" in first["colour"]["flags"]
    assert first["colour"]["points"] == fitted.points_table_.features["colour"].other_points
    assert first["colour"]["points"] == min(fitted.points_table_.features["colour"].points)
    assert "missing" in first["a"]["flags"]
    assert [e["score"] for e in ex] == fitted.predict_score(X).tolist()
    second = {f["feature"]: f for f in ex[1]["features"]}
    assert second["b"]["bin"] == "special -999"


def test_threaded_scoring_equals_single_threaded(
    fitted: ScorecardClassifier, data: tuple[pl.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    one, parts1 = table_points(fitted.points_table_, X, threads=1)
    two, parts2 = table_points(fitted.points_table_, X, threads=3)
    assert (one == two).all() and all((parts1[k] == parts2[k]).all() for k in parts1)


def test_large_frames_take_the_lookup_path_and_still_equal_score_row(
    fitted: ScorecardClassifier,
) -> None:
    from tests.model.conftest import synthetic

    X, _ = synthetic(60_000, seed=5)  # above LUT_MIN_ROWS: lookup-table binning
    scores = fitted.predict_score(X)
    table = fitted.points_table_
    assert all(scores[i] == table.score_row(row) for i, row in enumerate(X.iter_rows(named=True)))
