"""Fair fit: one points table that gives up a little AUC for the worst group's approval.

Protected attributes steer the search and measure each candidate; they are never a
feature and never an input to a score. Every candidate is an ordinary
:class:`ScorecardClassifier` fitted on ``X`` alone (the protected names are declared to
it, so a column of that name is refused), differing only in which features it uses, how
they are binned and constrained, and how it is steered while fitting (row weights, the
group-gap penalty); the final table is that candidate refitted on every row.

The search is greedy over the ``levers`` it is given (by default feature drops and the
group-gap penalty: see :func:`fair_fit`). From the current candidate each move (drop one
feature; make one free numeric feature ascending or descending, which pools its bins by
PAV; merge one numeric feature's bins, halving its bin count down to two; move to any
further level of the group-gap penalty, which narrows each protected group's mean
log-odds toward everyone's while fitting; move to any further level of Kamiran and
Calders' reweighing, which at level 1 makes the outcome independent of the protected
group in the weighted training rows) is fitted and measured out of fold on
``search_splits`` stratified splits of ``folds`` folds (two by default: one split's luck
steers a greedy path; averaging two halves that luck's variance): the mean AUC over the
folds, and the worst adverse impact ratio over every protected attribute, averaged over
the splits, when each fold approves its top ``approval_rate`` (groups under
``min_group_size`` are reported by the audit, never compared). The move with the best
gain in worst AIR per AUC given up (at least ``min_cost`` counted, so a move that costs
nothing is not taken for a gain within the noise) is taken, until the worst AIR reaches
``target_air`` plus ``headroom`` (the search goes past the goal, so that the pick can
prefer a candidate that clears it with room to spare), no move raises the worst AIR, or
the AUC cost passes ``stop_auc_cost``. Every evaluated candidate is kept; the frontier
is the set no other beats on both AUC and worst AIR.

The pick is not made on the search's own figures: the greedy path takes each move partly
for its luck on the search's folds, so those figures are optimistic and a pick made on
them does not hold out. The frontier's candidates within ``stop_auc_cost`` (and the
plain fit), with the reweighing levels next to the two frontier points that bracket
``max_auc_cost`` (the frontier is coarse exactly there), are fitted again on ``repeats``
fresh splits and picked by :mod:`glasscredit.model._fairselect`: the one most likely to
meet the goal given each figure's standard error; ``goal_met`` reads those fresh figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.model._estimator import ScorecardClassifier
from glasscredit.model._fairness import MIN_GROUP_SIZE, audit
from glasscredit.model._fairselect import Checked, pick, recheck
from glasscredit.model._frame import as_frame

__all__ = [
    "DEFAULT_LEVERS",
    "GAP_STEPS",
    "LEVERS",
    "Candidate",
    "Checked",
    "FairFit",
    "approve_top",
    "balancing_weights",
    "fair_fit",
]

LEVERS = ("drop", "monotone", "merge", "reweigh", "gap")  # every lever the search knows
DEFAULT_LEVERS = ("drop", "gap")  # the default: see fair_fit's docstring
GAP_STEPS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
Monotone = tuple[tuple[str, str], ...]
Merged = tuple[tuple[str, int], ...]  # feature -> at most this many bins
# dropped, monotone, reweigh, merges, group-gap penalty
Config = tuple[tuple[str, ...], Monotone, float, Merged, float]


@dataclass(frozen=True)
class Candidate:
    """One configuration and its out-of-fold figures."""

    dropped: tuple[str, ...]
    monotonic: Monotone
    reweigh: float
    auc: float
    worst_air: float | None
    worst_air_ci: tuple[float, float] | None
    worst_group: str | None
    step: int
    merged: Merged = ()
    fold_aucs: tuple[float, ...] = ()
    gap: float = 0.0

    @property
    def config(self) -> Config:
        return (self.dropped, self.monotonic, self.reweigh, self.merged, self.gap)

    def describe(self) -> str:
        parts = [f"drop {', '.join(self.dropped)}"] if self.dropped else []
        parts += [f"{f} {t}" for f, t in self.monotonic]
        parts += [f"{f} in {k} bins" for f, k in self.merged]
        parts += [f"reweigh {self.reweigh:g}"] if self.reweigh else []
        parts += [f"group gap {self.gap:g}"] if self.gap else []
        return "; ".join(parts) or "plain fit"


@dataclass(frozen=True)
class FairFit:
    """The chosen table (``model``), the plain fit's figures, the frontier (search
    figures) and the shortlist measured again on fresh splits (``checked``)."""

    model: ScorecardClassifier
    chosen: Candidate
    baseline: Candidate
    frontier: list[Candidate]
    evaluated: list[Candidate]
    goal_met: bool
    target_air: float
    max_auc_cost: float
    approval_rate: float
    checked: list[Checked]
    chosen_check: Checked

    @property
    def auc_cost(self) -> float:
        """The chosen table's AUC cost on the fresh splits (the figure it is picked on)."""
        return self.chosen_check.auc_cost

    def as_dict(self) -> dict[str, Any]:
        """The search as JSON data (the model itself is saved with ``save_model``)."""
        return {
            "goal": {"target_air": self.target_air, "max_auc_cost": self.max_auc_cost},
            "approval_rate": self.approval_rate,
            "goal_met": self.goal_met,
            "auc_cost": self.auc_cost,
            "baseline": asdict(self.baseline),
            "chosen": asdict(self.chosen),
            "frontier": [asdict(c) for c in self.frontier],
            "checked": [c.as_dict() for c in self.checked],
            "chosen_check": self.chosen_check.as_dict(),
            "evaluated": len(self.evaluated),
        }


def approve_top(
    score: npt.NDArray[Any], rate: float, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """1 for exactly the top ``rate`` share of scores; ties at the cut-off drawn at random
    (seeded), so every candidate approves the same number of applicants."""
    k = min(max(round(rate * score.size), 1), score.size)
    order = np.lexsort((rng.random(score.size), -np.asarray(score, dtype=np.float64)))
    out = np.zeros(score.size)
    out[order[:k]] = 1.0
    return out


class _Search:
    """Fits and measures candidates out of fold, remembering each one it has seen."""

    def __init__(
        self,
        base: ScorecardClassifier,
        X: pl.DataFrame,
        y: npt.NDArray[Any],
        groups: dict[str, npt.NDArray[Any]],
        folds: int,
        approval_rate: float,
        min_group_size: int,
        random_state: int | None,
        splits: int = 1,
    ) -> None:
        self.base, self.X, self.y, self.groups = base, X, y, groups
        self.rate, self.min_size = approval_rate, min_group_size
        seeds = [None if random_state is None else random_state + 1000 * i for i in range(splits)]
        self.splits = [
            list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(y.size), y))
            for seed in seeds
        ]
        self.seen: dict[Config, Candidate] = {}

    def estimator(
        self, mono: Monotone, merged: Merged = (), gap: float = 0.0
    ) -> ScorecardClassifier:
        est: ScorecardClassifier = clone(self.base)
        est.set_params(monotonic={**(self.base.monotonic or {}), **dict(mono)})
        if gap:
            est.set_params(group_gap=gap, group_gap_min_size=self.min_size)
        if merged:
            est.set_params(feature_bins={**(self.base.feature_bins or {}), **dict(merged)})
        return est

    def weights(self, alpha: float, rows: Any = slice(None)) -> npt.NDArray[np.float64] | None:
        """The rows' weights ``1 + alpha * (balance - 1)``, balanced on those rows alone
        (a training fold's weights never see the held-out fold): 0 is the plain fit."""
        if alpha == 0:
            return None
        bal = balancing_weights({k: v[rows] for k, v in self.groups.items()}, self.y[rows])
        return np.maximum(1.0 + alpha * (bal - 1.0), 0.0)

    def rows_groups(self, gap: float, rows: Any = slice(None)) -> dict[str, Any] | None:
        """The groups of ``rows`` for the group-gap penalty (None when it is off)."""
        return {k: v[rows] for k, v in self.groups.items()} if gap else None

    def _worst(
        self, approved: npt.NDArray[np.float64]
    ) -> tuple[float, tuple[float, float] | None, str] | None:
        """The worst adverse impact ratio over the attributes, its interval and group."""
        res = audit(approved, self.groups, 0.5, min_group_size=self.min_size)
        worst: tuple[float, tuple[float, float] | None, str] | None = None
        for attr, a in res["attributes"].items():
            air = a["min_adverse_impact_ratio"]
            if air is not None and (worst is None or air < worst[0]):
                ci = a["min_adverse_impact_ratio_ci"]
                worst = (air, None if ci is None else (ci[0], ci[1]), f"{attr}={a['worst_group']}")
        return worst

    def evaluate(self, config: Config, step: int) -> Candidate:
        if config in self.seen:
            return self.seen[config]
        dropped, mono, alpha, merged, gap = config
        X = self.X.drop(list(dropped))
        aucs: list[float] = []
        worsts: list[tuple[float, tuple[float, float] | None, str] | None] = []
        for folds in self.splits:
            approved = np.zeros(self.y.size)
            for train, test in folds:
                m = self.estimator(mono, merged, gap).fit(
                    X[train],
                    self.y[train],
                    sample_weight=self.weights(alpha, train),
                    groups=self.rows_groups(gap, train),
                )
                s = m.predict_score(X[test])
                aucs.append(float(roc_auc_score(self.y[test] == m.bad_class_, -s)))
                approved[test] = approve_top(s, self.rate, np.random.default_rng(0))
            worsts.append(self._worst(approved))
        worst = worsts[0]
        if len(worsts) > 1 and all(w is not None for w in worsts):
            w0 = worsts[0]
            assert w0 is not None
            air = float(np.mean([w[0] for w in worsts if w is not None]))
            worst = (air, w0[1], w0[2])
        cand = Candidate(
            dropped=dropped,
            monotonic=mono,
            reweigh=alpha,
            auc=float(np.mean(aucs)),
            worst_air=None if worst is None else worst[0],
            worst_air_ci=None if worst is None else worst[1],
            worst_group=None if worst is None else worst[2],
            step=step,
            merged=merged,
            fold_aucs=tuple(aucs),
            gap=gap,
        )
        self.seen[config] = cand
        return cand


def _air(c: Candidate) -> float:
    return np.inf if c.worst_air is None else c.worst_air


def _frontier(cands: list[Candidate]) -> list[Candidate]:
    """Candidates no other beats on both AUC and worst AIR, by AUC descending."""
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-c.auc, -_air(c))):
        if not out or _air(c) > _air(out[-1]):
            out.append(c)
    return out


def fair_fit(
    estimator: ScorecardClassifier,
    X: Any,
    y: Any,
    protected: dict[str, Any],
    *,
    approval_rate: float = 0.7,
    target_air: float = 0.8,
    max_auc_cost: float = 0.01,
    stop_auc_cost: float = 0.03,
    folds: int = 5,
    max_steps: int = 12,
    min_group_size: int = MIN_GROUP_SIZE,
    random_state: int | None = 0,
    reweigh_steps: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0),
    gap_steps: tuple[float, ...] = GAP_STEPS,
    min_cost: float = 0.005,
    repeats: int = 2,
    headroom: float = 0.1,
    search_splits: int = 2,
    levers: tuple[str, ...] = DEFAULT_LEVERS,
) -> FairFit:
    """Search the ``levers`` (feature drops and the group-gap penalty by default) for a
    fairer single table.

    ``levers`` names what the search may change, of :data:`LEVERS`: ``drop``,
    ``monotone``, ``merge``, ``reweigh``, ``gap``. The default, :data:`DEFAULT_LEVERS`,
    was chosen on the bench's development folds (docs/model.md): reweighing and the
    penalty steer the same association, and a greedy path given both climbed levels that
    did not hold out.

    ``protected`` maps each attribute's name to its values (one per row of ``X``); they
    steer and measure the search only. Returns the chosen table refitted on all rows,
    the plain fit's figures, the frontier and the shortlist's figures on ``repeats``
    fresh splits of ``folds`` folds each (see the module docstring). Each candidate costs
    ``folds * search_splits`` fits in the search and ``folds * repeats`` if shortlisted.
    """
    frame = as_frame(X)[0]
    labels = np.asarray(y)
    if not protected:
        raise ValidationError(
            [FieldError("protected", "at_least_one", "name the attributes to be fair to")]
        )
    groups = {k: np.asarray(v, dtype=object) for k, v in protected.items()}
    for k, v in groups.items():
        if v.shape[0] != frame.height:
            raise ValidationError(
                [FieldError(k, "same_length", f"{v.shape[0]} values for {frame.height} rows")]
            )
    if not 0.0 < approval_rate < 1.0:
        raise ValidationError(
            [FieldError("approval_rate", "share", f"{approval_rate} is not between 0 and 1")]
        )
    bounds = {"folds": (folds, 2, None), "repeats": (repeats, 1, 10)}
    bounds["search_splits"] = (search_splits, 1, 10)
    bad = [
        FieldError(k, "minimum", f"{k} must be >= {lo}")
        for k, (v, lo, _) in bounds.items()
        if v < lo
    ] + [
        FieldError(k, "maximum", f"{k} must be <= {hi}")
        for k, (v, _, hi) in bounds.items()
        if hi is not None and v > hi
    ]
    if not all(isinstance(g, int | float) and 0 < g < np.inf for g in gap_steps):
        bad.append(FieldError("gap_steps", "positive", "each level must be a finite number > 0"))
    unknown = [lv for lv in levers if lv not in LEVERS]
    if unknown or not levers:
        bad.append(
            FieldError(
                "levers",
                "known_lever",
                f"{unknown[0]!r} is not one of {LEVERS}" if unknown else "name at least one lever",
            )
        )
    if bad:
        raise ValidationError(bad)
    declared = sorted({*(estimator.protected or []), *protected})
    base: ScorecardClassifier = clone(estimator).set_params(protected=declared)
    plain = clone(base).fit(frame, labels)  # refuses protected columns; finds the features
    search = _Search(
        base,
        frame,
        labels,
        groups,
        folds,
        approval_rate,
        min_group_size,
        random_state,
        search_splits,
    )
    current = baseline = search.evaluate(((), (), 0.0, (), 0.0), 0)
    step = 0
    for step in range(1, max_steps + 1):
        if _air(current) >= target_air + headroom or baseline.auc - current.auc > stop_auc_cost:
            break
        scored = [
            search.evaluate(c, step)
            for c in _moves(plain, current, reweigh_steps, gap_steps, levers)
        ]
        better = [c for c in scored if _air(c) > _air(current)]
        if not better:
            break
        current = max(
            better,
            key=lambda c: (_air(c) - _air(current)) / max(current.auc - c.auc, min_cost),
        )
    front = _frontier(list(search.seen.values()))
    filled = [
        search.evaluate(c, step + 1)
        for c in _bracket(
            front,
            baseline,
            max_auc_cost,
            reweigh_steps if "reweigh" in levers else (),
            gap_steps if "gap" in levers else (),
        )
    ]
    evaluated = list(search.seen.values())
    shortlist = [baseline]
    for c in _frontier(evaluated) + filled:  # the fills whether or not on the frontier
        if c not in shortlist and baseline.auc - c.auc <= stop_auc_cost:
            shortlist.append(c)
    fresh: dict[int, _Search] = {}

    def measure(config: Config, repeat: int) -> Candidate:
        if repeat not in fresh:
            seed = None if random_state is None else random_state + 1 + repeat
            fresh[repeat] = _Search(
                base, frame, labels, groups, folds, approval_rate, min_group_size, seed
            )
        return fresh[repeat].evaluate(config, 0)

    checked = recheck(shortlist, baseline.config, measure, repeats, target_air, max_auc_cost)
    best = pick(checked)
    chosen = best.candidate
    model = search.estimator(chosen.monotonic, chosen.merged, chosen.gap)
    model.fit(
        frame.drop(list(chosen.dropped)),
        labels,
        sample_weight=search.weights(chosen.reweigh),
        groups=search.rows_groups(chosen.gap),
    )
    return FairFit(
        model=model,
        chosen=chosen,
        baseline=baseline,
        frontier=_frontier(evaluated),
        evaluated=evaluated,
        goal_met=best.meets,
        target_air=target_air,
        max_auc_cost=max_auc_cost,
        approval_rate=approval_rate,
        checked=checked,
        chosen_check=best,
    )


def _bracket(
    frontier: list[Candidate],
    baseline: Candidate,
    max_auc_cost: float,
    reweigh_steps: tuple[float, ...],
    gap_steps: tuple[float, ...] = (),
) -> list[Config]:
    """The reweighing levels next to the two frontier points that bracket the budget (the
    fairest within it and the cheapest past it, on the search's figures): reweighing is
    the search's one graded lever, and the greedy path steps over levels, so the frontier
    is coarse exactly where the pick is made. These fill it in there, for the pick to
    weigh on the fresh splits."""
    inside = [c for c in frontier if baseline.auc - c.auc <= max_auc_cost]
    past = [c for c in frontier if baseline.auc - c.auc > max_auc_cost]
    levels = sorted({0.0, *reweigh_steps})
    gaps = sorted({0.0, *gap_steps})
    out: list[Config] = []
    for c in inside[-1:] + past[:1]:
        out += [(c.dropped, c.monotonic, a, c.merged, c.gap) for a in _near(levels, c.reweigh)]
        if gap_steps:
            out += [(c.dropped, c.monotonic, c.reweigh, c.merged, g) for g in _near(gaps, c.gap)]
    return out


def _near(levels: list[float], level: float) -> list[float]:
    """The levels either side of ``level`` (none when it is not one of them)."""
    if level not in levels:
        return []
    i = levels.index(level)
    return levels[max(i - 1, 0) : i] + levels[i + 1 : i + 2]


def _moves(
    plain: ScorecardClassifier,
    c: Candidate,
    reweigh_steps: tuple[float, ...],
    gap_steps: tuple[float, ...] = (),
    levers: tuple[str, ...] = LEVERS,
) -> list[Config]:
    """Drop one feature, constrain one free numeric feature, merge one numeric feature's
    bins (halve its bin count, down to two), or reweigh further (any level)."""
    used = [f for f in plain.points_table_.features if f not in c.dropped]
    constrained = dict(c.monotonic)
    merged = dict(c.merged)
    out: list[Config] = []
    if len(used) > 1 and "drop" in levers:
        out += [
            (
                tuple(sorted((*c.dropped, f))),
                tuple(kv for kv in c.monotonic if kv[0] != f),
                c.reweigh,
                tuple(kv for kv in c.merged if kv[0] != f),
                c.gap,
            )
            for f in used
        ]
    for f in used:
        if plain.bins_[f].kind != "numeric":
            continue
        if "monotone" in levers and plain.trends_[f] == "none" and f not in constrained:
            for t in ("ascending", "descending"):
                mono = tuple(sorted({**constrained, f: t}.items()))
                out.append((c.dropped, mono, c.reweigh, c.merged, c.gap))
        k = merged.get(f, len(plain.bins_[f].edges) + 1)
        if k > 2 and "merge" in levers:
            coarser = tuple(sorted({**merged, f: max(2, k // 2)}.items()))
            out.append((c.dropped, c.monotonic, c.reweigh, coarser, c.gap))
    if "reweigh" in levers:
        out += [
            (c.dropped, c.monotonic, a, c.merged, c.gap) for a in reweigh_steps if a > c.reweigh
        ]
    if "gap" in levers:
        out += [(c.dropped, c.monotonic, c.reweigh, c.merged, g) for g in gap_steps if g > c.gap]
    return out


def balancing_weights(
    groups: dict[str, npt.NDArray[Any]], y: npt.NDArray[Any]
) -> npt.NDArray[np.float64]:
    """Kamiran and Calders' reweighing: ``P(g) P(y) / P(g, y)`` over the joint groups.

    Under these weights the outcome is independent of the (joint) protected group, so a
    fit learns less of what the features say about the group; the weights only steer the
    fit, the table still reads the features alone.
    """
    key = np.array(["\x1f".join(str(v[i]) for v in groups.values()) for i in range(y.size)])
    out = np.ones(y.size)
    for g in np.unique(key):
        in_g = key == g
        for label in np.unique(y):
            cell = in_g & (y == label)
            if cell.any():
                out[cell] = in_g.mean() * (y == label).mean() / cell.mean()
    return out
