"""WoE/IV against hand-computed values; binning invariants as hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.model import ScorecardClassifier, pav, woe_iv
from glasscredit.model._binning import enforce_min_share, fine_numeric_edges, monotone_numeric_edges


def test_woe_iv_match_hand_computed_values() -> None:
    # goods 60/40 of 100, bads 10/30 of 40
    woe, iv = woe_iv([60, 40], [10, 30])
    assert woe[0] == pytest.approx(math.log(0.6 / 0.25))
    assert woe[1] == pytest.approx(math.log(0.4 / 0.75))
    hand = (0.6 - 0.25) * math.log(2.4) + (0.4 - 0.75) * math.log(0.4 / 0.75)
    assert iv.sum() == pytest.approx(hand)
    assert iv.sum() == pytest.approx(0.35 * 0.875469 + 0.35 * 0.628609, abs=1e-5)


def test_woe_uses_laplace_correction_when_a_cell_is_empty() -> None:
    woe, iv = woe_iv([10, 0], [5, 5])
    assert woe[1] == pytest.approx(math.log((0.5 / 11) / (5.5 / 11)))
    assert np.isfinite(iv).all()


def test_pav_pools_violators_by_weight() -> None:
    out = pav(np.array([1.0, 3.0, 2.0, 4.0]), np.array([1.0, 1.0, 3.0, 1.0]))
    assert out.tolist() == pytest.approx([1.0, 2.25, 2.25, 4.0])
    down = pav(np.array([1.0, 3.0, 2.0]), np.ones(3), increasing=False)
    assert down.tolist() == pytest.approx([2.0, 2.0, 2.0])


values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=5, max_size=300)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(2, 40), st.floats(0.0, 0.3))
def test_fine_edges_respect_min_share_and_order(
    xs: list[float], max_bins: int, share: float
) -> None:
    x = np.asarray(xs)
    edges = fine_numeric_edges(x, (), max_bins, share, 10_000, np.random.default_rng(0))
    assert list(edges) == sorted(set(edges))
    assert len(edges) + 1 <= max(max_bins, 1)
    counts = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
    if edges:
        assert counts.min() >= share * x.size


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-100, 100), st.booleans()), min_size=20, max_size=300),
    st.sampled_from(["ascending", "descending", "auto"]),
    st.floats(0.0, 0.2),
)
def test_monotone_binning_is_monotone_with_min_share(
    rows: list[tuple[float, bool]], trend: str, share: float
) -> None:
    x = np.array([r[0] for r in rows])
    y = np.array([float(r[1]) for r in rows])
    edges, ascending = monotone_numeric_edges(x, y, (), trend, 6, share, prebins=20)
    if trend != "auto":
        assert ascending == (trend == "ascending")
    idx = np.searchsorted(edges, x, side="right")
    cnt = np.bincount(idx, minlength=len(edges) + 1)
    rate = np.bincount(idx, weights=y, minlength=len(edges) + 1) / np.maximum(cnt, 1)
    assert len(edges) + 1 <= 6
    if edges:
        assert cnt.min() >= share * x.size
    steps = np.diff(rate)
    assert (steps >= -1e-12).all() if ascending else (steps <= 1e-12).all()


def test_enforce_min_share_merges_the_smallest_bin() -> None:
    v = np.array([1, 2, 2, 2, 3, 3, 3, 4, 4, 4], dtype=float)
    assert enforce_min_share(v, (2.0, 3.0, 4.0), 0.2) == (3.0, 4.0)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["ascending", "descending"]))
def test_fitted_points_follow_the_requested_trend(seed: int, trend: str) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-np.sin(3 * x)))).astype(int)
    m = ScorecardClassifier(monotonic={"x0": trend}, min_bin_share=0.05).fit(x[:, None], y)
    pts = np.asarray(m.points_table_.features["x0"].points) if m.points_table_.features else []
    if len(pts) > 1:
        # ascending bad rate = descending points (higher points = lower risk)
        d = np.diff(pts)
        assert (d <= 0).all() if trend == "ascending" else (d >= 0).all()


def test_trend_detection_keeps_u_shapes_free_and_finds_noisy_trends() -> None:
    from glasscredit.model._additive import detect_trend

    w = np.ones(11)
    u = (np.arange(11.0) - 5) ** 2
    assert detect_trend(u, w, 0.3) == 0  # a monotone fit explains half: not a trend
    rng = np.random.default_rng(3)
    rising = np.arange(11.0) + rng.normal(0, 1.0, 11)
    assert detect_trend(rising, w, 0.3) == 1
    assert detect_trend(-rising, w, 0.3) == -1
    assert detect_trend(np.zeros(11), w, 0.3) == 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=40, unique=True), st.integers(0, 2**32 - 1)
)
def test_lookup_table_binning_equals_binary_search(edges: list[float], seed: int) -> None:
    from glasscredit.policy._lookup import bin_index

    e = np.sort(np.asarray(edges))
    rng = np.random.default_rng(seed)
    near = np.concatenate([e, np.nextafter(e, np.inf), np.nextafter(e, -np.inf)])
    x = np.concatenate(
        [
            near,
            rng.uniform(e[0] - 10, e[-1] + 10, 2000),
            [np.inf, -np.inf, -0.0, 0.0, 1e308, -1e308],
        ]
    )
    got = bin_index(e, x, min_rows=0)
    assert (got == np.searchsorted(e, x, side="right")).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "x", "", "1"])), max_size=60),
    st.integers(0, 3),
)
def test_small_categorical_lookup_equals_the_polars_path(
    values: list[str | None], n_listed: int
) -> None:
    import polars as pl

    from glasscredit.policy import _lookup

    slot_of = {c: i // 2 for i, c in enumerate(["a", "b", "c", "1"][:n_listed])}
    groups = max(slot_of.values(), default=-1) + 1
    s = pl.Series(values, dtype=pl.Utf8)
    small = _lookup.categorical_slots(slot_of, groups, s)  # the dict path (few rows)
    limit = _lookup.DICT_MAX_ROWS
    try:
        _lookup.DICT_MAX_ROWS = 0  # the polars path
        large = _lookup.categorical_slots(slot_of, groups, s)
    finally:
        _lookup.DICT_MAX_ROWS = limit
    assert small.dtype == large.dtype
    assert small.tolist() == large.tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 34), st.integers(0, 2**32 - 1))
def test_unimodal_sse_equals_two_pav_fits_at_every_split(n: int, seed: int) -> None:
    from glasscredit.model._additive import _sse, _unimodal_sse

    rng = np.random.default_rng(seed)
    beta, w = rng.normal(size=n), rng.random(n)
    w[rng.integers(n)] = 0.0  # a weightless bin (pav floors it, the SSE does not count it)
    w /= w.sum()
    brute = min(
        _sse(beta[:k], w[:k], pav(beta[:k], w[:k], up))
        + _sse(beta[k:], w[k:], pav(beta[k:], w[k:], not up))
        for k in range(1, n)
        for up in (True, False)
    )
    assert _unimodal_sse(beta, w) == pytest.approx(brute, rel=1e-12, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_tridiagonal_solve_is_scipys_solve_banded(n: int, seed: int) -> None:
    from scipy.linalg import solve_banded

    from glasscredit.model._additive import _solve_tridiagonal

    rng = np.random.default_rng(seed)
    ab = rng.normal(size=(3, n))
    ab[1] += 4.0  # diagonally dominant, as a penalised Hessian is
    rhs = rng.normal(size=n)
    before = (ab.copy(), rhs.copy())
    got = _solve_tridiagonal(ab, rhs)
    assert got.tolist() == solve_banded((1, 1), ab, rhs, check_finite=False).tolist()
    assert (ab == before[0]).all() and (rhs == before[1]).all()  # inputs left alone


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])), min_size=1, max_size=80),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_small_categorical_bins_equal_the_polars_path(
    values: list[str | None], weighted: bool, seed: int
) -> None:
    import polars as pl

    from glasscredit.model import _binning

    s = pl.Series(values, dtype=pl.Utf8)
    w = np.random.default_rng(seed).uniform(0.0, 3.0, len(values)) if weighted else None
    small = _binning.categorical_bins("f", s, 0.1, w)
    limit = _binning.SMALL_ROWS
    try:
        _binning.SMALL_ROWS = 0  # the polars path
        large = _binning.categorical_bins("f", s, 0.1, w)
    finally:
        _binning.SMALL_ROWS = limit
    assert small == large
