"""Source accountability: per-source baselines, reputation from disputes, and flags.

A colluding or careless partner is the one adversary that no per-subject cap sees: it
can report a steady, honest-looking stream for accounts it created. What it cannot
hide is its own signature against its past and against its peers, on the ledger's
clock. The scoring side of the same defence (positive history counts fully only from
two independent sources) is a feature option, ``min_sources``, in the kernel. See
``docs/sources.md``.
"""

from glasscredit.sources._baselines import (
    CLOCK,
    Cohort,
    Newcomers,
    Reputation,
    SourceBaseline,
    Young,
    history_types,
    measure_sources,
)
from glasscredit.sources._flags import FLAG_KINDS, SourceFlag, flag_sources
from glasscredit.sources._probation import (
    PROBATION_KINDS,
    ProbationScan,
    apply_probations,
    probation_targets,
    probations_from_flags,
    sole_cohort,
)
from glasscredit.sources._report import SourceReport, source_report
from glasscredit.sources._settings import SourceSettings, source_settings

__all__ = [
    "CLOCK",
    "FLAG_KINDS",
    "PROBATION_KINDS",
    "Cohort",
    "Newcomers",
    "ProbationScan",
    "Reputation",
    "SourceBaseline",
    "SourceFlag",
    "SourceReport",
    "SourceSettings",
    "Young",
    "apply_probations",
    "flag_sources",
    "history_types",
    "measure_sources",
    "probation_targets",
    "probations_from_flags",
    "sole_cohort",
    "source_report",
    "source_settings",
]
