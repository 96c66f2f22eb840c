"""Binning: cut a numeric feature into right-open bins, group a categorical one.

One layout of *slots* per feature serves the fit, the points table and every scorer:

* numeric: slots ``0..k`` are the bins ``(-inf, e0), [e0, e1), ..., [e_{k-1}, +inf)``
  (``k = len(edges)``), slot ``k + 1`` is *missing* (None, NaN), slots ``k + 2 + j``
  are the special values (sentinels such as -999). NaN is looked up before the specials
  and +/-inf fall in the outer bins, exactly as :meth:`FeaturePoints.bin_of` does.
* categorical: slots ``0..g-1`` are the groups, slot ``g`` is *missing*, slot ``g + 1``
  is *other* (a category never seen at fit).

:func:`assign` is the points table's one lookup (:mod:`glasscredit.policy._lookup`)
applied to the fit's bins, so the fit, the table and every scorer agree by construction.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from glasscredit.policy._lookup import categorical_slots, numeric_slots

__all__ = [
    "Bins",
    "assign",
    "categorical_bins",
    "enforce_min_share",
    "fine_numeric_edges",
    "monotone_numeric_edges",
    "pav",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Column = FloatArray | pl.Series


@dataclass(frozen=True)
class Bins:
    """The cut of one feature; ``n_slots`` counts bins, missing, specials/other."""

    name: str
    kind: Literal["numeric", "categorical"]
    edges: tuple[float, ...] = ()
    specials: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    labels: tuple[str, ...] = field(default=(), compare=False)

    @property
    def n_regular(self) -> int:
        """Bins that carry an order (numeric) or a group (categorical)."""
        return len(self.edges) + 1 if self.kind == "numeric" else len(self.groups)

    @property
    def missing_slot(self) -> int:
        return self.n_regular

    @property
    def n_slots(self) -> int:
        extra = len(self.specials) if self.kind == "numeric" else 1
        return self.n_regular + 1 + extra

    @property
    def other_slot(self) -> int | None:
        return self.n_regular + 1 if self.kind == "categorical" else None


def assign(bins: Bins, col: Column) -> IntArray:
    """Slot of every value of a column: the points table's one lookup, on the fit's bins."""
    if bins.kind == "numeric":
        if isinstance(col, pl.Series):
            raise TypeError(f"{bins.name}: numeric feature got a text column")
        return numeric_slots(bins.edges, bins.specials, np.asarray(col, dtype=np.float64))
    s = col if isinstance(col, pl.Series) else pl.Series(col).cast(pl.Utf8)
    slot_of = {c: i for i, g in enumerate(bins.groups) for c in g}
    return categorical_slots(slot_of, len(bins.groups), s)


def _finite_regular(
    x: FloatArray, specials: tuple[float, ...], w: FloatArray | None = None
) -> tuple[FloatArray, FloatArray | None]:
    keep = np.isfinite(x)
    if specials:
        keep &= ~np.isin(x, np.asarray(specials, dtype=np.float64))
    return x[keep], None if w is None else w[keep]


def weighted_higher_quantiles(sorted_v: FloatArray, cumw: FloatArray, qs: FloatArray) -> FloatArray:
    """``np.quantile(..., method="higher")`` of the data each value repeated by its weight.

    With integer weights this is exactly the quantile of the repeated rows (so a weight
    of 2 is a duplicated row); with unit weights it is the unweighted quantile.
    """
    k = np.ceil((cumw[-1] - 1.0) * qs)  # numpy's own index for "higher"
    idx = np.searchsorted(cumw, k, side="right")
    out: FloatArray = sorted_v[np.minimum(idx, sorted_v.size - 1)]
    return out


def fine_numeric_edges(
    x: FloatArray,
    specials: tuple[float, ...],
    max_bins: int,
    min_share: float,
    sample: int,
    rng: np.random.Generator,
    w: FloatArray | None = None,
) -> tuple[float, ...]:
    """Quantile cut points on the finite, non-special values, each bin at least ``min_share``.

    Cut points are data values (a bin starts at a value that occurs), so integer
    features get integer edges. Above ``sample`` values the quantiles come from a random
    sample, as LightGBM builds its histograms: the cuts move by less than the sampling
    error of the quantiles, and the fit still uses every row. With weights ``w`` the
    quantiles and shares are those of the rows repeated by their weights.
    """
    v, wv = _finite_regular(x, specials, w)
    if v.size == 0:
        return ()
    if v.size > sample:
        keep = rng.random(v.size) < sample / v.size
        v, wv = v[keep], None if wv is None else wv[keep]
    if wv is None:
        v = np.sort(v)
        cumw = None
    else:
        order = np.argsort(v, kind="stable")
        v, cumw = v[order], np.cumsum(wv[order])
    uniq = np.unique(v)
    if uniq.size <= max_bins:
        edges = uniq[1:]
    else:
        qs = np.linspace(0.0, 1.0, max_bins + 1)[1:-1]
        cut = (
            np.quantile(v, qs, method="higher")
            if cumw is None
            else weighted_higher_quantiles(v, cumw, qs)
        )
        edges = np.unique(cut)
        edges = edges[edges > v[0]]
    return enforce_min_share(v, tuple(float(e) for e in edges), min_share, cumw)


def enforce_min_share(
    sorted_v: FloatArray,
    edges: tuple[float, ...],
    min_share: float,
    cumw: FloatArray | None = None,
) -> tuple[float, ...]:
    """Drop edges until every bin holds at least ``min_share`` of the values.

    The smallest bin is merged with its smaller neighbour, repeatedly; merging never
    shrinks a bin, so the result respects the share whenever one bin could. ``cumw``
    (cumulative weights of the sorted values) makes the shares weighted.
    """
    e = list(edges)
    n = sorted_v.size
    if n == 0:
        return ()
    total = float(n) if cumw is None else float(cumw[-1])
    need = min_share * total
    while e:
        cuts = np.searchsorted(sorted_v, np.asarray(e), side="left")
        if cumw is None:
            counts = np.diff(np.concatenate(([0], cuts, [n]))).astype(np.float64)
        else:
            at = np.concatenate(([0.0], cumw))[cuts]
            counts = np.diff(np.concatenate(([0.0], at, [total])))
        i = int(np.argmin(counts))
        if counts[i] >= need and counts[i] > 0:
            break
        if i == 0:
            drop = 0
        elif i == len(counts) - 1:
            drop = i - 1
        else:
            drop = i - 1 if counts[i - 1] <= counts[i + 1] else i
        del e[drop]
    return tuple(e)


def pav(values: FloatArray, weights: FloatArray, increasing: bool = True) -> FloatArray:
    """Weighted pool-adjacent-violators: the closest monotone sequence in weighted L2."""
    y = values if increasing else -values
    w = np.maximum(weights, 1e-12)
    means: list[float] = []
    wsum: list[float] = []
    sizes: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist(), strict=True):
        means.append(yi)
        wsum.append(wi)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m2, w2, s2 = means.pop(), wsum.pop(), sizes.pop()
            tot = wsum[-1] + w2
            means[-1] = (means[-1] * wsum[-1] + m2 * w2) / tot
            wsum[-1] = tot
            sizes[-1] += s2
    out = np.repeat(np.asarray(means), sizes)
    return out if increasing else -out


def monotone_numeric_edges(
    x: FloatArray,
    y: FloatArray,
    specials: tuple[float, ...],
    trend: str,
    max_bins: int,
    min_share: float,
    prebins: int,
    w: FloatArray | None = None,
) -> tuple[tuple[float, ...], bool]:
    """Classic optimal monotonic binning: the bad rate rises or falls across bins.

    Quantile pre-bins are pooled by PAV on the bad rate (``trend`` ``"ascending"``,
    ``"descending"``, or ``"auto"`` for the direction that keeps more information value),
    then the adjacent pair whose merge loses the least IV is merged until at most
    ``max_bins`` remain. Returns the edges and whether the bad rate ascends.
    """
    keep = np.isfinite(x)
    if specials:
        keep &= ~np.isin(x, np.asarray(specials, dtype=np.float64))
    v, t = x[keep], y[keep]
    wv = np.ones(v.size) if w is None else w[keep]
    if v.size == 0:
        return (), True
    order = np.argsort(v, kind="stable")
    v, t, wv = v[order], t[order], wv[order]
    edges = fine_numeric_edges(
        v, (), prebins, min_share, v.size, np.random.default_rng(0), None if w is None else wv
    )
    cuts = np.searchsorted(v, np.asarray(edges), side="left")
    bounds = np.concatenate(([0], cuts, [v.size])).astype(np.intp)
    cnt = np.add.reduceat(wv, bounds[:-1])
    bad = np.add.reduceat(t * wv, bounds[:-1])
    best: tuple[float, tuple[float, ...], bool] | None = None
    directions = {"ascending": [True], "descending": [False]}.get(trend, [True, False])
    for inc in directions:
        groups = _pav_groups(bad / cnt, cnt, inc)
        g_cnt, g_bad, g_edges = _pool(cnt, bad, list(edges), groups)
        while len(g_cnt) > max_bins:
            g_cnt, g_bad, g_edges = _merge_cheapest(g_cnt, g_bad, g_edges)
        iv = _iv_of(g_cnt, g_bad)
        if best is None or iv > best[0]:
            best = (iv, tuple(g_edges), inc)
    assert best is not None
    return best[1], best[2]


def _pav_groups(rate: FloatArray, w: FloatArray, increasing: bool) -> list[int]:
    """Group id of each pre-bin after PAV (pre-bins with the same pooled rate merge)."""
    fitted = pav(rate, w, increasing)
    gid, out = 0, [0]
    for a, b in itertools.pairwise(fitted):
        gid += int(not np.isclose(a, b, rtol=0, atol=1e-12))
        out.append(gid)
    return out


def _pool(
    cnt: FloatArray, bad: FloatArray, edges: list[float], groups: list[int]
) -> tuple[FloatArray, FloatArray, list[float]]:
    g = np.asarray(groups)
    n_g = int(g.max()) + 1
    g_cnt = np.bincount(g, weights=cnt, minlength=n_g).astype(np.float64)
    g_bad = np.bincount(g, weights=bad, minlength=n_g).astype(np.float64)
    g_edges = [edges[i] for i in range(len(edges)) if groups[i + 1] != groups[i]]
    return g_cnt, g_bad, g_edges


def _iv_of(cnt: FloatArray, bad: FloatArray) -> float:
    from glasscredit.model._woe import woe_iv

    return float(woe_iv(cnt - bad, bad)[1].sum())


def _merge_cheapest(
    cnt: FloatArray, bad: FloatArray, edges: list[float]
) -> tuple[FloatArray, FloatArray, list[float]]:
    best_i, best_iv = 0, -np.inf
    for i in range(len(edges)):
        c = np.concatenate((cnt[:i], [cnt[i] + cnt[i + 1]], cnt[i + 2 :]))
        b = np.concatenate((bad[:i], [bad[i] + bad[i + 1]], bad[i + 2 :]))
        iv = _iv_of(c, b)
        if iv > best_iv:
            best_i, best_iv = i, iv
    i = best_i
    c = np.concatenate((cnt[:i], [cnt[i] + cnt[i + 1]], cnt[i + 2 :]))
    b = np.concatenate((bad[:i], [bad[i] + bad[i + 1]], bad[i + 2 :]))
    return c, b, edges[:i] + edges[i + 1 :]


SMALL_ROWS = 5_000


def _small_category_counts(
    s: pl.Series, w: FloatArray | None
) -> tuple[list[Any], list[float], float]:
    """Each category's count (or weight, summed in row order) and the total, in Python."""
    acc: dict[Any, float] = {}
    values = s.to_list()
    if w is None:
        for v in values:
            if v is not None:
                acc[v] = acc.get(v, 0) + 1
        total: float = max(len(values), 1)
    else:
        for v, wi in zip(values, w.tolist(), strict=True):
            if v is not None:
                acc[v] = acc.get(v, 0.0) + wi
        total = max(float(w.sum()), 1e-300)
    return list(acc), list(acc.values()), total


def categorical_bins(
    name: str, s: pl.Series, min_share: float, w: FloatArray | None = None
) -> Bins:
    """One group per category, categories rarer than ``min_share`` pooled into one group.

    Categories are sorted so the table is reproducible; the pooled rare group keeps its
    members listed, so the table says exactly which values it holds. With weights ``w``
    a category's share is its share of the total weight.
    """
    total: float
    if s.len() < SMALL_ROWS:  # a fold of a few hundred rows: polars' per-call cost dominates
        cats, ns, total = _small_category_counts(s, w)
    elif w is None:
        counts = s.drop_nulls().value_counts()
        total = max(int(s.len()), 1)
        cats = counts.get_column(counts.columns[0]).to_list()
        ns = counts.get_column("count").to_list()
    else:
        frame = pl.DataFrame({"c": s, "w": w}).drop_nulls("c").group_by("c").agg(pl.sum("w"))
        total = max(float(w.sum()), 1e-300)
        cats, ns = frame.get_column("c").to_list(), frame.get_column("w").to_list()
    common = sorted(str(c) for c, k in zip(cats, ns, strict=True) if k >= min_share * total)
    rare = sorted(str(c) for c, k in zip(cats, ns, strict=True) if k < min_share * total)
    groups: list[tuple[str, ...]] = [(c,) for c in common]
    if rare:
        groups.append(tuple(rare))
    return Bins(name=name, kind="categorical", groups=tuple(groups))
