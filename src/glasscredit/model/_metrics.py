"""Evaluation as pure functions: AUC, Gini, KS, PSI, characteristic stability, calibration.

Scores follow the points-table convention: higher score = lower risk. ``y`` is 1 for
bad. Every function takes plain arrays so it can be checked by hand on small inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score, roc_curve

from glasscredit.exceptions import FieldError, ValidationError

__all__ = [
    "EMPTY_SHARE",
    "auc_gini_ks",
    "binned_psi",
    "calibration_table",
    "characteristic_stability",
    "ks_curve",
    "psi",
    "psi_bands",
    "reference_edges",
    "score_psi",
]

FloatArray = npt.NDArray[np.float64]


def auc_gini_ks(y: npt.ArrayLike, score: npt.ArrayLike) -> dict[str, float]:
    """AUC of the score at ranking bads below goods, Gini = 2 AUC - 1, KS = max |F_bad - F_good|."""
    yy = np.asarray(y, dtype=np.int64)
    risk = -np.asarray(score, dtype=np.float64)
    auc = float(roc_auc_score(yy, risk))
    fpr, tpr, _ = roc_curve(yy, risk)
    return {"auc": auc, "gini": 2 * auc - 1, "ks": float(np.max(tpr - fpr))}


def ks_curve(y: npt.ArrayLike, score: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cumulative share of bads and goods at or below each distinct score (for the KS plot)."""
    yy = np.asarray(y, dtype=np.int64)
    s = np.asarray(score, dtype=np.float64)
    grid = np.unique(s)
    bad = np.sort(s[yy == 1])
    good = np.sort(s[yy == 0])
    cb = np.searchsorted(bad, grid, side="right") / max(bad.size, 1)
    cg = np.searchsorted(good, grid, side="right") / max(good.size, 1)
    return grid, cb, cg


def psi_bands(psi_value: float) -> str:
    """The monitoring reading of a PSI: < 0.1 stable, 0.1-0.25 investigate, > 0.25 shifted."""
    if psi_value < 0.1:
        return "no significant change"
    if psi_value <= 0.25:
        return "investigate"
    return "significant change"


#: share given to an empty bin so that ln(a / e) stays finite
EMPTY_SHARE = 1e-4


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike, eps: float = EMPTY_SHARE) -> float:
    """Population stability index between two distributions over the same bins.

    ``sum((a - e) * ln(a / e))`` over shares; ``expected`` and ``actual`` are counts (or
    shares) per bin, and an empty share is floored at ``eps`` so a bin present in one
    population only gives a large but finite term.
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.ndim != 1 or e.sum() <= 0 or a.sum() <= 0:
        raise ValidationError(
            [
                FieldError(
                    "actual",
                    "same_bins",
                    "expected and actual must be non-empty counts over the same bins",
                )
            ]
        )
    pe = np.maximum(e / e.sum(), eps)
    pa = np.maximum(a / a.sum(), eps)
    return float(((pa - pe) * np.log(pa / pe)).sum())


def reference_edges(reference: npt.ArrayLike, n_bands: int = 10) -> FloatArray:
    """Right-open bin edges at the reference's quantiles, tied values merged into one bin.

    A value that holds a whole quantile step or more of the reference (a tie, common when
    scores are integers or a policy gives many people the same points) gets a bin of its
    own, closed just above it: without that, the bins collapse onto the tie and a shift of
    the other population above or below it reads as no change at all.
    """
    r = np.asarray(reference, dtype=np.float64)
    cuts = np.quantile(r, np.linspace(0, 1, n_bands + 1)[1:-1]) if r.size else np.empty(0)
    values, counts = np.unique(r, return_counts=True)
    tied = values[counts * n_bands >= max(r.size, 1)]
    above = np.nextafter(tied, np.inf)
    return np.unique(np.concatenate((cuts, tied, above)))


def binned_psi(
    reference: npt.ArrayLike, current: npt.ArrayLike, n_bands: int = 10
) -> tuple[float, FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """PSI of ``current`` against ``reference`` on :func:`reference_edges`.

    Returns the PSI, the edges and both populations' counts per bin.
    """
    r = np.asarray(reference, dtype=np.float64)
    c = np.asarray(current, dtype=np.float64)
    edges = reference_edges(r, n_bands)
    ce = np.bincount(np.searchsorted(edges, r, side="right"), minlength=edges.size + 1)
    ca = np.bincount(np.searchsorted(edges, c, side="right"), minlength=edges.size + 1)
    return psi(ce, ca), edges, ce, ca


def score_psi(
    expected_scores: npt.ArrayLike, actual_scores: npt.ArrayLike, n_bands: int = 10
) -> dict[str, Any]:
    """PSI of the score between two populations on the expected population's quantiles."""
    value, edges, ce, ca = binned_psi(expected_scores, actual_scores, n_bands)
    return {
        "psi": value,
        "reading": psi_bands(value),
        "edges": edges.tolist(),
        "expected": ce.tolist(),
        "actual": ca.tolist(),
    }


def characteristic_stability(
    expected_points: npt.ArrayLike,
    actual_points: npt.ArrayLike,
) -> dict[str, float]:
    """How one feature's contribution moved between two populations.

    Bins are the distinct point values of the feature (a feature's bins with equal points
    cannot be told apart in the score). Returns the PSI over those bins and the
    characteristic analysis shift ``sum_bins (actual% - expected%) * points``: the average
    number of points the feature gives more (positive) or less in the new population.
    """
    e = np.asarray(expected_points, dtype=np.float64)
    a = np.asarray(actual_points, dtype=np.float64)
    levels = np.unique(np.concatenate((e, a)))
    ce = np.bincount(np.searchsorted(levels, e), minlength=levels.size)
    ca = np.bincount(np.searchsorted(levels, a), minlength=levels.size)
    shift = float(((ca / ca.sum()) - (ce / ce.sum())) @ levels)
    return {"psi": psi(ce, ca), "points_shift": shift}


def calibration_table(
    y: npt.ArrayLike, score: npt.ArrayLike, pd_bad: npt.ArrayLike, n_bands: int = 10
) -> list[dict[str, float]]:
    """Observed bad rate against mean predicted probability, by score band (deciles)."""
    yy = np.asarray(y, dtype=np.float64)
    s = np.asarray(score, dtype=np.float64)
    p = np.asarray(pd_bad, dtype=np.float64)
    edges = np.unique(np.quantile(s, np.linspace(0, 1, n_bands + 1)[1:-1]))
    band = np.searchsorted(edges, s, side="right")
    rows = []
    for b in range(edges.size + 1):
        m = band == b
        if not m.any():
            continue
        rows.append(
            {
                "band": b,
                "score_min": float(s[m].min()),
                "score_max": float(s[m].max()),
                "n": int(m.sum()),
                "observed_bad_rate": float(yy[m].mean()),
                "predicted_bad_rate": float(p[m].mean()),
            }
        )
    return rows
