"""Monitoring: has the population's score (or a dimension) shifted or inflated?

Inflation that slips past caps and burst holds shows up in the population, not in one
subject: the score distribution drifts up. This compares a current period with a
reference period, per column (the score and each dimension): the population stability
index over the reference's deciles, and the shift of the median. An alert is raised
when PSI exceeds ``psi_alert`` (0.25: "significant change" in scorecard practice) or
the median rises by more than ``inflation_points``. Pure functions of score columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["Shift", "population_shift", "psi"]

#: share given to an empty bin so that ln(a / e) stays finite
EMPTY_SHARE = 1e-4


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Population stability index of two count (or share) vectors over the same bins.

    ``sum((a - e) * ln(a / e))`` over shares; an empty bin counts as ``EMPTY_SHARE``.
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
    e = np.maximum(e / e.sum(), EMPTY_SHARE)
    a = np.maximum(a / a.sum(), EMPTY_SHARE)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass(frozen=True, slots=True)
class Shift:
    """One column's change from the reference period to the current one."""

    column: str
    psi: float
    median_shift: float
    alert: bool
    why: str


def population_shift(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    *,
    psi_alert: float = 0.25,
    inflation_points: float = 10.0,
    bins: int = 10,
) -> list[Shift]:
    """PSI over the reference's quantile bins and median shift, per shared numeric column."""
    out = []
    columns = [
        c for c in reference.columns if c in current.columns and reference[c].dtype.is_numeric()
    ]
    for col in columns:
        ref = reference[col].drop_nulls().to_numpy().astype(np.float64)
        cur = current[col].drop_nulls().to_numpy().astype(np.float64)
        if len(ref) == 0 or len(cur) == 0:
            continue
        edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
        e = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
        a = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
        value = psi(e, a)
        shift = float(np.median(cur) - np.median(ref))
        reasons = []
        if value > psi_alert:
            reasons.append(f"PSI {value:.3f} > {psi_alert}")
        if shift > inflation_points:
            reasons.append(f"median up {shift:+.1f} > {inflation_points}")
        out.append(
            Shift(
                col,
                value if math.isfinite(value) else float("inf"),
                shift,
                bool(reasons),
                "; ".join(reasons),
            )
        )
    return out
