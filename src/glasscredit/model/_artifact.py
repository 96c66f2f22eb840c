"""The fitted model as a JSON document (never pickle): points table plus what the fit saw.

The document is what the CLI passes between ``train``, ``evaluate``, ``audit``,
``export`` and ``card``; the points table inside it is the engine's format unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError as PydanticValidationError

from glasscredit.exceptions import ModelError
from glasscredit.model._estimator import ScorecardClassifier
from glasscredit.model._export import to_json
from glasscredit.model._scaling import Scaling
from glasscredit.policy._points import PointsTable

__all__ = ["FORMAT", "ModelDocument", "load_model", "model_document", "save_model"]

FORMAT = "glasscredit-scorecard/1"


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclass(frozen=True)
class ModelDocument:
    """A loaded model: its points table and the training record beside it."""

    table: PointsTable
    doc: dict[str, Any]

    @property
    def scaling(self) -> Scaling:
        s = self.table.scaling
        if not s:
            raise ModelError("the points table records no scaling: cannot turn scores into odds")
        return Scaling(**s)

    def pd_bad(self, score: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Probability of bad implied by integer scores."""
        lo = self.scaling.log_odds_bad(np.asarray(score, dtype=np.float64))
        return np.asarray(1.0 / (1.0 + np.exp(-lo)), dtype=np.float64)


def model_document(
    est: ScorecardClassifier,
    data: dict[str, Any] | None = None,
    performance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a model card needs, from a fitted estimator; ``data`` describes the data,
    ``performance`` holds the figures measured at training (see ``fit_performance``)."""
    table = est.to_points_table()
    params = {k: _jsonable(v) for k, v in est.get_params().items()}
    training = {
        "iv": est.iv_,
        "bin_stats": est.bin_stats_,
        "trends": est.trends_,
        "excluded": est.excluded_,
        "bad_class": _jsonable(est.bad_class_),
        "classes": _jsonable(est.classes_.tolist()),
    }
    steered = getattr(est, "group_gap_groups_", None)
    if est.get_params().get("group_gap"):
        training["group_gap_groups"] = dict(steered or {})  # {} says: none reached the floor
    return {
        "format": FORMAT,
        "points_table": table.model_dump(mode="json"),
        "params": params,
        "training": training,
        "data": data or {},
        **({"performance": _jsonable(performance)} if performance else {}),
    }


def save_model(
    est: ScorecardClassifier,
    path: str | Path,
    data: dict[str, Any] | None = None,
    performance: dict[str, Any] | None = None,
) -> None:
    """Write the model document as JSON (NaN refused)."""
    doc = model_document(est, data, performance)
    table = est.to_points_table()
    Path(path).write_text(
        to_json(table, {k: v for k, v in doc.items() if k not in ("format", "points_table")}) + "\n"
    )


def load_model(path: str | Path) -> ModelDocument:
    """Read a model document (or a bare points table JSON)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError, RecursionError) as exc:  # unreadable, not UTF-8, not JSON
        raise ModelError(f"{path}: cannot read a model document ({exc})") from exc
    raw = doc.get("points_table", doc) if isinstance(doc, dict) else None
    if not isinstance(raw, dict):
        raise ModelError(f"{path}: no points_table in the document")
    try:
        table = PointsTable.model_validate(raw)
    except PydanticValidationError as exc:
        raise ModelError(f"{path}: not a points table ({exc.error_count()} errors)") from None
    return ModelDocument(table=table, doc=doc)
