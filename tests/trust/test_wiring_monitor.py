"""Population shift monitoring: PSI and median inflation, by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.trust import population_shift, psi


def test_psi_by_hand() -> None:
    # shares [0.5, 0.5] -> [0.25, 0.75]:
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.173287 + 0.101366
    assert psi([50, 50], [25, 75]) == pytest.approx(0.274653, abs=1e-6)
    assert psi([10, 20, 30], [1, 2, 3]) == 0.0  # same shares, any scale
    with pytest.raises(ValidationError, match="same_bins"):
        psi([1, 2], [1, 2, 3])


def test_population_shift_alerts_on_inflation_not_on_noise() -> None:
    rng = np.random.default_rng(0)
    ref = pl.DataFrame({"score": rng.normal(600, 40, 5000).round()})
    same = pl.DataFrame({"score": rng.normal(600, 40, 5000).round()})
    inflated = pl.DataFrame({"score": rng.normal(640, 40, 5000).round()})
    quiet = population_shift(ref, same)[0]
    assert not quiet.alert and quiet.psi < 0.1 and abs(quiet.median_shift) < 3
    loud = population_shift(ref, inflated)[0]
    # +40 points = one standard deviation: far above both thresholds
    assert loud.alert and loud.median_shift > 30 and loud.psi > 0.25
    assert "PSI" in loud.why and "median up" in loud.why
    assert math.isfinite(loud.psi)
