"""Use cases of the learned scorecard: train, evaluate, audit, export, card.

DATA is a CSV or Parquet file, or ``builtin:german`` for the shipped German credit data.
The model file is the JSON document written by :func:`train_model` (never a pickle).
These need no ledger, so they take paths, not a :class:`~glasscredit.app.Context`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from glasscredit.app._base import AppModel, JsonValue
from glasscredit.app._context import Context
from glasscredit.app._outcomes import bad_vector
from glasscredit.exceptions import FieldError, IngestFileError, ValidationError

__all__ = [
    "AttributeAudit",
    "CalibrationBand",
    "FairnessAudit",
    "GroupAudit",
    "ModelEvaluation",
    "ModelText",
    "PeriodAttribute",
    "PeriodAudit",
    "ScoreStability",
    "TrainedModel",
    "audit_model",
    "evaluate_model",
    "export_model",
    "model_card",
    "policy_card",
    "read_table",
    "train_model",
]

BUILTIN_GERMAN = "builtin:german"


class TrainedModel(AppModel):
    """What a fit produced: where it was written and what it covers."""

    path: str
    rows: int
    features: int
    min_score: int
    max_score: int
    bad_rate: float
    excluded: dict[str, str]


class CalibrationBand(AppModel):
    band: int
    score_min: float
    score_max: float
    n: int
    observed_bad_rate: float
    predicted_bad_rate: float


class ScoreStability(AppModel):
    """Score PSI between the evaluated population and a second one."""

    psi: float
    reading: str
    edges: list[float]
    expected: list[int]
    actual: list[int]


class ModelEvaluation(AppModel):
    """Discrimination and calibration on labelled data, optionally stability too.

    ``features`` (WoE, IV and counts per bin) and ``feature_stability`` are the model
    package's per-feature reports, kept as JSON values: their columns follow the bins.
    """

    n: int
    bad_rate: float
    auc: float
    gini: float
    ks: float
    calibration: list[CalibrationBand]
    features: dict[str, JsonValue]
    stability: ScoreStability | None = None
    feature_stability: dict[str, JsonValue] | None = None
    report_html: str | None = None

    def metrics_document(self) -> dict[str, JsonValue]:
        """The metrics file: ``{"evaluation": ..., "stability": {"score", "features"}}``."""
        data = self.as_json()
        evaluation = {k: data[k] for k in ("n", "bad_rate", "auc", "gini", "ks")}
        evaluation |= {"calibration": data["calibration"], "features": data["features"]}
        stab: JsonValue = (
            {"score": data["stability"], "features": data["feature_stability"]}
            if self.stability is not None
            else None
        )
        return {"evaluation": evaluation, "stability": stab}


Interval = tuple[float, float]


class GroupAudit(AppModel):
    """One group's figures, each with its confidence interval (methods in the audit)."""

    n: int
    approved: int
    sufficient_size: bool
    approval_rate: float
    approval_rate_ci: Interval
    adverse_impact_ratio: float | None
    adverse_impact_ratio_ci: Interval | None
    bad_rate: float | None = None
    bad_rate_ci: Interval | None = None
    auc: float | None = None
    approval_rate_among_good: float | None = None
    approval_rate_among_good_ci: Interval | None = None
    equal_opportunity_difference: float | None = None
    equal_opportunity_difference_ci: Interval | None = None
    mean_predicted_bad_rate: float | None = None
    calibration_gap: float | None = None
    calibrated: bool | None = None


class AttributeAudit(AppModel):
    """One attribute: the reference and why, the worst ratio, flags and spreads."""

    reference_group: str | None
    reference_rule: str
    min_group_size: int
    groups: dict[str, GroupAudit]
    small_groups: list[str]
    worst_group: str | None
    min_adverse_impact_ratio: float | None
    min_adverse_impact_ratio_ci: Interval | None
    demographic_parity_ratio: float | None
    four_fifths_flag: bool
    four_fifths_flag_confident: bool
    equal_opportunity_difference: float | None = None
    miscalibrated_groups: list[str] | None = None


class PeriodAttribute(AppModel):
    reference_group: str | None
    min_adverse_impact_ratio: float | None
    min_adverse_impact_ratio_ci: Interval | None
    four_fifths_flag: bool
    approval_rate_by_group: dict[str, float]


class PeriodAudit(AppModel):
    period: str
    n: int
    approval_rate: float
    attributes: dict[str, PeriodAttribute]


class FairnessAudit(AppModel):
    """Approval, adverse impact and equal opportunity per protected group, with intervals."""

    cutoff: float
    n: int
    approval_rate: float
    confidence: float
    min_group_size: int
    interval_methods: dict[str, str]
    attributes: dict[str, AttributeAudit]
    over_time: list[PeriodAudit] | None = None


class ModelText(AppModel):
    """A document about a model (SQL, JSON, Markdown or HTML) for the caller to write."""

    format: str
    text: str


def read_table(data: str) -> pl.DataFrame:
    """Read CSV/Parquet, or the shipped German credit data (``builtin:german``)."""
    from glasscredit.model import load_german_credit

    if data == BUILTIN_GERMAN:
        return load_german_credit()
    p = Path(data)
    try:
        return (
            pl.read_parquet(p)
            if p.suffix in (".parquet", ".pq")
            else pl.read_csv(p, infer_schema_length=10_000)
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise IngestFileError([FieldError(str(p), "readable_table", str(exc))]) from exc


def train_model(
    data: str,
    *,
    target: str,
    out: Path,
    bad: str | None = None,
    drop: Sequence[str] = (),
    categorical: Sequence[str] | None = None,
    special: Mapping[str, Sequence[float]] | None = None,
    method: str = "additive",
    seed: int = 0,
    monotonic: Mapping[str, str] | None = None,
    sample_weight: str | None = None,
    cv_folds: int = 5,
) -> TrainedModel:
    """Fit a scorecard on DATA and write its points table and training record to OUT.

    ``sample_weight`` names a column of weights (not a feature); the document records the
    in-sample figures and, with ``cv_folds`` >= 2, cross-validated ones (out of sample).
    """
    from glasscredit.model import (
        ScorecardClassifier,
        fit_performance,
        frame_fingerprint,
        save_model,
    )

    frame = read_table(data)
    y = bad_vector(frame, target, bad)
    weights = None
    if sample_weight is not None:
        if sample_weight not in frame.columns:
            raise ValidationError([FieldError(sample_weight, "column_present", "no such column")])
        weights = frame.get_column(sample_weight).cast(pl.Float64, strict=False).to_numpy()
    X = frame.drop([target, *drop, *([sample_weight] if sample_weight else [])], strict=False)
    est = ScorecardClassifier(
        method=method,
        categorical_features=list(categorical) if categorical else None,
        special_values={k: list(v) for k, v in special.items()} if special else None,
        monotonic=dict(monotonic) if monotonic else None,
        random_state=seed,
    )
    est.fit(X, y, sample_weight=weights)
    performance = fit_performance(est, X, y, folds=cv_folds if weights is None else 0)
    save_model(
        est,
        out,
        data={
            "source": data,
            "rows": frame.height,
            "bad_rate": round(float(y.mean()), 4),
            "target": target,
            "left_out_by_operator": list(drop),
            "fingerprint": frame_fingerprint(frame),
            **({"sample_weight": sample_weight} if sample_weight else {}),
        },
        performance=performance,
    )
    table = est.to_points_table()
    return TrainedModel(
        path=str(out),
        rows=frame.height,
        features=len(table.features),
        min_score=table.min_total,
        max_score=table.max_total,
        bad_rate=float(y.mean()),
        excluded=dict(est.excluded_),
    )


def evaluate_model(
    model: Path,
    data: str,
    *,
    target: str,
    bad: str | None = None,
    compare: str | None = None,
    with_report: bool = False,
    protected: Sequence[str] = (),
    cutoff: float | None = None,
) -> ModelEvaluation:
    """AUC, Gini, KS, IV, calibration; PSI against ``compare``; the HTML report if asked,
    with the fairness audit (and its intervals) when ``protected`` and ``cutoff`` are given."""
    from glasscredit.model import audit, evaluate, load_model, report_html, score_table, stability

    m = load_model(model)
    frame = read_table(data)
    y = bad_vector(frame, target, bad)
    ev = evaluate(m, frame, y)
    stab = stability(m, frame, read_table(compare)) if compare else None
    fair = None
    if with_report and protected and cutoff is not None:
        score = score_table(m.table, frame)
        fair = audit(score, _protected_groups(frame, protected), cutoff, y, m.pd_bad(score))
    html = (
        report_html(m, ev, f"Scorecard report: {model.name}", stab, fair) if with_report else None
    )
    return ModelEvaluation(
        n=ev["n"],
        bad_rate=ev["bad_rate"],
        auc=ev["auc"],
        gini=ev["gini"],
        ks=ev["ks"],
        calibration=[CalibrationBand.model_validate(b) for b in ev["calibration"]],
        features=ev["features"],
        stability=ScoreStability.model_validate(stab["score"]) if stab else None,
        feature_stability=stab["features"] if stab else None,
        report_html=html,
    )


def _protected_groups(frame: pl.DataFrame, protected: Sequence[str]) -> dict[str, list[Any]]:
    missing = [c for c in protected if c not in frame.columns]
    if missing:
        raise ValidationError([FieldError(c, "column_present", "no such column") for c in missing])
    return {c: frame.get_column(c).to_list() for c in protected}


def audit_model(
    model: Path,
    data: str,
    *,
    protected: Sequence[str],
    cutoff: float,
    target: str | None = None,
    bad: str | None = None,
    period: str | None = None,
    min_group_size: int | None = None,
    reference: Mapping[str, str] | None = None,
) -> FairnessAudit:
    """Approval rate, adverse impact ratio, equal opportunity, AUC per group (per period).

    Groups under ``min_group_size`` (default the model package's) are reported, never the
    reference; ``reference`` declares an attribute's reference group.
    """
    from glasscredit.model import MIN_GROUP_SIZE, audit, audit_over_time, load_model, score_table

    m = load_model(model)
    frame = read_table(data)
    groups = _protected_groups(frame, protected)
    if period is not None and period not in frame.columns:
        raise ValidationError([FieldError(period, "column_present", "no such column")])
    score = score_table(m.table, frame)
    y = bad_vector(frame, target, bad) if target else None
    rule: dict[str, Any] = {
        "min_group_size": MIN_GROUP_SIZE if min_group_size is None else min_group_size,
        "reference": dict(reference or {}),
    }
    res = audit(score, groups, cutoff, y, m.pd_bad(score), **rule)
    over = (
        audit_over_time(score, groups, frame.get_column(period).to_list(), cutoff, y, **rule)
        if period
        else None
    )
    return FairnessAudit.model_validate({**res, "over_time": over})


def export_model(
    model: Path,
    *,
    fmt: Literal["json", "sql"] | str = "json",
    dialect: str = "sqlite",
    table: str = "applicants",
    keep: Sequence[str] | None = None,
) -> ModelText:
    """The points table as JSON, or a SQL query scoring ``table``."""
    from glasscredit.model import load_model, to_json, to_sql

    if fmt not in ("json", "sql"):
        raise ValidationError(
            [FieldError("format", "export_format", f"{fmt!r} is not sql or json")]
        )
    m = load_model(model)
    if fmt == "json":
        return ModelText(format="json", text=to_json(m.table))
    return ModelText(format="sql", text=to_sql(m.table, table, dialect, list(keep or [])) + ";")


def _in_sample(trained: Mapping[str, Any], data: str, frame: pl.DataFrame) -> bool | None:
    """Whether DATA is what the model was trained on: the same source, or the same rows
    (a copy); None when the training record cannot tell."""
    from glasscredit.model import frame_fingerprint

    if not trained:
        return None
    if data == trained.get("source"):
        return True
    recorded = trained.get("fingerprint")
    if not isinstance(recorded, str):
        return None
    here = frame_fingerprint(frame)
    if here == recorded:
        return True
    same_hash = here.split(":", 1)[0] == recorded.split(":", 1)[0]
    return False if same_hash else None


def model_card(
    model: Path,
    *,
    html: bool = False,
    data: str | None = None,
    target: str | None = None,
    bad: str | None = None,
    protected: Sequence[str] = (),
    cutoff: float | None = None,
) -> ModelText:
    """The model card (Markdown, or HTML), with performance and fairness when data is given."""
    from glasscredit.model import (
        audit,
        card_html,
        card_markdown,
        card_plots,
        evaluate,
        group_labels,
        load_model,
        score_table,
    )

    m = load_model(model)
    ev = fair = None
    plots: list[str] = []
    in_sample = None
    if data and target:
        frame = read_table(data)
        y = bad_vector(frame, target, bad)
        ev = evaluate(m, frame, y)
        groups = _protected_groups(frame, protected) if protected else {}
        if protected and cutoff is not None:
            score = score_table(m.table, frame)
            fair = audit(score, groups, cutoff, y, m.pd_bad(score))
        in_sample = _in_sample(m.doc.get("data", {}), data, frame)
        if html:
            plots = card_plots(ev, {k: group_labels(v, k) for k, v in groups.items()})
    md = card_markdown(m, ev, fair, name=model.stem, evaluated_on=data, in_sample=in_sample)
    return (
        ModelText(format="html", text=card_html(md, plots))
        if html
        else ModelText(format="markdown", text=md)
    )


def policy_card(ctx: Context) -> ModelText:
    """The card of the points table in force (Markdown): its bins, points and each row's
    rationale; a hand-made table has no training record, and the card says so."""
    from glasscredit.model import ModelDocument, card_markdown

    table = ctx.policy.points
    if table is None:
        return ModelText(format="markdown", text="This policy declares no points table.\n")
    source = "hand-made in the policy" if table.source == "policy" else table.source
    doc = {"data": {"policy": ctx.policy.name, "points table": f"{table.hash[:12]}, {source}"}}
    md = card_markdown(ModelDocument(table=table, doc=doc), name=ctx.policy.name)
    return ModelText(format="markdown", text=md)
