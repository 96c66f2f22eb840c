"""The red-team bench: every attack on a forked world, against the baseline at the same time.

For each seed a population is generated and loaded into a ledger (:func:`build_world`);
a baseline world lives on with no attack for one month and for twelve; each attack runs
on its own copy of the ledger and is scored at the same time as the baseline of its
length, by glasscredit and by the naive scorer. Targets are issue #11's; every figure is
the median over seeds.
"""

from __future__ import annotations

import math
import statistics
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glasscredit.policy import MONTH_US, Policy
from glasscredit.simulate._attacks_adaptive import ADAPTIVE_ATTACKS
from glasscredit.simulate._attacks_disputes import DISPUTE_ATTACKS
from glasscredit.simulate._attacks_reports import REPORT_ATTACKS
from glasscredit.simulate._attacks_sources import SOURCE_ATTACKS
from glasscredit.simulate._attacks_trust import TRUST_ATTACKS
from glasscredit.simulate._plan import Attack, AttackContext, Plan, bench_policy
from glasscredit.simulate._population import DEFAULT_END_US, PopulationSpec
from glasscredit.simulate._scenarios import ranking_quality
from glasscredit.simulate._world import DisputeRights, Scores, World, build_world

__all__ = [
    "ATTACKS",
    "BenchReport",
    "ScenarioResult",
    "baseline_scores",
    "measure",
    "run_bench",
    "run_scenario",
]


def _honest_run(w: World, ctx: AttackContext) -> Plan:
    ctx.live(w, 0)
    return Plan([], None, "none")


#: every scenario, in the order the bench prints them
ATTACKS: list[Attack] = [
    *TRUST_ATTACKS,
    *REPORT_ATTACKS,
    *SOURCE_ATTACKS,
    *ADAPTIVE_ATTACKS,
    *DISPUTE_ATTACKS,
    Attack("honest_no_attack", "none", 1, "fp1", _honest_run, "no attack: honest vs naive"),
]

TARGET_TEXT = {
    "gain5": "gain <= +5",
    "loss5": "loss <= 5",
    "naive10": "<= 10% of naive",
    "zero": "gain <= 0",
    "none": "no target",
    "fp1": "< 1% lose > 10 vs naive",
}


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario on one seed: the target's move under both scorers and the honest harm.

    ``glasscredit``/``naive``: signed points (for ``fp1`` the share of honest subjects
    losing more than 10 points against the naive scorer). ``honest_drop``: how much the
    honest median fell against the baseline; ``honest_lost10``: share of honest subjects
    that lost more than 10 points against it.
    """

    name: str
    klass: str
    target: str
    glasscredit: float
    naive: float
    honest_drop: float
    honest_lost10: float
    cost: str
    auc: float | None = None
    detail: dict[str, float | int | str] = field(default_factory=dict)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def measure(
    plan: Plan, target: str, scores: Scores, base: Scores, honest: list[str]
) -> tuple[float, float]:
    """(glasscredit, naive) figure of one plan, as the module docstring says."""
    gc, nv, bgc, bnv = scores.glasscredit, scores.naive, base.glasscredit, base.naive
    if target == "fp1":
        loss = np.array([bnv[h] - bgc[h] for h in honest])
        return float(np.mean(loss > 10)), 0.0
    if plan.controls is not None:
        naive_t = str(plan.detail.get("naive_controls", "")).split(",")
        naive_targets = [t for t in naive_t if t] or plan.targets
        g = _median([gc[t] for t in plan.targets]) - _median([gc[c] for c in plan.controls])
        n = _median([nv[t] for t in naive_targets]) - _median([nv[c] for c in plan.controls])
        return g, n
    if "baseline_override" in plan.detail:
        g = _median([gc[t] - float(plan.detail["baseline_override"]) for t in plan.targets])
    else:
        g = _median([gc[t] - bgc[t] for t in plan.targets])
    if "naive_override" in plan.detail:
        n = float(plan.detail["naive_override"])
    else:
        n = _median([nv.get(t, 0) - bnv.get(t, nv.get(t, 0)) for t in plan.targets])
    return g, n


def _honest_harm(scores: Scores, base: Scores, honest: list[str]) -> tuple[float, float]:
    a = np.array([scores.glasscredit[h] for h in honest], dtype=np.float64)
    b = np.array([base.glasscredit[h] for h in honest], dtype=np.float64)
    return float(np.median(b) - np.median(a)), float(np.mean(b - a > 10))


def _auc(scores: Scores, honest: list[str], sybils: list[str]) -> float | None:
    if not sybils or "trust" not in scores.features.columns:
        return None
    trust = dict(
        zip(scores.features["subject"].to_list(), scores.features["trust"].to_list(), strict=True)
    )
    vals = np.array([trust.get(s) or 0.0 for s in [*honest, *sybils]], dtype=np.float64)
    labels = np.array([False] * len(honest) + [True] * len(sybils))
    return ranking_quality(vals, labels).auc


def baseline_scores(base: World, path: Path, seed: int, months: int) -> Scores:
    """The baseline: a copy of ``base`` living ``months`` months with no attack."""
    w = base.fork(path)
    ctx = AttackContext(seed, base.clock(), np.random.default_rng([seed, 0]))
    try:
        for m in range(months):
            ctx.live(w, m)
        return w.settle()
    finally:
        w.close()
        path.unlink(missing_ok=True)


def run_scenario(
    attack: Attack,
    base: World,
    baseline: Scores,
    path: Path,
    seed: int,
    index: int,
    *,
    scale: float = 1.0,
) -> ScenarioResult:
    """Run one attack on a copy of ``base`` and measure it against ``baseline``
    (``scale`` shrinks the attack's size, for tests on small populations)."""
    w = base.fork(path)
    ctx = AttackContext(
        seed, base.clock(), np.random.default_rng([seed, 1_000 + index]), scale=scale
    )
    try:
        plan = attack.run(w, ctx)
        if ctx.months_done != attack.months:
            raise RuntimeError(f"{attack.name} ran {ctx.months_done} months, not {attack.months}")
        naive_controls = str(plan.detail.get("naive_controls", "")).split(",")
        scores = w.settle([*plan.targets, *(plan.controls or []), *filter(None, naive_controls)])
        on_probation: dict[str, float | int | str] = {"probation": ",".join(w.probations) or "none"}
        if w.probations:
            on_probation["probation_held"] = w.probation_held
    finally:
        w.close()
        path.unlink(missing_ok=True)
    honest = base.honest
    g, n = measure(plan, attack.target, scores, baseline, honest)
    drop, lost = _honest_harm(scores, baseline, honest)
    return ScenarioResult(
        attack.name,
        attack.klass,
        attack.target,
        g,
        n,
        drop,
        lost,
        plan.cost,
        _auc(scores, honest, plan.sybils),
        {
            **{k: v for k, v in plan.detail.items() if not k.endswith(("_override", "_controls"))},
            **on_probation,
        },
    )


@dataclass(frozen=True, slots=True)
class BenchReport:
    """Per-seed results of every scenario, on one kind of population."""

    graph: str
    seeds: list[int]
    n_honest: int
    mean_degree: float
    results: dict[str, list[ScenarioResult]]

    def median(self, name: str, key: str) -> float:
        vals = [getattr(r, key) for r in self.results[name]]
        vals = [float(v) for v in vals if v is not None]
        return _median(vals) if vals else math.nan


def run_bench(
    policy: Policy,
    rights: DisputeRights,
    folder: Path,
    *,
    n_honest: int = 10_000,
    seeds: Sequence[int] = (0, 1, 2),
    mean_degree: float = 10.0,
    events_per_subject: float = 20.0,
    attacks: Sequence[Attack] = ATTACKS,
    progress: Callable[[str], None] | None = None,
) -> BenchReport:
    """Run ``attacks`` on one population per seed (see the module docstring)."""
    pol = bench_policy(policy)
    results: dict[str, list[ScenarioResult]] = {a.name: [] for a in attacks}
    degree = math.nan
    for seed in seeds:
        spec = PopulationSpec(
            subjects=n_honest,
            seed=seed,
            end_us=DEFAULT_END_US - 13 * MONTH_US,
            events_per_subject=events_per_subject,
            mean_degree=mean_degree,
        )
        base = build_world(pol, spec, folder / f"base-{seed}.db", rights)
        degree = base.mean_degree()
        baselines: dict[int, Scores] = {}
        try:
            for attack in attacks:
                if attack.months not in baselines:
                    baselines[attack.months] = baseline_scores(
                        base, folder / f"baseline-{seed}.db", seed, attack.months
                    )
                    if progress:  # an honest source on probation would cost honest subjects
                        on = ",".join(baselines[attack.months].probations) or "none"
                        progress(f"seed {seed} baseline {attack.months} months: probation {on}")
                res = run_scenario(
                    attack,
                    base,
                    baselines[attack.months],
                    folder / f"{attack.name}-{seed}.db",
                    seed,
                    # each scenario's random stream is keyed by its name, not its place
                    # in the list: adding a scenario does not reshuffle the others
                    zlib.crc32(attack.name.encode()),
                )
                results[attack.name].append(res)
                if progress:
                    progress(
                        f"seed {seed} {attack.name}: {res.glasscredit:+.1f} / {res.naive:+.1f}"
                    )
        finally:
            base.close()
            (folder / f"base-{seed}.db").unlink(missing_ok=True)
    graph = "realistic" if mean_degree > 0 else "sparse"
    return BenchReport(graph, list(seeds), n_honest, degree, results)
