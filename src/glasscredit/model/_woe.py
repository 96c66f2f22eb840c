"""Weight of evidence and information value, as pure functions.

For bin ``i`` with ``g_i`` goods and ``b_i`` bads out of ``G`` and ``B``::

    WoE_i = ln((g_i / G) / (b_i / B))        (positive: safer than average)
    IV_i  = (g_i / G - b_i / B) * WoE_i      (IV = sum of IV_i, never negative)

A bin with no goods or no bads has an infinite WoE; then 0.5 is added to every cell
(the usual Laplace correction), so the numbers stay finite and comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SlotStats", "iv_strength", "slot_stats", "woe_iv"]

FloatArray = npt.NDArray[np.float64]


def woe_iv(
    good: npt.ArrayLike, bad: npt.ArrayLike, smoothing: float = 0.5
) -> tuple[FloatArray, FloatArray]:
    """WoE and IV contribution of each bin from its good and bad counts."""
    g = np.asarray(good, dtype=np.float64)
    b = np.asarray(bad, dtype=np.float64)
    if g.size == 0:
        return np.zeros(0), np.zeros(0)
    if np.any(g <= 0) or np.any(b <= 0):
        g, b = g + smoothing, b + smoothing
    pg, pb = g / g.sum(), b / b.sum()
    woe = np.log(pg / pb)
    return woe, (pg - pb) * woe


@dataclass(frozen=True)
class SlotStats:
    """Rows, bads, WoE and IV contribution per slot (empty slots: WoE and IV 0)."""

    count: FloatArray
    bad: FloatArray
    woe: FloatArray
    iv: FloatArray

    def as_dict(self) -> dict[str, list[float]]:
        return {
            "count": self.count.tolist(),
            "bad": self.bad.tolist(),
            "woe": self.woe.tolist(),
            "iv": self.iv.tolist(),
        }


def slot_stats(
    slots: npt.NDArray[np.intp], y_bad: FloatArray, n_slots: int, w: FloatArray | None = None
) -> SlotStats:
    """WoE and IV of each bin from the slot of every row and its outcome (1 = bad).

    With weights ``w`` the counts are sums of weights (a weight of 2 counts a row twice).
    """
    cnt = np.bincount(slots, weights=w, minlength=n_slots).astype(np.float64)
    bad = np.bincount(slots, weights=y_bad if w is None else y_bad * w, minlength=n_slots).astype(
        np.float64
    )
    used = cnt > 0
    woe = np.zeros(n_slots)
    iv = np.zeros(n_slots)
    woe[used], iv[used] = woe_iv(cnt[used] - bad[used], bad[used])
    return SlotStats(cnt, bad, woe, iv)


def iv_strength(iv: float) -> str:
    """The customary reading of an IV (Siddiqi): useless below 0.02, suspicious above 0.5."""
    if iv < 0.02:
        return "not predictive"
    if iv < 0.1:
        return "weak"
    if iv < 0.3:
        return "medium"
    if iv <= 0.5:
        return "strong"
    return "suspiciously strong"
