"""Trust and report settings, read from the policy's free-form ``settings`` section.

Why in ``settings`` and not a typed top-level section: the policy model is closed
(``extra="forbid"``) and owned by the policy layer; ``settings`` is its declared place
for component options. The keys are validated here, with errors that name the key, so
a typo in a policy is refused, not ignored::

    settings:
      trust:
        graph_mode: mutual          # or "either", see trust/_graph.py
        min_identity_level: 3       # seeds: identity.verified level at least this ...
        min_identity_sources: 2     # ... attested by this many distinct sources (>= 2)
        min_clean_months: 24        # ... known this many months (ledger clock) with no
                                    #     upheld or corroborated negative event
        min_seed_degree: 3          # ... and at least this many mutual endorsements
        seeds_per_community: 10     # the best-embedded eligible subjects per community
        max_seed_loss: 0.3          # a recompute losing more of the seeds is not stored
        iterations: null            # default ceil(log2 n)
      reports:
        min_reporters: 3            # k independent reporter groups for a report to count
        min_reporter_trust: 0.2     # normalised trust below this carries no weight
        min_endorsers: 2            # a reporter weighs only with this many mutual
        endorser_age_days: 90       # ... endorsers known to the ledger this long
        window: 90d                 # reports further apart than this do not corroborate
        fresh_days: 30              # reporters created this close before a report are one
        per_target_period: 30d      # one report per reporter per target per period
        half_life: 180d             # report weight halves every half-life
        overturn_penalty: 0.5       # weight multiplied by this per report removed by a
                                    # dispute verdict (an open dispute costs nothing)
      bursts:
        period: 1d                  # bucket in which a source's positive events are counted
        min_events_per_subject: 10  # a subject receiving this many in one bucket is "heavy"
        min_subjects: 20            # a source with this many heavy subjects is a burst
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from glasscredit.exceptions import FieldError, PolicyError
from glasscredit.policy import Policy, parse_duration
from glasscredit.trust._graph import GraphMode

__all__ = [
    "BurstSettings",
    "ReportSettings",
    "TrustSettings",
    "burst_settings",
    "report_settings",
    "trust_settings",
]


@dataclass(frozen=True, slots=True)
class TrustSettings:
    """How the trust snapshot is built (see the module docstring for the keys)."""

    graph_mode: GraphMode = "mutual"
    min_identity_level: int = 3
    min_identity_sources: int = 2
    min_clean_months: int = 24
    min_seed_degree: int = 3
    seeds_per_community: int = 10
    max_seed_loss: float = 0.3
    iterations: int | None = None


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """Corroboration rules for misconduct reports (see the module docstring)."""

    min_reporters: int = 3
    min_reporter_trust: float = 0.2
    min_endorsers: int = 2
    endorser_age_days: int = 90
    window: str = "90d"
    fresh_days: int = 30
    per_target_period: str = "30d"
    half_life: str = "180d"
    overturn_penalty: float = 0.5

    @property
    def per_target_period_us(self) -> int:
        return parse_duration(self.per_target_period)

    @property
    def half_life_us(self) -> int:
        return parse_duration(self.half_life)

    @property
    def window_us(self) -> int:
        return parse_duration(self.window)


@dataclass(frozen=True, slots=True)
class BurstSettings:
    """When a source's burst of positive events is held for review (module docstring)."""

    period: str = "1d"
    min_events_per_subject: int = 10
    min_subjects: int = 20

    @property
    def period_us(self) -> int:
        return parse_duration(self.period)


def _wrong_type(value: Any, default: Any) -> bool:
    """Whether ``value`` cannot stand for ``default``'s type (an int may stand for a
    float; a boolean never stands for a number, though Python makes it an int)."""
    if isinstance(value, bool):
        return not isinstance(default, bool)
    if isinstance(default, float):
        return not isinstance(value, int | float)
    return not isinstance(value, type(default))


def _read(policy: Policy, section: str, defaults: Any) -> dict[str, Any]:
    raw = policy.settings.get(section, {})
    where = f"settings.{section}"
    if not isinstance(raw, dict):
        raise PolicyError(
            "policy is invalid", [FieldError(where, "mapping", f"{where} must be a mapping")]
        )
    known = {f.name: getattr(defaults, f.name) for f in fields(defaults)}
    errors = [
        FieldError(
            f"{where}.{k}",
            "unknown_setting",
            f"{k!r} is not a {section} setting; known: {sorted(known)}",
        )
        for k in raw
        if k not in known
    ]
    for key, value in raw.items():
        default = known.get(key)
        if (
            key in known
            and default is not None
            and value is not None
            and _wrong_type(value, default)
        ):
            errors.append(
                FieldError(f"{where}.{key}", "type", f"{key} must be {type(default).__name__}")
            )
    if errors:
        raise PolicyError("policy is invalid", errors)
    return {**known, **raw}


def trust_settings(policy: Policy) -> TrustSettings:
    """The policy's ``settings.trust``, defaults filled in, refused when malformed."""
    values = _read(policy, "trust", TrustSettings())
    errors = []
    if values["graph_mode"] not in ("mutual", "either"):
        errors.append(
            FieldError(
                "settings.trust.graph_mode", "one_of", "graph_mode must be 'mutual' or 'either'"
            )
        )
    if values["iterations"] is not None and (
        not isinstance(values["iterations"], int) or values["iterations"] < 1
    ):
        errors.append(
            FieldError(
                "settings.trust.iterations",
                "positive",
                "iterations must be an integer >= 1 or null",
            )
        )
    floors = {"min_identity_sources": 2, "min_seed_degree": 1, "seeds_per_community": 1}
    for key, floor in floors.items():
        if values[key] < floor:
            errors.append(
                FieldError(f"settings.trust.{key}", "minimum", f"{key} must be >= {floor}")
            )
    if not 0.0 < float(values["max_seed_loss"]) <= 1.0:
        errors.append(
            FieldError("settings.trust.max_seed_loss", "range", "max_seed_loss must be in (0, 1]")
        )
    if errors:
        raise PolicyError("policy is invalid", errors)
    values["max_seed_loss"] = float(values["max_seed_loss"])
    return TrustSettings(**values)


def report_settings(policy: Policy) -> ReportSettings:
    """The policy's ``settings.reports``, defaults filled in, refused when malformed."""
    values = _read(policy, "reports", ReportSettings())
    errors = []
    if values["min_reporters"] < 1:
        errors.append(
            FieldError("settings.reports.min_reporters", "positive", "min_reporters must be >= 1")
        )
    if not 0.0 < float(values["overturn_penalty"]) <= 1.0:
        errors.append(
            FieldError(
                "settings.reports.overturn_penalty", "range", "overturn_penalty must be in (0, 1]"
            )
        )
    for key in ("min_endorsers", "endorser_age_days"):
        if values[key] < 0:
            errors.append(
                FieldError(f"settings.reports.{key}", "non_negative", f"{key} must be >= 0")
            )
    for key in ("per_target_period", "half_life", "window"):
        try:
            parse_duration(values[key])
        except ValueError as exc:
            errors.append(FieldError(f"settings.reports.{key}", "duration", str(exc)))
    if errors:
        raise PolicyError("policy is invalid", errors)
    values["min_reporter_trust"] = float(values["min_reporter_trust"])
    values["overturn_penalty"] = float(values["overturn_penalty"])
    return ReportSettings(**values)


def burst_settings(policy: Policy) -> BurstSettings:
    """The policy's ``settings.bursts``, defaults filled in, refused when malformed."""
    values = _read(policy, "bursts", BurstSettings())
    errors = [
        FieldError(f"settings.bursts.{k}", "positive", f"{k} must be >= 1")
        for k in ("min_events_per_subject", "min_subjects")
        if values[k] < 1
    ]
    try:
        parse_duration(values["period"])
    except ValueError as exc:
        errors.append(FieldError("settings.bursts.period", "duration", str(exc)))
    if errors:
        raise PolicyError("policy is invalid", errors)
    return BurstSettings(**values)
