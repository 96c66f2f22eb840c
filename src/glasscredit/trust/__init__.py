"""Sybil-resistant trust: the endorsement graph and SybilRank propagation from seeds.

Trust, not raw endorsement counts, feeds the relationship dimension: a thousand
endorsements from accounts nobody trusts are worth what those accounts are worth.
Everything here is engine-independent: columnar arrays in, arrays out, time always an
argument. See ``docs/trust.md`` for the design choices and measured figures.
"""

from glasscredit.trust._bursts import Burst, detect_bursts
from glasscredit.trust._graph import (
    DroppedEdges,
    EndorsementGraph,
    GraphMode,
    build_endorsement_graph,
)
from glasscredit.trust._holds import HOLD_REASON, hold_bursts, release_burst, scan_bursts
from glasscredit.trust._report_snapshot import (
    ReportSnapshot,
    compute_reports,
    explain_reports,
    overturn_counts,
)
from glasscredit.trust._reports import (
    ReporterInfo,
    ReportVerdict,
    TargetVerdict,
    corroborate_reports,
)
from glasscredit.trust._seeds import SeedPolicy, SeedSelection, select_seeds
from glasscredit.trust._settings import (
    BurstSettings,
    ReportSettings,
    TrustSettings,
    burst_settings,
    report_settings,
    trust_settings,
)
from glasscredit.trust._snapshot import (
    TrustSnapshot,
    compute_trust,
    snapshot_from_inputs,
    store_trust,
)
from glasscredit.trust._sybilrank import (
    TrustResult,
    default_iterations,
    normalise_trust,
    propagate,
    sybilrank,
)

__all__ = [
    "HOLD_REASON",
    "Burst",
    "BurstSettings",
    "DroppedEdges",
    "EndorsementGraph",
    "GraphMode",
    "ReportSettings",
    "ReportSnapshot",
    "ReportVerdict",
    "ReporterInfo",
    "SeedPolicy",
    "SeedSelection",
    "TargetVerdict",
    "TrustResult",
    "TrustSettings",
    "TrustSnapshot",
    "build_endorsement_graph",
    "burst_settings",
    "compute_reports",
    "compute_trust",
    "corroborate_reports",
    "default_iterations",
    "detect_bursts",
    "explain_reports",
    "hold_bursts",
    "normalise_trust",
    "overturn_counts",
    "propagate",
    "release_burst",
    "report_settings",
    "scan_bursts",
    "select_seeds",
    "snapshot_from_inputs",
    "store_trust",
    "sybilrank",
    "trust_settings",
]
