"""Score rows for a whole chunk, built column-wise: detail JSON and reason codes.

Storing 1,000,000 scores one Python dict at a time took longer than computing them. The
stored ``detail`` (``{"f": {feature: [value, points]}, "d": {dimension: points},
"r": [reason codes]}``) is assembled here as polars string columns, and the reason
codes are ranked with numpy exactly as :func:`~glasscredit.scoring._explain.explain_row`
ranks them: most points below the feature's maximum first, ties in policy order, only
features below their maximum, at most ``policy.reason_codes``; a feature's ``code`` or
``GC`` and its position.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from glasscredit.policy import PointsTable, Policy

__all__ = ["detail_column", "reason_codes"]


def reason_codes(policy: Policy, table: PointsTable, scored: pl.DataFrame) -> pl.Series:
    """Per row of ``scored`` (with ``p:<feature>`` columns): its reason codes as the
    inside of a JSON list (``"GC13","GC07"``), in rank order."""
    code = {f.name: f.code or f"GC{i + 1:02d}" for i, f in enumerate(policy.features)}
    names = [f.name for f in policy.features if f.name in table.features]
    if not names or scored.height == 0:
        return pl.Series("_r", [""] * scored.height, dtype=pl.String)
    pts = np.column_stack([scored[f"p:{n}"].to_numpy() for n in names]).astype(np.int64)
    top = np.array([table.features[n].max_points for n in names], dtype=np.int64)
    below = top[None, :] - pts
    # larger shortfall first; a stable sort keeps ties in policy order (names are)
    rank = np.argsort(-below, axis=1, kind="stable")[:, : policy.reason_codes]
    picked = np.take_along_axis(below, rank, axis=1)
    codes = pl.Series([f'"{code[n]}"' for n in names], dtype=pl.String)
    k = rank.shape[1]
    frame = pl.DataFrame(
        {
            **{f"c{j}": codes.gather(rank[:, j]) for j in range(k)},
            **{f"m{j}": picked[:, j] > 0 for j in range(k)},
        }
    )
    return frame.select(
        pl.concat_str(
            [pl.when(pl.col(f"m{j}")).then(pl.col(f"c{j}")) for j in range(k)],
            separator=",",
            ignore_nulls=True,
        )
        .fill_null("")
        .alias("_r")
    )["_r"]


def _num(col: pl.Expr) -> pl.Expr:
    """A Float64 column as JSON text (``null`` when missing; NaN is refused upstream)."""
    return pl.when(col.is_null()).then(pl.lit("null")).otherwise(col.cast(pl.String))


def detail_column(
    frame: pl.DataFrame, names: list[str], dims: list[str], reasons: pl.Series
) -> pl.Series:
    """The ``detail`` JSON of every row, equal to ``json.dumps`` of the same dict.

    ``frame`` holds the feature values (Float64, by name), ``p:<name>`` and ``d:<dim>``.
    """
    for n in names:
        if frame[n].is_nan().any():
            raise ValueError(f"feature {n!r}: NaN value (rule: features are finite or null)")
    parts: list[pl.Expr] = [pl.lit('{"f":{')]
    for i, n in enumerate(names):
        parts += [
            pl.lit(("," if i else "") + f'"{n}":['),
            _num(pl.col(n)),
            pl.lit(","),
            pl.col(f"p:{n}").cast(pl.String),
            pl.lit("]"),
        ]
    parts.append(pl.lit('},"d":{'))
    for i, d in enumerate(dims):
        parts += [pl.lit(("," if i else "") + f'"{d}":'), pl.col(f"d:{d}").cast(pl.String)]
    parts += [pl.lit('},"r":['), pl.col("_r"), pl.lit("]}")]
    out = frame.with_columns(reasons.alias("_r")).select(pl.concat_str(parts).alias("detail"))
    return out["detail"]
