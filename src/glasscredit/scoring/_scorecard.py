"""Points for every subject at once, through the points table's one lookup.

The score is ``base + sum(points)``; the policy loader guarantees the attainable range
lies in 350..950, so nothing is ever clipped and the sum is exact. Each dimension is the
sum of its features' points, and its percent is where that sum lies in the dimension's
attainable range (0 = every feature at its worst bin, 100 = every one at its best).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from glasscredit.features import FeatureFrame
from glasscredit.policy import PointsTable, Policy

__all__ = [
    "DimensionRange",
    "ScoredFrame",
    "dimension_ranges",
    "score_frame",
    "table_in_force",
]


@dataclass(frozen=True, slots=True)
class DimensionRange:
    features: tuple[str, ...]
    min_points: int
    max_points: int

    def percent(self, points: float) -> float:
        span = self.max_points - self.min_points
        return 100.0 if span == 0 else round(100.0 * (points - self.min_points) / span, 1)


@dataclass(frozen=True, slots=True)
class ScoredFrame:
    """Scores of many subjects: subject, score, tier, ``p:<feature>``, ``d:<dimension>``."""

    as_of_us: int
    frame: pl.DataFrame
    features: FeatureFrame


def table_in_force(policy: Policy, table: PointsTable | None = None) -> PointsTable:
    t = table or policy.points
    if t is None:
        raise ValueError("the policy has no points table and none was given")
    return t


def dimension_ranges(policy: Policy, table: PointsTable) -> dict[str, DimensionRange]:
    out: dict[str, DimensionRange] = {}
    for dim in policy.dimensions:
        feats = tuple(
            f.name for f in policy.features if f.dimension == dim and f.name in table.features
        )
        out[dim] = DimensionRange(
            feats,
            sum(table.features[n].min_points for n in feats),
            sum(table.features[n].max_points for n in feats),
        )
    return out


def score_frame(
    features: FeatureFrame, policy: Policy, table: PointsTable | None = None
) -> ScoredFrame:
    """Points, score, dimensions and tier for every row of a feature frame."""
    tbl = table_in_force(policy, table)
    df = features.frame
    columns: dict[str, np.ndarray] = {}
    for name, fp in tbl.features.items():
        if fp.kind != "numeric":
            raise ValueError(f"feature {name!r}: the engine scores numeric features only")
        if name in df.columns:
            columns[name] = df[name].to_numpy(allow_copy=True).astype(np.float64)
    total, parts = tbl.points(columns, df.height)
    cols = {f"p:{name}": p for name, p in parts.items()}
    dims = dimension_ranges(policy, tbl)
    for dim, rng in dims.items():
        cols[f"d:{dim}"] = sum(
            (cols[f"p:{n}"] for n in rng.features), start=np.zeros(df.height, dtype=np.int64)
        )
    tiers = sorted(policy.tiers, key=lambda t: t.min)
    bounds = np.array([t.min for t in tiers[1:]], dtype=np.int64)
    names = np.array([t.name for t in tiers] or [""], dtype=object)
    tier = (
        names[np.searchsorted(bounds, total, side="right")]
        if tiers
        else names[np.zeros(df.height, dtype=np.int64)]
    )
    frame = df.select("subject").with_columns(
        pl.Series("score", total, dtype=pl.Int64),
        pl.Series("tier", tier.tolist(), dtype=pl.String),
        *[pl.Series(k, v, dtype=pl.Int64) for k, v in cols.items()],
    )
    return ScoredFrame(features.as_of_us, frame, features)
