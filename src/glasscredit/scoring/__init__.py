"""Points to score, dimensions, tier, reasons, what-if, the next tier, and score history."""

from glasscredit.scoring._corrected import corrected_lines, correction_text
from glasscredit.scoring._disputes import (
    UNFOUNDED,
    DisputeEffect,
    FreezeState,
    dispute_effects,
    freeze_state,
    frozen_disputes,
)
from glasscredit.scoring._engine import Scorer, inputs_digests, score_events
from glasscredit.scoring._explain import Explanation, FeatureLine, Reason, explain_row
from glasscredit.scoring._history import (
    StoredScore,
    StoreReport,
    score_history,
    score_notices,
    store_chunk,
    verify_score,
)
from glasscredit.scoring._rescore import (
    RescoreReport,
    changed_subjects,
    rescore,
    score_as_of_past,
    subjects_with_new_events,
)
from glasscredit.scoring._scorecard import (
    ScoredFrame,
    dimension_ranges,
    score_frame,
)
from glasscredit.scoring._whatif import Move, monthly_events, path_to_next_tier, whatif

__all__ = [
    "UNFOUNDED",
    "DisputeEffect",
    "Explanation",
    "FeatureLine",
    "FreezeState",
    "Move",
    "Reason",
    "RescoreReport",
    "ScoredFrame",
    "Scorer",
    "StoreReport",
    "StoredScore",
    "changed_subjects",
    "corrected_lines",
    "correction_text",
    "dimension_ranges",
    "dispute_effects",
    "explain_row",
    "freeze_state",
    "frozen_disputes",
    "inputs_digests",
    "monthly_events",
    "path_to_next_tier",
    "rescore",
    "score_as_of_past",
    "score_events",
    "score_frame",
    "score_history",
    "score_notices",
    "store_chunk",
    "subjects_with_new_events",
    "verify_score",
    "whatif",
]
