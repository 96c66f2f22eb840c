"""Generated populations and the red team: the demo, test fixtures, benchmarks, attacks.

The red-team bench (:func:`run_bench`, ``bench/redteam.py``) runs every attack of
``docs/threat-model.md`` (:data:`ATTACKS`) on a simulated deployment (:class:`World`: a
real ledger, the operator's routine, the real scorer) and against a naive scorer.

The red-team simulator runs each attack against glasscredit's defences and against a
naive scorer, on generated graphs and populations; it calls the trust computation's
public surface and the points lookup, never their internals.
"""

from glasscredit.simulate._attack import AttackResult
from glasscredit.simulate._bench import (
    ATTACKS,
    TARGET_TEXT,
    BenchReport,
    ScenarioResult,
    run_bench,
)
from glasscredit.simulate._naive import naive_scores
from glasscredit.simulate._plan import Attack, AttackContext, Plan, bench_policy
from glasscredit.simulate._population import (
    DEFAULT_END_US,
    PopulationSpec,
    generate_population,
    history_start,
    iter_event_dicts,
    iter_source_batches,
    population_truth,
    write_population,
)
from glasscredit.simulate._redteam import RedTeamReport, run_redteam
from glasscredit.simulate._scenarios import (
    RankingQuality,
    Scenario,
    make_scenario,
    ranking_quality,
)
from glasscredit.simulate._world import DisputeRights, Scores, SimClock, World, build_world

__all__ = [
    "ATTACKS",
    "DEFAULT_END_US",
    "TARGET_TEXT",
    "Attack",
    "AttackContext",
    "AttackResult",
    "BenchReport",
    "DisputeRights",
    "Plan",
    "PopulationSpec",
    "RankingQuality",
    "RedTeamReport",
    "Scenario",
    "ScenarioResult",
    "Scores",
    "SimClock",
    "World",
    "bench_policy",
    "build_world",
    "generate_population",
    "history_start",
    "iter_event_dicts",
    "iter_source_batches",
    "make_scenario",
    "naive_scores",
    "population_truth",
    "ranking_quality",
    "run_bench",
    "run_redteam",
    "write_population",
]
