"""Use case of the fair fit: one points table that trades AUC for the worst group's AIR.

The protected columns are read from DATA to steer and measure the search, and are never
a feature: they leave X before the fit, and the estimator refuses a column of their name.
The model document records the search (goal, chosen candidate, frontier).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from glasscredit.app._base import AppModel
from glasscredit.app._outcomes import bad_vector
from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["CheckedPoint", "FairFitResult", "FrontierPoint", "fair_fit_model"]


class FrontierPoint(AppModel):
    """One candidate table: what it changes, its out-of-fold AUC and worst AIR."""

    description: str
    auc: float
    auc_cost: float
    worst_air: float | None
    worst_air_ci: tuple[float, float] | None
    worst_group: str | None
    chosen: bool = False


class CheckedPoint(AppModel):
    """A shortlisted table measured again on fresh splits: the figures the pick reads."""

    description: str
    auc_cost: float
    auc_cost_se: float
    worst_air: float | None
    worst_group: str | None
    margin: float | None
    p_meets: float  # the estimated probability of meeting the goal: what the pick maximises
    meets: bool
    chosen: bool = False


class FairFitResult(AppModel):
    """The chosen table (written to ``path``), the plain fit's figures and the frontier."""

    path: str
    rows: int
    goal_met: bool
    target_air: float
    max_auc_cost: float
    approval_rate: float
    baseline: FrontierPoint
    chosen: FrontierPoint
    frontier: list[FrontierPoint]
    checked: list[CheckedPoint]
    repeats: int
    evaluated: int


def _point(c: Any, base_auc: float, chosen: Any) -> FrontierPoint:
    return FrontierPoint(
        description=c.describe(),
        auc=c.auc,
        auc_cost=base_auc - c.auc,
        worst_air=c.worst_air,
        worst_air_ci=c.worst_air_ci,
        worst_group=c.worst_group,
        chosen=c == chosen,
    )


def _checked(c: Any, chosen: Any) -> CheckedPoint:
    return CheckedPoint(
        description=c.candidate.describe(),
        auc_cost=c.auc_cost,
        auc_cost_se=c.auc_cost_se,
        worst_air=c.worst_air,
        worst_group=c.worst_group,
        margin=c.margin if math.isfinite(c.margin) else None,
        p_meets=c.p_meets,
        meets=c.meets,
        chosen=c == chosen,
    )


def fair_fit_model(
    data: str,
    *,
    target: str,
    protected: Sequence[str],
    out: Path,
    bad: str | None = None,
    drop: Sequence[str] = (),
    categorical: Sequence[str] | None = None,
    approval_rate: float = 0.5,
    target_air: float = 0.8,
    max_auc_cost: float = 0.01,
    folds: int = 5,
    repeats: int = 2,
    search_splits: int = 2,
    seed: int = 0,
    levers: Sequence[str] | None = None,
) -> FairFitResult:
    """Search the fair fit's levers (by default feature drops and the group-gap penalty;
    also monotone constraints, bin merges, reweighing) for one fairer table on DATA;
    write it (with the search) to OUT."""
    from glasscredit.app._model import read_table
    from glasscredit.model import (
        DEFAULT_LEVERS,
        ScorecardClassifier,
        fair_fit,
        frame_fingerprint,
        save_model,
    )

    frame = read_table(data)
    missing = [c for c in protected if c not in frame.columns]
    if missing or not protected:
        raise ValidationError(
            [FieldError(c, "column_present", "no such column") for c in missing]
            or [FieldError("protected", "at_least_one", "name the attributes to be fair to")]
        )
    y = bad_vector(frame, target, bad)
    groups = {
        c: frame.get_column(c).cast(pl.String).fill_null("missing").to_list() for c in protected
    }
    X = frame.drop([target, *protected, *drop], strict=False)
    est = ScorecardClassifier(
        categorical_features=list(categorical) if categorical else None, random_state=seed
    )
    res = fair_fit(
        est,
        X,
        y,
        groups,
        approval_rate=approval_rate,
        target_air=target_air,
        max_auc_cost=max_auc_cost,
        folds=folds,
        repeats=repeats,
        search_splits=search_splits,
        random_state=seed,
        levers=tuple(dict.fromkeys(levers)) if levers else DEFAULT_LEVERS,
    )
    save_model(
        res.model,
        out,
        data={
            "source": data,
            "rows": frame.height,
            "bad_rate": round(float(y.mean()), 4),
            "target": target,
            "left_out_by_operator": list(drop),
            "protected_steering_only": list(protected),
            "fingerprint": frame_fingerprint(frame),
            "fair_fit": res.as_dict(),
        },
    )
    base = res.baseline.auc
    return FairFitResult(
        path=str(out),
        rows=frame.height,
        goal_met=res.goal_met,
        target_air=target_air,
        max_auc_cost=max_auc_cost,
        approval_rate=approval_rate,
        baseline=_point(res.baseline, base, res.chosen),
        chosen=_point(res.chosen, base, res.chosen),
        frontier=[_point(c, base, res.chosen) for c in res.frontier],
        checked=[_checked(c, res.chosen_check) for c in res.checked],
        repeats=repeats,
        evaluated=len(res.evaluated),
    )
