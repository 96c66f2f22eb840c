"""Sybil-resistant trust: the endorsement graph and SybilRank propagation from seeds.

Trust, not raw endorsement counts, feeds the relationship dimension: a thousand
endorsements from accounts nobody trusts are worth what those accounts are worth.
Everything here is engine-independent: columnar arrays in, arrays out, time always an
argument. See ``docs/trust.md`` for the design choices and measured figures.
"""

from glasscredit.trust._graph import (
    DroppedEdges,
    EndorsementGraph,
    GraphMode,
    build_endorsement_graph,
)
from glasscredit.trust._scenarios import (
    RankingQuality,
    Scenario,
    make_scenario,
    ranking_quality,
)
from glasscredit.trust._seeds import SeedPolicy, SeedSelection, select_seeds
from glasscredit.trust._sybilrank import (
    TrustResult,
    default_iterations,
    normalise_trust,
    propagate,
    sybilrank,
)

__all__ = [
    "DroppedEdges",
    "EndorsementGraph",
    "GraphMode",
    "RankingQuality",
    "Scenario",
    "SeedPolicy",
    "SeedSelection",
    "TrustResult",
    "build_endorsement_graph",
    "default_iterations",
    "make_scenario",
    "normalise_trust",
    "propagate",
    "ranking_quality",
    "select_seeds",
    "sybilrank",
]
