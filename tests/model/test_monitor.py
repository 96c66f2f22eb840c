"""Population shift monitoring: PSI and median inflation, by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.model import binned_psi, population_shift, psi, reference_edges


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


def test_tied_reference_still_sees_a_shift_either_way() -> None:
    # Everybody at 600 in the reference: the quantile bins collapse onto the tie, and
    # without a bin of its own a move of the whole population reads as PSI 0.
    ref = pl.DataFrame({"score": [600.0] * 1000})
    up = population_shift(ref, pl.DataFrame({"score": [605.0] * 1000}))[0]
    down = population_shift(ref, pl.DataFrame({"score": [595.0] * 1000}))[0]
    same = population_shift(ref, pl.DataFrame({"score": [600.0] * 1000}))[0]
    assert up.psi > 0.25 and down.psi > 0.25 and up.alert and down.alert
    assert same.psi == 0.0 and not same.alert


def test_tie_holding_most_of_the_reference_gets_a_bin_of_its_own() -> None:
    # 70% tied at 650, the rest spread: 650 is one bin, closed just above it
    ref = np.concatenate([np.full(700, 650.0), np.linspace(500, 800, 300)])
    edges = reference_edges(ref, 10)
    assert 650.0 in edges and np.nextafter(650.0, np.inf) in edges
    # a tenth of the tied mass moving one point up is visible
    cur = np.concatenate([np.full(600, 650.0), np.full(100, 651.0), np.linspace(500, 800, 300)])
    assert binned_psi(ref, cur)[0] > binned_psi(ref, ref)[0] == 0.0
    # spread scores with no heavy tie keep plain decile edges
    spread = np.arange(1000.0)
    assert (
        reference_edges(spread, 10).tolist()
        == np.quantile(spread, np.linspace(0, 1, 11)[1:-1]).tolist()
    )


def test_median_falling_alerts_like_median_rising() -> None:
    rng = np.random.default_rng(1)
    ref = pl.DataFrame({"score": rng.normal(600, 40, 5000).round()})
    deflated = pl.DataFrame({"score": rng.normal(560, 40, 5000).round()})
    loud = population_shift(ref, deflated, psi_alert=99.0)[0]
    assert loud.alert and loud.median_shift < -30
    assert "median down" in loud.why and "PSI" not in loud.why
