"""Fairness audit: protected attributes are measured here, never fitted on.

At a real cut-off (approve when ``score >= cutoff``), per protected attribute and group:
approval rate, adverse impact ratio (the group's approval rate over the most favoured
group's; below 0.8 is the four-fifths screening signal, not a verdict), equal opportunity
difference (spread of approval rates among applicants who turned out good), AUC and
calibration per group. Group metrics come from one fairlearn ``MetricFrame`` per attribute
(``selection_rate``, ``true_positive_rate``, and its ``ratio()``/``difference()``, which
are fairlearn's demographic parity ratio and equal opportunity difference); only the
ratio to the most approved group per group is computed here.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score

from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["FOUR_FIFTHS", "audit", "audit_over_time", "group_labels"]

FOUR_FIFTHS = 0.8


def group_labels(values: Any, name: str, bands: list[float] | None = None) -> npt.NDArray[Any]:
    """Group label of each row; numeric attributes with many values are cut into bands.

    ``bands`` are the lower edges of the upper bands (``[25, 40, 60]`` gives ``<25``,
    ``25-39``...); without them a numeric attribute with more than 10 values is cut at its
    quartiles, rounded. Missing values form their own ``missing`` group.
    """
    arr = np.asarray(values, dtype=object)
    num = np.array([isinstance(v, int | float) and not isinstance(v, bool) for v in arr])
    if num.all() and (bands is not None or len({*arr.tolist()}) > 10):
        x = arr.astype(np.float64)
        edges = bands or sorted({round(float(q)) for q in np.nanquantile(x, [0.25, 0.5, 0.75])})
        labels = (
            [f"<{edges[0]:g}"]
            + [f"{a:g}-{b:g}" for a, b in itertools.pairwise(edges)]
            + [f">={edges[-1]:g}"]
        )
        idx = np.searchsorted(np.asarray(edges, dtype=np.float64), x, side="right")
        out = np.array([labels[i] for i in idx], dtype=object)
        out[np.isnan(x)] = "missing"
        return out
    return np.array(
        [
            "missing" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in arr
        ],
        dtype=object,
    )


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _auc(y_bad: npt.NDArray[Any], risk: npt.NDArray[Any]) -> float:
    return float(roc_auc_score(y_bad, risk)) if np.unique(y_bad).size == 2 else math.nan


def audit(
    score: npt.ArrayLike,
    protected: dict[str, Any],
    cutoff: float,
    y_bad: npt.ArrayLike | None = None,
    pd_bad: npt.ArrayLike | None = None,
    bands: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """Audit one scored population; ``protected`` maps attribute name to its values."""
    # imported here: fairlearn (with its pandas) takes a while to import and only the
    # audit needs it, so importing glasscredit.model stays cheap
    from fairlearn.metrics import MetricFrame, count, selection_rate, true_positive_rate

    s = np.asarray(score, dtype=np.float64)
    approved = (s >= cutoff).astype(int)
    y = None if y_bad is None else np.asarray(y_bad, dtype=int)
    if not protected:
        raise ValidationError(
            [
                FieldError(
                    "protected", "at_least_one", "name at least one protected attribute to audit"
                )
            ]
        )
    out: dict[str, Any] = {
        "cutoff": cutoff,
        "n": int(s.size),
        "approval_rate": float(approved.mean()),
        "attributes": {},
    }
    for name, values in protected.items():
        g = group_labels(values, name, (bands or {}).get(name))
        if g.size != s.size:
            raise ValidationError(
                [FieldError(name, "same_length", f"{g.size} values for {s.size} scores")]
            )
        good = approved if y is None else 1 - y
        # one MetricFrame per attribute: approval rate is fairlearn's selection_rate and
        # approval among the good its true_positive_rate (equal opportunity)
        mf = MetricFrame(
            metrics={
                "approval_rate": selection_rate,
                "n": count,
                "approval_among_good": true_positive_rate,
            },
            y_true=good,
            y_pred=approved,
            sensitive_features=g,
        )
        rates = mf.by_group["approval_rate"].to_dict()
        ns = mf.by_group["n"].to_dict()
        ref = max(rates, key=lambda k: rates[k])
        groups: dict[str, dict[str, Any]] = {}
        for grp in sorted(rates, key=str):
            m = g == grp
            row: dict[str, Any] = {
                "n": int(ns[grp]),
                "approval_rate": float(rates[grp]),
                "adverse_impact_ratio": _finite(rates[grp] / rates[ref]) if rates[ref] else None,
            }
            if y is not None:
                row["bad_rate"] = float(y[m].mean())
                row["auc"] = _finite(_auc(y[m], -s[m]))
                row["approval_rate_among_good"] = (
                    float(approved[m][y[m] == 0].mean()) if (y[m] == 0).any() else None
                )
            if pd_bad is not None:
                row["mean_predicted_bad_rate"] = float(np.asarray(pd_bad)[m].mean())
            groups[str(grp)] = row
        air = [
            r["adverse_impact_ratio"]
            for r in groups.values()
            if r["adverse_impact_ratio"] is not None
        ]
        attr: dict[str, Any] = {
            "reference_group": str(ref),
            "groups": groups,
            "min_adverse_impact_ratio": min(air) if air else None,
            "demographic_parity_ratio": _finite(float(mf.ratio()["approval_rate"])),
            "four_fifths_flag": bool(air and min(air) < FOUR_FIFTHS),
        }
        if y is not None:
            attr["equal_opportunity_difference"] = _finite(
                float(mf.difference()["approval_among_good"])
            )
        out["attributes"][name] = attr
    return out


def audit_over_time(
    score: npt.ArrayLike,
    protected: dict[str, Any],
    period: npt.ArrayLike,
    cutoff: float,
    y_bad: npt.ArrayLike | None = None,
    bands: dict[str, list[float]] | None = None,
) -> list[dict[str, Any]]:
    """The same audit on each period (e.g. month) of a scored population, in period order."""
    p = np.asarray(period, dtype=object).astype(str)
    s = np.asarray(score, dtype=np.float64)
    y = None if y_bad is None else np.asarray(y_bad)
    rows = []
    for per in sorted(set(p.tolist())):
        m = p == per
        res = audit(
            s[m],
            {k: np.asarray(v, dtype=object)[m] for k, v in protected.items()},
            cutoff,
            None if y is None else y[m],
            bands=bands,
        )
        rows.append(
            {
                "period": per,
                "n": res["n"],
                "approval_rate": res["approval_rate"],
                "attributes": {
                    k: {
                        "min_adverse_impact_ratio": a["min_adverse_impact_ratio"],
                        "four_fifths_flag": a["four_fifths_flag"],
                        "approval_rate_by_group": {
                            g: r["approval_rate"] for g, r in a["groups"].items()
                        },
                    }
                    for k, a in res["attributes"].items()
                },
            }
        )
    return rows
