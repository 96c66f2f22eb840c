"""Source accountability settings, read from the policy's ``settings.sources``.

Every key is validated here, with errors that name ``settings.sources.<key>`` and the
rule, so a typo or a nonsensical threshold is refused at load, not ignored::

    settings:
      sources:
        window: 30d          # the period judged, on the ledger's clock
        baseline: 180d       # the source's own past just before it
        history: 730d        # positive history that decides a subject's sole source
        min_events: 50       # a period with fewer events from a source is no baseline
        min_subjects: 20     # a cohort or a comparison needs this many subjects
        min_peers: 2         # a comparison with peers needs this many other sources
        rate_ratio: 3.0      # an event type's daily rate this many times its baseline
        peer_ratio: 3.0      # positive events per subject this many times the peers' median
        cohort_ratio: 3.0    # sole-source subjects appearing this many times faster
        young_days: 30       # a subject known for less than this at a first report is young
        young_ratio: 2.0     # young share this many times its baseline (or peers')
        share_floor: 0.05    # a reference share or rate below this is taken as this
        min_resolved: 10     # resolved disputes before reputation can flag
        max_removed_share: 0.5   # disputes resolved as removed above this share
        evidence: 20         # subjects and events listed per flag
        seasoning: 12mo      # on probation: how long the ledger must know an event
        newcomers: 365d      # subjects a source began vouching for within this long ...
        settle: 90d          # ... and at least this long ago are its newcomers
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from glasscredit.exceptions import FieldError, PolicyError
from glasscredit.policy import DAY_US, Policy, parse_duration

__all__ = ["SourceSettings", "source_settings"]

_SECTION = "settings.sources"


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Thresholds of the per-source baselines and flags (see the module docstring)."""

    window: str = "30d"
    baseline: str = "180d"
    history: str = "730d"
    min_events: int = 50
    min_subjects: int = 20
    min_peers: int = 2
    rate_ratio: float = 3.0
    peer_ratio: float = 3.0
    cohort_ratio: float = 3.0
    young_days: int = 30
    young_ratio: float = 2.0
    share_floor: float = 0.05
    min_resolved: int = 10
    max_removed_share: float = 0.5
    evidence: int = 20
    seasoning: str = "12mo"
    newcomers: str = "365d"
    settle: str = "90d"

    @property
    def window_us(self) -> int:
        return parse_duration(self.window)

    @property
    def baseline_us(self) -> int:
        return parse_duration(self.baseline)

    @property
    def history_us(self) -> int:
        return parse_duration(self.history)

    @property
    def seasoning_us(self) -> int:
        return parse_duration(self.seasoning)

    @property
    def newcomers_us(self) -> int:
        return parse_duration(self.newcomers)

    @property
    def settle_us(self) -> int:
        return parse_duration(self.settle)

    @property
    def young_us(self) -> int:
        return self.young_days * DAY_US


def _error(key: str, rule: str, message: str) -> FieldError:
    return FieldError(f"{_SECTION}.{key}", rule, message)


def source_settings(policy: Policy) -> SourceSettings:
    """The policy's ``settings.sources``, defaults filled in, refused when malformed."""
    raw = policy.settings.get("sources", {})
    if not isinstance(raw, dict):
        raise PolicyError(
            "policy is invalid", [FieldError(_SECTION, "mapping", f"{_SECTION} must be a mapping")]
        )
    known: dict[str, Any] = {
        f.name: getattr(SourceSettings(), f.name) for f in fields(SourceSettings)
    }
    errors = [
        _error(k, "unknown_setting", f"{k!r} is not a sources setting; known: {sorted(known)}")
        for k in raw
        if k not in known
    ]
    values = dict(known)
    for key, value in raw.items():
        if key not in known:
            continue
        default = known[key]
        kinds = (int, float) if isinstance(default, float) else (type(default),)
        if isinstance(value, bool) or not isinstance(value, kinds):
            errors.append(_error(key, "type", f"{key} must be {type(default).__name__}"))
            continue
        values[key] = float(value) if isinstance(default, float) else value
    for key in ("window", "baseline", "history", "seasoning", "newcomers", "settle"):
        if isinstance(values[key], str):
            try:
                if parse_duration(values[key]) <= 0:
                    errors.append(_error(key, "positive", f"{key} must be longer than 0"))
            except ValueError as exc:
                errors.append(_error(key, "duration", str(exc)))
    for key in (
        "min_events",
        "min_subjects",
        "min_peers",
        "young_days",
        "min_resolved",
        "evidence",
    ):
        if isinstance(values[key], int) and values[key] < 1:
            errors.append(_error(key, "positive", f"{key} must be >= 1"))
    for key in ("rate_ratio", "peer_ratio", "cohort_ratio", "young_ratio"):
        if isinstance(values[key], float) and values[key] <= 1.0:
            errors.append(_error(key, "above_one", f"{key} must be above 1 (a departure)"))
    for key in ("share_floor", "max_removed_share"):
        if isinstance(values[key], float) and not 0.0 < values[key] <= 1.0:
            errors.append(_error(key, "range", f"{key} must be in (0, 1]"))
    if not errors and parse_duration(values["settle"]) >= parse_duration(values["newcomers"]):
        errors.append(
            _error("settle", "shorter", "settle must be shorter than newcomers (no newcomer left)")
        )
    if errors:
        raise PolicyError("policy is invalid", errors)
    return SourceSettings(**values)
