"""Scaling log-odds to integer points: ``score = offset + factor * ln(odds good:bad)``.

``factor = pdo / ln 2`` (points to double the odds) and
``offset = base_score - factor * ln(base_odds)``. A model's log-odds of *bad* are
``b0 + sum_f beta_f``, so the base is ``offset - factor * b0`` and each bin is worth
``-factor * beta``. Points are rounded to integers (the engine adds integers); the
rounding error is at most half a point per feature, a small fraction of ``factor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Scaling", "fit_range", "scaling_from_pdo"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scaling:
    """Affine map from log-odds of good to score points."""

    offset: float
    factor: float
    pdo: float
    base_score: float
    base_odds: float

    def as_dict(self) -> dict[str, float]:
        return {
            "offset": self.offset,
            "factor": self.factor,
            "pdo": self.pdo,
            "base_score": self.base_score,
            "base_odds": self.base_odds,
        }

    def points(self, beta: FloatArray) -> list[int]:
        """Integer points of bins whose log-odds of bad are ``beta``."""
        return [int(v) for v in np.rint(-self.factor * beta)]

    def base(self, intercept: float) -> int:
        return round(self.offset - self.factor * intercept)

    def log_odds_bad(self, score: FloatArray) -> FloatArray:
        """Log-odds of bad implied by an integer score (the inverse of the scaling)."""
        return -(np.asarray(score, dtype=np.float64) - self.offset) / self.factor


def scaling_from_pdo(base_score: float, base_odds: float, pdo: float) -> Scaling:
    """Scaling from the three numbers operators know (e.g. 600 at 50:1, 20 to double)."""
    if pdo <= 0 or base_odds <= 0:
        raise ValueError("pdo and base_odds must be positive")
    factor = pdo / math.log(2.0)
    return Scaling(
        offset=base_score - factor * math.log(base_odds),
        factor=factor,
        pdo=pdo,
        base_score=base_score,
        base_odds=base_odds,
    )


def fit_range(
    scaling: Scaling,
    intercept: float,
    lo_beta: float,
    hi_beta: float,
    score_range: tuple[float, float],
    n_features: int,
) -> Scaling:
    """Shrink the scaling so every achievable score lies in ``score_range``.

    ``lo_beta``/``hi_beta`` are the smallest and largest achievable sums of bin log-odds.
    If the requested scaling already fits, it is returned unchanged; otherwise the factor
    (and so the effective PDO) is reduced and the offset moved so the extreme scores sit
    inside the range with one point of margin per feature for rounding, moving the offset
    no further than needed. Scores keep their order; the returned scaling records the
    effective PDO and the score at ``base_odds``.
    """
    lo_s, hi_s = score_range
    top = scaling.offset - scaling.factor * (intercept + lo_beta)
    bottom = scaling.offset - scaling.factor * (intercept + hi_beta)
    margin = float(n_features + 1)
    if bottom - margin >= lo_s and top + margin <= hi_s:
        return scaling
    span = hi_beta - lo_beta
    factor = min(scaling.factor, (hi_s - lo_s - 2 * margin) / max(span, 1e-12))
    # keep the requested anchor where possible: move the offset only as far as needed
    top = scaling.offset - factor * (intercept + lo_beta)
    bottom = scaling.offset - factor * (intercept + hi_beta)
    shift = max(0.0, lo_s + margin - bottom) - max(0.0, top + margin - hi_s)
    offset = scaling.offset + shift
    return Scaling(
        offset=offset,
        factor=factor,
        pdo=factor * math.log(2.0),
        base_score=offset + factor * math.log(scaling.base_odds),
        base_odds=scaling.base_odds,
    )
