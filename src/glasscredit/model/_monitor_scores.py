"""Monitoring over stored scores: each period's population against a reference period.

The population of a period is each subject's newest stored score whose as-of time falls
in the period; its columns are the score and the points of each dimension (from the
stored detail). :func:`population_shift` compares them with the reference period (PSI
over the reference's deciles and the median shift), and the thresholds come from the
policy (``settings.monitoring``: ``psi_alert``, default 0.25, the scorecard practice's
"significant change"; ``inflation_points``, default 10)::

    settings:
      monitoring:
        psi_alert: 0.25
        inflation_points: 10
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from glasscredit.exceptions import FieldError, PolicyError, ValidationError
from glasscredit.model._monitor import Shift, population_shift
from glasscredit.policy import Policy
from glasscredit.store import Store

__all__ = [
    "MonitorReport",
    "MonitorSettings",
    "monitor_scores",
    "monitoring_settings",
    "period_population",
]


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    psi_alert: float = 0.25
    inflation_points: float = 10.0


def monitoring_settings(policy: Policy) -> MonitorSettings:
    """The policy's ``settings.monitoring``; unknown keys and bad values are refused."""
    raw = policy.settings.get("monitoring", {})
    if not isinstance(raw, dict):
        raise PolicyError(
            "policy is invalid",
            [FieldError("settings.monitoring", "mapping", "settings.monitoring must be a mapping")],
        )
    errors = []
    out: dict[str, float] = {}
    for key, value in raw.items():
        if key not in ("psi_alert", "inflation_points"):
            errors.append(
                FieldError(
                    f"settings.monitoring.{key}",
                    "unknown_setting",
                    f"{key!r} is not a monitoring setting",
                )
            )
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            errors.append(
                FieldError(
                    f"settings.monitoring.{key}", "positive", f"{key} must be a positive number"
                )
            )
        else:
            out[key] = float(value)
    if errors:
        raise PolicyError("policy is invalid", errors)
    return MonitorSettings(**out)


def period_population(ledger: Store, start_us: int, end_us: int) -> pl.DataFrame:
    """Newest stored score per subject with ``start_us <= as_of < end_us``: score + dims."""
    dims = list(ledger.policy.dimensions)
    df = ledger.scores.in_period(start_us, end_us).sort("score_id").unique("subject", keep="last")
    dtype = pl.Struct({"d": pl.Struct({d: pl.Int64 for d in dims})})
    decoded = df["detail"].str.json_decode(dtype).struct.field("d")
    return (
        df.select("subject", "score")
        .with_columns(*[decoded.struct.field(d).alias(d) for d in dims])
        .sort("subject")
    )


@dataclass(slots=True)
class MonitorReport:
    reference: tuple[int, int]
    current: tuple[int, int]
    reference_subjects: int
    current_subjects: int
    shifts: list[Shift] = field(default_factory=list)

    @property
    def alerts(self) -> list[Shift]:
        return [s for s in self.shifts if s.alert]

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": list(self.reference),
            "current": list(self.current),
            "reference_subjects": self.reference_subjects,
            "current_subjects": self.current_subjects,
            "shifts": [
                {
                    "column": s.column,
                    "psi": round(s.psi, 6),
                    "median_shift": s.median_shift,
                    "alert": s.alert,
                    "why": s.why,
                }
                for s in self.shifts
            ],
            "alert": bool(self.alerts),
        }


def monitor_scores(
    ledger: Store, reference: tuple[int, int], current: tuple[int, int]
) -> MonitorReport:
    """Compare the current period's stored scores with the reference period's."""
    for name, (a, b) in (("reference", reference), ("current", current)):
        if a >= b:
            raise ValidationError(
                [FieldError(name, "period", "the period's start must be before its end")]
            )
    cfg = monitoring_settings(ledger.policy)
    ref = period_population(ledger, *reference)
    cur = period_population(ledger, *current)
    for name, pop in (("reference", ref), ("current", cur)):
        if pop.height == 0:
            raise ValidationError(
                [FieldError(name, "empty_period", "no stored scores have an as-of time in it")]
            )
    shifts = population_shift(
        ref.drop("subject"),
        cur.drop("subject"),
        psi_alert=cfg.psi_alert,
        inflation_points=cfg.inflation_points,
    )
    return MonitorReport(reference, current, ref.height, cur.height, shifts)
