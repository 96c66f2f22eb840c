"""Fairness audit: protected attributes are measured here, never fitted on.

At a real cut-off (approve when ``score >= cutoff``), per protected attribute and group:
approval rate, adverse impact ratio (the group's approval rate over the reference
group's; below 0.8 is the four-fifths screening signal, not a verdict), equal
opportunity (approval among applicants who turned out good, against the reference's),
AUC and calibration (observed against predicted bad rate). Each figure a regulator
reads carries a confidence interval (:mod:`glasscredit.model._intervals`: Wilson for a
rate, Katz log for the ratio, Newcombe for a difference).

Groups smaller than ``min_group_size`` are reported (with their wide intervals) but
never chosen as the reference and never set off the four-fifths flag: a group of one
person approves at 0% or 100% by chance. The reference is declared per attribute, or
else the most favoured group (highest approval rate) of sufficient size.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.model._intervals import katz_ratio, newcombe_difference, wilson, z_value

__all__ = [
    "FOUR_FIFTHS",
    "INTERVAL_METHODS",
    "MIN_GROUP_SIZE",
    "audit",
    "audit_over_time",
    "group_labels",
]

FOUR_FIFTHS = 0.8
MIN_GROUP_SIZE = 30  # the usual floor for a normal approximation to a group's rate
INTERVAL_METHODS = {
    "approval_rate": "Wilson score interval",
    "adverse_impact_ratio": "Katz log interval for a ratio of proportions",
    "equal_opportunity_difference": "Newcombe hybrid score interval (Wilson-based)",
    "calibration": "Wilson interval of the observed bad rate, against the mean predicted",
}


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


def _pair(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def _auc(y_bad: npt.NDArray[Any], risk: npt.NDArray[Any]) -> float:
    return float(roc_auc_score(y_bad, risk)) if np.unique(y_bad).size == 2 else math.nan


def _reference(
    name: str, counts: dict[str, tuple[int, int]], declared: str | None, min_size: int
) -> tuple[str | None, str]:
    """The reference group and the rule that chose it."""
    if declared is not None:
        if declared not in counts:
            raise ValidationError(
                [FieldError(name, "reference_group_present", f"no group {declared!r} to refer to")]
            )
        if counts[declared][0] < min_size:
            raise ValidationError(
                [
                    FieldError(
                        name,
                        "reference_group_size",
                        f"the declared reference {declared!r} has {counts[declared][0]} "
                        f"members, fewer than min_group_size {min_size}",
                    )
                ]
            )
        return declared, "declared"
    big = [g for g, (n, _) in counts.items() if n >= min_size]
    if not big:
        return None, f"none: no group has at least {min_size} members"
    ref = max(big, key=lambda g: (counts[g][1] / counts[g][0], counts[g][0], g))
    return ref, f"most favoured group with at least {min_size} members"


def _attribute(
    name: str,
    g: npt.NDArray[Any],
    approved: npt.NDArray[np.int64],
    s: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64] | None,
    pd_bad: npt.NDArray[np.float64] | None,
    declared: str | None,
    min_size: int,
    z: float,
) -> dict[str, Any]:
    labels = sorted({*g.tolist()}, key=str)
    masks = {grp: g == grp for grp in labels}
    counts = {grp: (int(m.sum()), int(approved[m].sum())) for grp, m in masks.items()}
    ref, rule = _reference(name, counts, declared, min_size)
    good = None if y is None else y == 0
    ref_good = (
        (int(good[masks[ref]].sum()), int(approved[masks[ref] & good].sum()))
        if good is not None and ref is not None
        else None
    )
    groups: dict[str, dict[str, Any]] = {}
    for grp in labels:
        m = masks[grp]
        n, x = counts[grp]
        row: dict[str, Any] = {
            "n": n,
            "approved": x,
            "sufficient_size": n >= min_size,
            "approval_rate": x / n,
            "approval_rate_ci": _pair(wilson(x, n, z)),
            "adverse_impact_ratio": None,
            "adverse_impact_ratio_ci": None,
        }
        if grp == ref:  # 1 and 0 by definition: no interval to draw
            row["adverse_impact_ratio"] = 1.0 if x else None
        elif ref is not None and counts[ref][1] > 0:
            n0, x0 = counts[ref]
            row["adverse_impact_ratio"] = (x / n) / (x0 / n0)
            row["adverse_impact_ratio_ci"] = _pair(katz_ratio(x, n, x0, n0, z))
        if y is not None and good is not None:
            bad = int(y[m].sum())
            ng, xg = int(good[m].sum()), int(approved[m & good].sum())
            row |= {
                "bad_rate": bad / n,
                "bad_rate_ci": _pair(wilson(bad, n, z)),
                "auc": _finite(_auc(y[m], -s[m])),
                "approval_rate_among_good": xg / ng if ng else None,
                "approval_rate_among_good_ci": _pair(wilson(xg, ng, z)) if ng else None,
                "equal_opportunity_difference": None,
                "equal_opportunity_difference_ci": None,
            }
            if grp == ref and ng:
                row["equal_opportunity_difference"] = 0.0
            elif ref_good is not None and ng and ref_good[0]:
                row["equal_opportunity_difference"] = xg / ng - ref_good[1] / ref_good[0]
                row["equal_opportunity_difference_ci"] = _pair(
                    newcombe_difference(xg, ng, ref_good[1], ref_good[0], z)
                )
        if pd_bad is not None:
            predicted = float(pd_bad[m].mean())
            row["mean_predicted_bad_rate"] = predicted
            if y is not None:
                lo, hi = row["bad_rate_ci"]
                row["calibration_gap"] = predicted - row["bad_rate"]
                row["calibrated"] = bool(lo <= predicted <= hi)
        groups[str(grp)] = row
    return _summary(groups, ref, rule, min_size, y is not None)


def _summary(
    groups: dict[str, dict[str, Any]], ref: str | None, rule: str, min_size: int, labelled: bool
) -> dict[str, Any]:
    """Worst ratio, flags and spreads over the groups of sufficient size."""
    big = {k: r for k, r in groups.items() if r["sufficient_size"]}
    rated = {k: r for k, r in big.items() if r["adverse_impact_ratio"] is not None}
    worst = min(rated, key=lambda k: rated[k]["adverse_impact_ratio"]) if rated else None
    worst_air = None if worst is None else rated[worst]["adverse_impact_ratio"]
    worst_ci = None if worst is None else rated[worst]["adverse_impact_ratio_ci"]
    rates = [r["approval_rate"] for r in big.values()]
    out: dict[str, Any] = {
        "reference_group": None if ref is None else str(ref),
        "reference_rule": rule,
        "min_group_size": min_size,
        "groups": groups,
        "small_groups": sorted(k for k, r in groups.items() if not r["sufficient_size"]),
        "worst_group": worst,
        "min_adverse_impact_ratio": worst_air,
        "min_adverse_impact_ratio_ci": worst_ci,
        "demographic_parity_ratio": (
            _finite(min(rates) / max(rates)) if rates and max(rates) > 0 else None
        ),
        "four_fifths_flag": bool(worst_air is not None and worst_air < FOUR_FIFTHS),
        "four_fifths_flag_confident": bool(worst_ci is not None and worst_ci[1] < FOUR_FIFTHS),
    }
    if labelled:
        tpr = [
            r["approval_rate_among_good"]
            for r in big.values()
            if r["approval_rate_among_good"] is not None
        ]
        out["equal_opportunity_difference"] = max(tpr) - min(tpr) if tpr else None
        calibrated = [r.get("calibrated") for r in big.values() if "calibrated" in r]
        if calibrated:
            out["miscalibrated_groups"] = sorted(
                k for k, r in big.items() if r.get("calibrated") is False
            )
    return out


def audit(
    score: npt.ArrayLike,
    protected: dict[str, Any],
    cutoff: float,
    y_bad: npt.ArrayLike | None = None,
    pd_bad: npt.ArrayLike | None = None,
    bands: dict[str, list[float]] | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    reference: dict[str, str] | None = None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Audit one scored population; ``protected`` maps attribute name to its values.

    ``reference`` declares the reference group of some attributes (by label); the others
    take the most favoured group of at least ``min_group_size`` members.
    """
    if not protected:
        raise ValidationError(
            [
                FieldError(
                    "protected", "at_least_one", "name at least one protected attribute to audit"
                )
            ]
        )
    if min_group_size < 1:
        raise ValidationError(
            [FieldError("min_group_size", "positive", "a group needs at least one member")]
        )
    unknown = sorted(set(reference or {}) - set(protected))
    if unknown:
        raise ValidationError(
            [FieldError(k, "reference_attribute", "not an audited attribute") for k in unknown]
        )
    s = np.asarray(score, dtype=np.float64)
    approved = (s >= cutoff).astype(np.int64)
    y = None if y_bad is None else np.asarray(y_bad, dtype=np.int64)
    pd = None if pd_bad is None else np.asarray(pd_bad, dtype=np.float64)
    z = z_value(confidence)
    out: dict[str, Any] = {
        "cutoff": cutoff,
        "n": int(s.size),
        "approval_rate": float(approved.mean()) if s.size else 0.0,
        "confidence": confidence,
        "min_group_size": min_group_size,
        "interval_methods": dict(INTERVAL_METHODS),
        "attributes": {},
    }
    for name, values in protected.items():
        g = group_labels(values, name, (bands or {}).get(name))
        if g.size != s.size:
            raise ValidationError(
                [FieldError(name, "same_length", f"{g.size} values for {s.size} scores")]
            )
        out["attributes"][name] = _attribute(
            name, g, approved, s, y, pd, (reference or {}).get(name), min_group_size, z
        )
    return out


def audit_over_time(
    score: npt.ArrayLike,
    protected: dict[str, Any],
    period: npt.ArrayLike,
    cutoff: float,
    y_bad: npt.ArrayLike | None = None,
    bands: dict[str, list[float]] | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    reference: dict[str, str] | None = None,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """The same audit on each period (e.g. month) of a scored population, in period order.

    A declared reference absent or too small in a period leaves that period without a
    reference (its ratios are None) rather than failing the whole series.
    """
    p = np.asarray(period, dtype=object).astype(str)
    s = np.asarray(score, dtype=np.float64)
    y = None if y_bad is None else np.asarray(y_bad)
    rows = []
    for per in sorted(set(p.tolist())):
        m = p == per
        sub = {k: np.asarray(v, dtype=object)[m] for k, v in protected.items()}
        ref = {
            k: v
            for k, v in (reference or {}).items()
            if int((group_labels(sub[k], k, (bands or {}).get(k)) == v).sum()) >= min_group_size
        }
        res = audit(
            s[m],
            sub,
            cutoff,
            None if y is None else y[m],
            bands=bands,
            min_group_size=min_group_size,
            reference=ref,
            confidence=confidence,
        )
        rows.append(
            {
                "period": per,
                "n": res["n"],
                "approval_rate": res["approval_rate"],
                "attributes": {
                    k: {
                        "reference_group": a["reference_group"],
                        "min_adverse_impact_ratio": a["min_adverse_impact_ratio"],
                        "min_adverse_impact_ratio_ci": a["min_adverse_impact_ratio_ci"],
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
