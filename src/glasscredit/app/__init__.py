"""The application layer: one typed function per use case, the only thing front doors call.

Every use case takes a :class:`Context` (settings, policy, clock and the ledger they
select) or, for the learned scorecard's file-to-file commands, plain paths; it returns a
frozen :class:`AppModel` whose :meth:`~AppModel.as_json` is its JSON form, and raises
only the :class:`~glasscredit.exceptions.GlasscreditError` tree. The CLI is one adapter
over these functions; the REST service is the second and needs nothing else.
"""

from glasscredit.app._base import AppModel, JsonScalar, JsonValue
from glasscredit.app._context import Clock, Context, parse_period, parse_time
from glasscredit.app._model import (
    AttributeAudit,
    CalibrationBand,
    FairnessAudit,
    GroupAudit,
    ModelEvaluation,
    ModelText,
    PeriodAttribute,
    PeriodAudit,
    ScoreStability,
    TrainedModel,
    audit_model,
    evaluate_model,
    export_model,
    model_card,
    read_table,
    train_model,
)
from glasscredit.app._outcomes import CONVENTIONAL_OUTCOMES, bad_value_of, bad_vector

__all__ = [
    "CONVENTIONAL_OUTCOMES",
    "AppModel",
    "AttributeAudit",
    "CalibrationBand",
    "Clock",
    "Context",
    "FairnessAudit",
    "GroupAudit",
    "JsonScalar",
    "JsonValue",
    "ModelEvaluation",
    "ModelText",
    "PeriodAttribute",
    "PeriodAudit",
    "ScoreStability",
    "TrainedModel",
    "audit_model",
    "bad_value_of",
    "bad_vector",
    "evaluate_model",
    "export_model",
    "model_card",
    "parse_period",
    "parse_time",
    "read_table",
    "train_model",
]
