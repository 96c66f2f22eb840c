"""Confidence intervals for the fairness audit, as pure functions checkable by hand.

* a proportion (approval rate, bad rate): the Wilson score interval, which stays inside
  [0, 1] and keeps its coverage for small groups and rates near 0 or 1 (Brown, Cai and
  DasGupta 2001);
* a ratio of two proportions (the adverse impact ratio): the Katz log interval,
  ``exp(ln RR +/- z sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0))`` (Katz et al. 1978); a zero count
  gets 0.5 added to it and to its group size for the interval only;
* a difference of two proportions (equal opportunity): Newcombe's hybrid score interval
  (method 10 of Newcombe 1998), built from the two Wilson intervals.
"""

from __future__ import annotations

import math

from scipy.stats import norm

__all__ = ["Interval", "katz_ratio", "newcombe_difference", "wilson", "z_value"]

Interval = tuple[float, float]


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 1.95996... for 0.95."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: {confidence} is not between 0 and 1")
    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson(x: float, n: float, z: float) -> Interval:
    """Wilson score interval of ``x`` successes in ``n`` trials (``(0, 1)`` when n = 0)."""
    if n <= 0:
        return (0.0, 1.0)
    p = x / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def katz_ratio(x1: float, n1: float, x0: float, n0: float, z: float) -> Interval | None:
    """Katz log interval of ``(x1/n1) / (x0/n0)``; None when a group is empty."""
    if n1 <= 0 or n0 <= 0:
        return None
    if x1 == 0 or x0 == 0:
        x1, n1, x0, n0 = x1 + 0.5, n1 + 0.5, x0 + 0.5, n0 + 0.5
    log_rr = math.log((x1 / n1) / (x0 / n0))
    se = math.sqrt(max(1.0 / x1 - 1.0 / n1 + 1.0 / x0 - 1.0 / n0, 0.0))
    return (math.exp(log_rr - z * se), math.exp(log_rr + z * se))


def newcombe_difference(x1: float, n1: float, x0: float, n0: float, z: float) -> Interval | None:
    """Newcombe's hybrid score interval of ``x1/n1 - x0/n0``; None when a group is empty."""
    if n1 <= 0 or n0 <= 0:
        return None
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, z)
    l0, u0 = wilson(x0, n0, z)
    d = p1 - p0
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
    )
