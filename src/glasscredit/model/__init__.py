"""The learned scorecard: fit, evaluate, export and audit a points table from outcomes.

``ScorecardClassifier`` fits the engine's :class:`~glasscredit.policy.PointsTable`;
everything else here reads that table, so a model loaded from JSON behaves exactly as
the estimator that fitted it. Protected attributes go to :func:`audit`, never to a fit.
"""

from glasscredit.model._additive import fit_additive
from glasscredit.model._artifact import ModelDocument, load_model, model_document, save_model
from glasscredit.model._binning import pav
from glasscredit.model._card import card_html, card_markdown, card_plots
from glasscredit.model._dataset import label_outcomes, rescale_table
from glasscredit.model._estimator import ScorecardClassifier
from glasscredit.model._export import sql_case, sql_score_expression, to_json, to_sql
from glasscredit.model._fairfit import (
    DEFAULT_LEVERS,
    GAP_STEPS,
    LEVERS,
    Candidate,
    Checked,
    FairFit,
    approve_top,
    balancing_weights,
    fair_fit,
)
from glasscredit.model._fairness import (
    FOUR_FIFTHS,
    INTERVAL_METHODS,
    MIN_GROUP_SIZE,
    audit,
    audit_over_time,
    group_labels,
)
from glasscredit.model._frame import (
    GERMAN_CREDIT_PROTECTED,
    GERMAN_CREDIT_TARGET,
    frame_fingerprint,
    load_german_credit,
)
from glasscredit.model._metrics import (
    auc_gini_ks,
    binned_psi,
    calibration_table,
    characteristic_stability,
    psi,
    reference_edges,
    score_psi,
)
from glasscredit.model._monitor import Shift, population_shift
from glasscredit.model._monitor_scores import (
    MonitorReport,
    MonitorSettings,
    monitor_scores,
    monitoring_settings,
    period_population,
)
from glasscredit.model._report import evaluate, fit_performance, report_html, stability
from glasscredit.model._scaling import Scaling, scaling_from_pdo
from glasscredit.model._table import explain_rows, score_table, table_points
from glasscredit.model._woe import iv_strength, woe_iv

__all__ = [
    "DEFAULT_LEVERS",
    "FOUR_FIFTHS",
    "GAP_STEPS",
    "GERMAN_CREDIT_PROTECTED",
    "GERMAN_CREDIT_TARGET",
    "INTERVAL_METHODS",
    "LEVERS",
    "MIN_GROUP_SIZE",
    "Candidate",
    "Checked",
    "FairFit",
    "ModelDocument",
    "MonitorReport",
    "MonitorSettings",
    "Scaling",
    "ScorecardClassifier",
    "Shift",
    "approve_top",
    "auc_gini_ks",
    "audit",
    "audit_over_time",
    "balancing_weights",
    "binned_psi",
    "calibration_table",
    "card_html",
    "card_markdown",
    "card_plots",
    "characteristic_stability",
    "evaluate",
    "explain_rows",
    "fair_fit",
    "fit_additive",
    "fit_performance",
    "frame_fingerprint",
    "group_labels",
    "iv_strength",
    "label_outcomes",
    "load_german_credit",
    "load_model",
    "model_document",
    "monitor_scores",
    "monitoring_settings",
    "pav",
    "period_population",
    "population_shift",
    "psi",
    "reference_edges",
    "report_html",
    "rescale_table",
    "save_model",
    "scaling_from_pdo",
    "score_psi",
    "score_table",
    "sql_case",
    "sql_score_expression",
    "stability",
    "table_points",
    "to_json",
    "to_sql",
    "woe_iv",
]
