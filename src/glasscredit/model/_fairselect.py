"""The fair fit's pick: shortlisted candidates measured again on splits the search never saw.

The greedy search steps to whichever move looks best on its own folds, so the figures
of the candidates it reached are optimistic (a move is taken partly for its luck on
those folds). Picking among them on the same figures carries that luck into the pick,
and it does not hold out. Here each shortlisted configuration (and the plain fit) is
fitted again on ``repeats`` fresh stratified splits: the AUC cost is the mean paired
difference to the plain fit fold by fold (with its standard error), the worst adverse
impact ratio the mean over repeats of the pooled out-of-fold ratio (with the standard
error of its log from the Katz interval). A candidate meets the goal when both means do.

The pick is the candidate most likely to meet the goal on new rows: each margin (the log
of the worst AIR over the target, the budget less the cost) in its standard errors is
read as a normal deviate, and the estimated probability of meeting both is the product
of the two (``p_meets``; ties to the wider margin, then the higher AUC). One rule, the
same whether or not any point estimate meets the goal: it accounts for each figure's
uncertainty (a candidate meeting the AIR by a hair at the edge of the budget is a coin
toss twice over, and a fairer one a hair short at half the budget is more likely to meet
it), where the previous rule switched at the target (the widest margin among those
meeting it, else the fairest within the budget whatever its cost's spread).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from glasscredit.model._fairfit import Candidate, Config

__all__ = ["Checked", "pick", "recheck"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Checked:
    """A shortlisted candidate's figures on the fresh splits, against the goal."""

    candidate: Candidate  # with the search's figures
    auc: float
    auc_cost: float
    auc_cost_se: float
    worst_air: float | None
    worst_air_log_se: float | None
    worst_group: str | None
    margin: float
    meets: bool
    p_meets: float = 0.0  # the estimated probability of meeting the goal on new rows

    def as_dict(self) -> dict[str, object]:
        return {
            "description": self.candidate.describe(),
            "auc": self.auc,
            "auc_cost": self.auc_cost,
            "auc_cost_se": self.auc_cost_se,
            "worst_air": self.worst_air,
            "worst_air_log_se": _finite(self.worst_air_log_se),
            "worst_group": self.worst_group,
            "margin": _finite(self.margin),
            "meets": self.meets,
            "p_meets": self.p_meets,
        }


def _finite(v: float | None) -> float | None:
    """JSON has no infinity: an unbounded figure is written as null."""
    return v if v is not None and math.isfinite(v) else None


def _log_se(ci: tuple[float, float] | None) -> float:
    if ci is None or ci[0] <= 0 or not math.isfinite(ci[1]):
        return math.inf
    return math.log(ci[1] / ci[0]) / (2 * Z95)


def _phi(z: float) -> float:
    """The standard normal distribution function (``inf`` -> 1, ``-inf`` -> 0)."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _z(slack: float, se: float) -> float:
    """A margin in standard errors; with no spread, its sign alone."""
    if se > 0 and math.isfinite(se):
        return slack / se
    if se == 0:
        return math.inf if slack >= 0 else -math.inf
    return 0.0 if slack >= 0 else -math.inf


def recheck(
    shortlist: Sequence[Candidate],
    plain: Config,
    measure: Callable[[Config, int], Candidate],
    repeats: int,
    target_air: float,
    max_auc_cost: float,
) -> list[Checked]:
    """Each shortlisted candidate's figures on ``repeats`` fresh splits (``measure(config,
    repeat)`` fits and measures one configuration out of fold on that repeat's split)."""
    runs = [(measure(plain, r), [measure(c.config, r) for c in shortlist]) for r in range(repeats)]
    out = []
    for i, cand in enumerate(shortlist):
        diffs = np.concatenate([np.subtract(base.fold_aucs, cs[i].fold_aucs) for base, cs in runs])
        cost = float(diffs.mean())
        cost_se = float(diffs.std(ddof=1) / math.sqrt(diffs.size)) if diffs.size > 1 else 0.0
        airs = [cs[i].worst_air for _, cs in runs]
        if any(a is None for a in airs):  # no group of sufficient size to compare
            air, log_se, group, z_air = None, None, None, math.inf
        else:
            air = float(np.mean([a for a in airs if a is not None]))
            log_se = float(np.mean([_log_se(cs[i].worst_air_ci) for _, cs in runs]))
            group = runs[0][1][i].worst_group
            z_air = _z(math.log(air / target_air) if air > 0 else -math.inf, log_se)
        out.append(
            Checked(
                candidate=cand,
                auc=float(np.mean([cs[i].auc for _, cs in runs])),
                auc_cost=cost,
                auc_cost_se=cost_se,
                worst_air=air,
                worst_air_log_se=log_se,
                worst_group=group,
                margin=min(z_air, z_cost := _z(max_auc_cost - cost, cost_se)),
                meets=(air is None or air >= target_air) and cost <= max_auc_cost,
                p_meets=_phi(z_air) * _phi(z_cost),
            )
        )
    return out


def pick(checked: Sequence[Checked]) -> Checked:
    """The candidate most likely to meet the goal (``p_meets``); ties to the wider margin,
    then the higher AUC (the plain fit is in the shortlist, so there is always a pick)."""
    return max(checked, key=lambda c: (c.p_meets, c.margin, c.auc))
