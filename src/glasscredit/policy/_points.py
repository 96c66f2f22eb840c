"""The points table: the audited artifact that turns feature values into points.

A numeric feature is cut by ascending ``edges`` into ``len(edges) + 1`` right-open bins
``(-inf, e0), [e0, e1), ..., [e_k, +inf)``; a categorical feature maps groups of
categories to points, with an ``other`` bin for categories never seen. Every feature
has a ``missing`` bin, and optional ``specials`` (sentinel values such as -999 that mean
"not applicable"). The same lookup (:meth:`FeaturePoints.bin_of`) serves the engine, the
learned scorecard, the SQL export and the offline verifier, so special and missing values
are treated identically everywhere.

Points are integers: the score is an exact sum, so an explanation is exact.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["MISSING_BIN", "OTHER_BIN", "FeaturePoints", "PointsTable", "SpecialBin"]

MISSING_BIN = "missing"
OTHER_BIN = "other"


class SpecialBin(BaseModel):
    """Sentinel values with their own points, matched before the numeric bins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: list[float] = Field(min_length=1)
    points: int
    label: str | None = None


class FeaturePoints(BaseModel):
    """Bins and points of one feature."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["numeric", "categorical"] = "numeric"
    edges: list[float] = Field(default_factory=list)
    groups: list[list[str]] = Field(default_factory=list)
    points: list[int]
    missing: int = 0
    other: int | None = None
    specials: list[SpecialBin] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_shape(self) -> FeaturePoints:
        if self.kind == "numeric":
            if self.groups:
                raise ValueError("groups: only categorical features have groups [numeric_bins]")
            if any(not math.isfinite(e) for e in self.edges):
                raise ValueError("edges: every edge must be a finite number [finite_edges]")
            if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
                raise ValueError("edges: must be strictly ascending [ascending_edges]")
            if len(self.points) != len(self.edges) + 1:
                raise ValueError(
                    f"points: a numeric feature with {len(self.edges)} edges needs "
                    f"{len(self.edges) + 1} points, got {len(self.points)} [bin_count]"
                )
        else:
            if self.edges or self.specials:
                raise ValueError("edges: categorical features have groups, not edges [cat_bins]")
            if len(self.points) != len(self.groups):
                raise ValueError(
                    f"points: {len(self.groups)} groups need {len(self.groups)} points, "
                    f"got {len(self.points)} [bin_count]"
                )
            seen: set[str] = set()
            for g in self.groups:
                dup = seen.intersection(g)
                if dup:
                    raise ValueError(f"groups: category {sorted(dup)[0]!r} is in two groups")
                seen.update(g)
        return self

    # -- lookup: the single code path for missing/special/other ---------------------
    def bin_of(self, value: float | str | None) -> tuple[str, int]:
        """Return (bin label, points) for a value; one code path for every consumer."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return MISSING_BIN, self.missing
        if self.kind == "categorical":
            key = str(value)
            for i, g in enumerate(self.groups):
                if key in g:
                    return self.group_label(i), self.points[i]
            return OTHER_BIN, self.other_points
        x = float(value)
        for sp in self.specials:
            if x in sp.values:
                return sp.label or f"special {x:g}", sp.points
        if not math.isfinite(x):
            # +inf / -inf fall in the outer bins, never silently into missing.
            i = 0 if x < 0 else len(self.edges)
        else:
            i = _bisect_right(self.edges, x)
        return self.bin_label(i), self.points[i]

    @property
    def other_points(self) -> int:
        """Points for an unseen category: declared, else the least favourable (conservative)."""
        return self.other if self.other is not None else min(self.points, default=0)

    def bin_label(self, i: int) -> str:
        lo = "-inf" if i == 0 else f"{self.edges[i - 1]:g}"
        hi = "inf" if i == len(self.edges) else f"{self.edges[i]:g}"
        return f"[{lo}, {hi})"

    def group_label(self, i: int) -> str:
        return "{" + ", ".join(self.groups[i]) + "}"

    def all_points(self) -> list[int]:
        """Every value this feature can contribute (bins, missing, specials, other)."""
        pts = [*self.points, self.missing, *(s.points for s in self.specials)]
        if self.kind == "categorical":
            pts.append(self.other_points)
        return pts

    @property
    def max_points(self) -> int:
        return max(self.all_points())

    @property
    def min_points(self) -> int:
        return min(self.all_points())


def _bisect_right(edges: list[float], x: float) -> int:
    lo, hi = 0, len(edges)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < edges[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


class PointsTable(BaseModel):
    """Base points plus one :class:`FeaturePoints` per feature.

    ``scaling`` records how a learned table was scaled (offset, factor, PDO, base odds)
    and is informational; the engine only adds integers.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int
    features: dict[str, FeaturePoints]
    scaling: dict[str, float] | None = None
    source: Annotated[str, Field(description="'policy' (hand-made) or a model id")] = "policy"

    @property
    def max_total(self) -> int:
        return self.base + sum(f.max_points for f in self.features.values())

    @property
    def min_total(self) -> int:
        return self.base + sum(f.min_points for f in self.features.values())

    def score_row(self, values: dict[str, float | str | None]) -> int:
        """Base plus points of each feature; a missing key scores the missing bin."""
        return self.base + sum(fp.bin_of(values.get(name))[1] for name, fp in self.features.items())
