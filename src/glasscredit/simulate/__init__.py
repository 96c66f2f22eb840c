"""Generated populations and the red team: the demo, test fixtures, benchmarks, attacks.

The red-team simulator runs each attack against glasscredit's defences and against a
naive scorer, on generated graphs and populations; it calls the trust computation's
public surface and the points lookup, never their internals.
"""

from glasscredit.simulate._attack import AttackResult
from glasscredit.simulate._population import (
    DEFAULT_END_US,
    PopulationSpec,
    generate_population,
    iter_event_dicts,
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

__all__ = [
    "DEFAULT_END_US",
    "AttackResult",
    "PopulationSpec",
    "RankingQuality",
    "RedTeamReport",
    "Scenario",
    "generate_population",
    "iter_event_dicts",
    "make_scenario",
    "population_truth",
    "ranking_quality",
    "run_redteam",
    "write_population",
]
