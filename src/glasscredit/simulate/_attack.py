"""What one red-team attack moved, and the points lookups the simulator shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from glasscredit.exceptions import FieldError, PolicyError
from glasscredit.policy import DAY_US, FeaturePoints, Policy

__all__ = ["DAY_US", "AttackResult", "feature_points", "points"]


@dataclass(frozen=True, slots=True)
class AttackResult:
    """Points moved by one attack under glasscredit and under the naive scorer.

    ``glasscredit`` and ``naive`` are signed point changes of the target (for (d) the
    bots' median, for (e) the share of honest subjects losing more than 10 points);
    ``cost`` says what the attacker spent; ``detail`` holds the feature values.
    """

    name: str
    glasscredit: float
    naive: float
    cost: str
    detail: dict[str, float | int | str] = field(default_factory=dict)


def feature_points(policy: Policy, name: str) -> FeaturePoints:
    """The points of feature ``name``; a policy without them cannot be red-teamed."""
    if policy.points is None or name not in policy.points.features:
        raise PolicyError(
            "policy cannot be red-teamed",
            [
                FieldError(
                    f"points.features.{name}",
                    "required",
                    f"the simulator needs points for {name!r}",
                )
            ],
        )
    return policy.points.features[name]


def points(fp: FeaturePoints, value: float | None) -> int:
    """Points of one feature value (the engine's single lookup path)."""
    return fp.bin_of(value)[1]
