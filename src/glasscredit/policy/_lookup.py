"""The one points lookup: which *slot* a value falls in, for one value or a million.

Every consumer of a points table (the batch engine, the explanation, the learned
scorecard's fit and scorer, the SQL export, the offline verifier) goes through these
functions, so a value can never get one bin in a stored score and another in its
explanation. A slot is an index into a feature's layout:

* numeric, ``k = len(edges)``: slots ``0..k`` are the right-open bins
  ``(-inf, e0), [e0, e1), ..., [e_{k-1}, +inf)`` (+/-inf fall in the outer bins), slot
  ``k + 1`` is *missing* (None, NaN), slot ``k + 2 + j`` is the ``j``-th special value
  (sentinels such as -999), matched before the bins; missing is matched before anything.
* categorical, ``g`` groups: slots ``0..g-1`` are the groups, slot ``g`` is *missing*,
  slot ``g + 1`` is *other* (a category no group lists).

When a value is listed twice among the specials the first listing wins; a policy table
never lists a value twice (the validator refuses it, rule ``distinct_specials``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["LUT_MIN_ROWS", "bin_index", "categorical_slots", "numeric_slots"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

LUT_CELLS = 4096
LUT_MIN_ROWS = 50_000
DICT_MAX_ROWS = 5_000  # below this, a dict lookup per value beats polars' per-call overhead


def numeric_slots(
    edges: Sequence[float] | FloatArray, specials: Sequence[float] | FloatArray, x: FloatArray
) -> IntArray:
    """Slot of every value: missing, then specials (first listing wins), then the bins."""
    e = np.asarray(edges, dtype=np.float64)
    out = bin_index(e, x)
    for j in reversed(range(len(specials))):
        out[x == specials[j]] = e.size + 2 + j
    out[np.isnan(x)] = e.size + 1
    return out


def categorical_slots(slot_of: Mapping[str, int], n_groups: int, s: pl.Series) -> IntArray:
    """Slot of every value of a text column: its group, missing (null) or other.

    ``slot_of`` maps each listed category to its group; values are compared as text
    (``str(value)``), as :meth:`FeaturePoints.bin_of` does.
    """
    text = s.cast(pl.Utf8)
    if text.len() < DICT_MAX_ROWS:
        # Small columns (a cross-validation fold, one applicant): the same exact text match
        # as below, without replace_strict's fixed cost (about 1 ms a call, which dominated
        # scoring a fold of a few hundred rows).
        values = text.to_list()
        small = np.fromiter(
            map(slot_of.get, values, repeat(n_groups + 1)), dtype=np.intp, count=len(values)
        )
        if text.null_count():
            small[[i for i, v in enumerate(values) if v is None]] = n_groups
        return small
    codes = text.replace_strict(
        list(slot_of), list(slot_of.values()), default=n_groups + 1, return_dtype=pl.Int64
    )
    out = codes.to_numpy().astype(np.intp)
    # replace_strict gives nulls the default (other): missing is set from the input
    out[text.is_null().to_numpy()] = n_groups
    return out


def bin_index(edges: FloatArray, x: FloatArray, min_rows: int = LUT_MIN_ROWS) -> IntArray:
    """``searchsorted(edges, x, side="right")`` (NaN: any index; the caller overrides it).

    On large columns a lookup table over a uniform grid replaces the binary search (1.5x
    less CPU): the cell of ``x`` gives the bin up to one place either way, and two exact
    comparisons with the neighbouring edges settle it. It is used only when every pair of
    edges is at least two cells apart, so one correction each way always suffices; the
    result is exactly the binary search's (tested against it at the edges' neighbours).
    """
    k = edges.size
    if x.size < min_rows or k < 4:
        return np.searchsorted(edges, x, side="right").astype(np.intp, copy=False)
    lo, hi = float(edges[0]), float(edges[-1])
    scale = LUT_CELLS / (hi - lo)
    if not np.isfinite(scale) or float(np.min(np.diff(edges))) * scale < 2.0:
        return np.searchsorted(edges, x, side="right").astype(np.intp, copy=False)
    bounds = lo + np.arange(LUT_CELLS + 1) / scale
    lut = np.concatenate(([0], np.searchsorted(edges, bounds, side="right"))).astype(np.intp)
    upper = np.concatenate((edges, [np.inf]))
    lower = np.concatenate(([-np.inf], edges))
    with np.errstate(invalid="ignore", over="ignore"):  # huge values clip to the last cell
        c = x - lo
        c *= scale
        np.clip(c, -1.0, float(LUT_CELLS), out=c)
        cell = c.astype(np.intp)
    cell += 1
    np.clip(cell, 0, LUT_CELLS + 1, out=cell)
    b: IntArray = lut[cell]
    b -= x < lower[b]
    b += x >= upper[b]
    np.minimum(b, k, out=b)  # +inf >= the +inf sentinel
    return b
