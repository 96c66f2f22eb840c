"""From bins and per-bin log-odds to the engine's points table, and back to scores.

The scorer reads only the :class:`PointsTable` and its one lookup
(:meth:`PointsTable.points`, :meth:`FeaturePoints.slots`), so a table loaded from JSON
scores exactly as the estimator that fitted it and as the engine and the explanation do;
the slot layout is the fit's (:mod:`glasscredit.model._binning`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from glasscredit.exceptions import FieldError, ModelError, ValidationError
from glasscredit.model._binning import Bins
from glasscredit.model._frame import as_frame, numeric_column, text_column
from glasscredit.policy._points import (
    MISSING_BIN,
    OTHER_BIN,
    FeaturePoints,
    PointsTable,
    SpecialBin,
)

__all__ = [
    "bins_of",
    "check_columns",
    "explain_rows",
    "feature_column",
    "feature_points",
    "score_table",
    "table_points",
]

IntArray = npt.NDArray[np.int64]
PARALLEL_ROWS = 100_000  # below this, threads cost more than they save


def feature_points(bins: Bins, points: list[int], empty: list[bool]) -> tuple[FeaturePoints, Bins]:
    """The table entry of one feature, with adjacent equal-points bins merged.

    ``empty`` marks slots with no training rows: a missing, special or other slot never
    seen at fit gets the feature's least favourable points (conservative), never a
    neutral guess. Merging two adjacent numeric bins whose integer points are equal does
    not change any score and shortens the table.
    """
    k = bins.n_regular
    regular = points[:k]
    worst = min(regular) if regular else 0
    missing = worst if empty[bins.missing_slot] else points[bins.missing_slot]
    if bins.kind == "categorical":
        fp = FeaturePoints(
            kind="categorical",
            groups=[list(g) for g in bins.groups],
            points=regular,
            missing=missing,
            other=min(worst, missing),
        )
        return fp, bins
    edges: list[float] = []
    merged = [regular[0]]
    for e, p in zip(bins.edges, regular[1:], strict=True):
        if p != merged[-1]:
            edges.append(e)
            merged.append(p)
    specials = [
        SpecialBin(
            values=[v],
            points=worst if empty[k + 1 + j] else points[k + 1 + j],
            label=f"special {v:g}",
        )
        for j, v in enumerate(bins.specials)
    ]
    fp = FeaturePoints(
        kind="numeric", edges=edges, points=merged, missing=missing, specials=specials
    )
    return fp, bins_of(bins.name, fp)


def bins_of(name: str, fp: FeaturePoints) -> Bins:
    """The slot layout of a table entry (specials flattened in their listed order)."""
    if fp.kind == "categorical":
        return Bins(name=name, kind="categorical", groups=tuple(tuple(g) for g in fp.groups))
    values = tuple(v for sp in fp.specials for v in sp.values)
    return Bins(name=name, kind="numeric", edges=tuple(fp.edges), specials=values)


def feature_column(fp: FeaturePoints, frame: pl.DataFrame, name: str) -> Any:
    s = frame.get_column(name)
    if fp.kind == "categorical":
        return text_column(s)
    if not (s.dtype.is_numeric() or s.dtype in (pl.Boolean, pl.Null)):
        raise ModelError(
            f"{name}: the model bins this feature as numeric but the column holds "
            f"{s.dtype} [numeric_column]"
        )
    return numeric_column(s)


def check_columns(table: PointsTable, frame: pl.DataFrame) -> None:
    """Refuse a frame that lacks a model feature: scoring it as missing would be silent."""
    absent = [n for n in table.features if n not in frame.columns]
    if absent:
        raise ValidationError(
            [
                FieldError(
                    n,
                    "model_feature_present",
                    "the model needs this column; pass it (nulls score the missing bin)",
                )
                for n in absent
            ]
        )


def table_points(
    table: PointsTable, X: Any, threads: int | None = None
) -> tuple[IntArray, dict[str, IntArray]]:
    """Total score and points per feature of every row (columns the table lacks are ignored).

    The model's input adapter around :meth:`PointsTable.points`: any table-like ``X``,
    every model feature required, each column read as the feature's kind. Features are
    looked up in parallel threads on large frames; ``threads=1`` forces one thread.
    """
    frame = X if isinstance(X, pl.DataFrame) else as_frame(X)[0]
    check_columns(table, frame)
    columns = {name: feature_column(fp, frame, name) for name, fp in table.features.items()}
    workers = threads or (min(4, os.cpu_count() or 1) if frame.height >= PARALLEL_ROWS else 1)
    return table.points(columns, frame.height, threads=workers)


def score_table(table: PointsTable, X: Any) -> IntArray:
    """Integer scores of every row of ``X`` (the vectorised twin of ``score_row``)."""
    return table_points(table, X)[0]


def explain_rows(table: PointsTable, X: Any) -> list[dict[str, Any]]:
    """Per row: score and each feature's bin, points and flags, from the one lookup.

    Flags: ``missing`` (the value was absent), ``unseen_category`` (a category the fit never
    saw, scored with the conservative *other* points).
    """
    frame = X if isinstance(X, pl.DataFrame) else as_frame(X)[0]
    check_columns(table, frame)
    per_feature = []
    for name, fp in table.features.items():
        slots = fp.slots(feature_column(fp, frame, name)).tolist()
        labels = {k: fp.slot_label(k) for k in set(slots)}
        pts = fp.slot_points()
        values = frame.get_column(name).to_list()
        if fp.kind == "categorical":
            values = [str(v) if isinstance(v, bool) else v for v in values]
        per_feature.append((name, slots, labels, pts, values))
    out: list[dict[str, Any]] = []
    for r in range(frame.height):
        items = []
        for name, slots, labels, pts, values in per_feature:
            label = labels[slots[r]]
            flags = []
            if label == MISSING_BIN:
                flags.append("missing")
            if label == OTHER_BIN:
                flags.append("unseen_category")
            items.append(
                {
                    "feature": name,
                    "value": values[r],
                    "bin": label,
                    "points": int(pts[slots[r]]),
                    "flags": flags,
                }
            )
        score = table.base + sum(int(i["points"]) for i in items)
        out.append({"score": score, "base": table.base, "features": items})
    return out
