"""The plots of the report and the model card, as inline SVG (nothing loaded from the web).

ROC, KS, calibration and score distributions by outcome or by protected group: each
takes plain arrays (scores follow the points-table convention, higher = safer; ``y`` is
1 for bad) and returns one ``<svg>`` element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_curve

from glasscredit.model._metrics import ks_curve
from glasscredit.model._svg import bar_chart, line_chart

__all__ = ["calibration_plot", "ks_plot", "roc_plot", "score_distribution_plot"]

MAX_POINTS = 200  # a curve is thinned to about this many points


def roc_plot(y: npt.ArrayLike, score: npt.ArrayLike, auc: float) -> str:
    fpr, tpr, _ = roc_curve(np.asarray(y), -np.asarray(score, dtype=np.float64))
    step = max(1, fpr.size // MAX_POINTS)
    return line_chart(
        "ROC",
        [(f"AUC {auc:.3f}", [*fpr[::step].tolist(), 1.0], [*tpr[::step].tolist(), 1.0])],
        "false positive rate",
        "true positive rate",
        diagonal=True,
    )


def ks_plot(y: npt.ArrayLike, score: npt.ArrayLike, ks: float) -> str:
    grid, cb, cg = ks_curve(y, score)
    st = max(1, grid.size // MAX_POINTS)
    return line_chart(
        f"KS {ks:.3f}",
        [
            ("bads", grid[::st].tolist(), cb[::st].tolist()),
            ("goods", grid[::st].tolist(), cg[::st].tolist()),
        ],
        "score",
        "cumulative share",
    )


def calibration_plot(bands: Sequence[Mapping[str, Any]]) -> str:
    """Observed against predicted bad rate by score band; the diagonal is perfect."""
    pred = [float(b["predicted_bad_rate"]) for b in bands]
    obs = [float(b["observed_bad_rate"]) for b in bands]
    top = max([*pred, *obs, 0.01])
    return line_chart(
        "calibration",
        [("observed", pred, obs), ("perfect", [0.0, top], [0.0, top])],
        "predicted bad rate",
        "observed bad rate",
    )


def score_distribution_plot(
    title: str, score: npt.ArrayLike, labels: npt.ArrayLike, bins: int = 20
) -> str:
    """Share of each label's rows per score band (e.g. by outcome, or by group)."""
    s = np.asarray(score, dtype=np.float64)
    lab = np.asarray(labels, dtype=object).astype(str)
    edges = np.linspace(s.min(), s.max() + 1, bins + 1)
    series = []
    for name in sorted(set(lab.tolist()))[:4]:  # the chart has four colours
        part = s[lab == name]
        series.append((name, (np.histogram(part, edges)[0] / max(part.size, 1)).tolist()))
    return bar_chart(title, [f"{e:.0f}" for e in edges[:-1]], series, "share of group")
