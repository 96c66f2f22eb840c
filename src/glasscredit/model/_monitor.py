"""Monitoring: has the population's score (or a dimension) shifted, up or down?

Inflation that slips past caps and burst holds shows up in the population, not in one
subject: the score distribution drifts up; a broken source or a mass of fabricated
negatives drags it down. This compares a current period with a reference period, per
column (the score and each dimension): the population stability index over the
reference's quantile bins (ties merged, :func:`~glasscredit.model.reference_edges`) and
the shift of the median. An alert is raised when PSI exceeds ``psi_alert`` (0.25:
"significant change" in scorecard practice) or the median moves by more than
``inflation_points`` either way. Pure functions of score columns; the PSI is the one
of :mod:`glasscredit.model._metrics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from glasscredit.model._metrics import binned_psi

__all__ = ["Shift", "population_shift"]


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
    """PSI over the reference's quantile bins and median shift, per shared numeric column.

    ``inflation_points`` bounds the median's move in either direction.
    """
    out = []
    columns = [
        c for c in reference.columns if c in current.columns and reference[c].dtype.is_numeric()
    ]
    for col in columns:
        ref = reference[col].drop_nulls().to_numpy().astype(np.float64)
        cur = current[col].drop_nulls().to_numpy().astype(np.float64)
        if len(ref) == 0 or len(cur) == 0:
            continue
        value = binned_psi(ref, cur, bins)[0]
        shift = float(np.median(cur) - np.median(ref))
        reasons = []
        if value > psi_alert:
            reasons.append(f"PSI {value:.3f} > {psi_alert}")
        if abs(shift) > inflation_points:
            way = "up" if shift > 0 else "down"
            reasons.append(f"median {way} {shift:+.1f}, more than {inflation_points} points")
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
