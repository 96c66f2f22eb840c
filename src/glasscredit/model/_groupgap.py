"""The group-gap contrast: how the fair fit's penalty reads protected groups.

The penalty (:func:`glasscredit.model._additive.fit_additive`'s ``gap``) shrinks the gap
between each protected group's mean log-odds and everyone's. The groups reach the solver
only as this contrast (one row per group, one column per training row: the row's weight
in its group's mean less its weight in the overall mean), built at fit time and dropped
with it: they are never a feature, never stored on the model, never an input to a score.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.model._fairness import group_labels

__all__ = ["MAX_CONTRAST_CELLS", "as_groups", "group_contrast"]

FloatArray = npt.NDArray[np.float64]
#: the contrast is dense (steered groups x rows, 8 bytes a cell): 512 MiB at most
MAX_CONTRAST_CELLS = 2**26


def as_groups(groups: Any, n: int) -> dict[str, npt.NDArray[Any]]:
    """The protected groups as ``{attribute: one value per row}``: a mapping, a pandas or
    polars frame (one attribute per column), or one sequence (the attribute ``group``).
    Anything else, or a length other than the rows', is refused naming the attribute."""
    if hasattr(groups, "columns") and hasattr(groups, "__getitem__"):
        groups = {str(c): groups[c] for c in groups.columns}
    elif not isinstance(groups, Mapping):
        groups = {"group": groups}
    out: dict[str, npt.NDArray[Any]] = {}
    for name, values in groups.items():
        try:
            col = np.asarray(values, dtype=object)
        except (TypeError, ValueError) as e:
            raise ValidationError(
                [FieldError(f"groups.{name}", "values", f"not a column of values ({e})")]
            ) from e
        if col.ndim != 1 or col.shape[0] != n:
            raise ValidationError(
                [
                    FieldError(
                        f"groups.{name}",
                        "length",
                        f"needs one value per training row ({n}), got shape {col.shape}",
                    )
                ]
            )
        out[str(name)] = col
    if not out:
        raise ValidationError([FieldError("groups", "at_least_one", "name at least one group")])
    return out


def group_contrast(
    groups: Mapping[str, npt.NDArray[Any]], n: int, w: FloatArray | None, min_size: float
) -> tuple[FloatArray, dict[str, float]]:
    """One contrast row per group of at least ``min_size`` (weighted) rows, per attribute,
    and the groups steered by (``attribute=value``: weighted rows), for the record.
    ``groups`` as :func:`as_groups` returns them. The groups are the audit's
    (:func:`~glasscredit.model._fairness.group_labels`: a numeric attribute with many
    values is cut into quartile bands, missing values are the ``missing`` group), so the
    penalty steers what the audit compares. More than :data:`MAX_CONTRAST_CELLS` cells
    (steered groups times rows) are refused rather than allocated.

    A group under the floor gets no row of its own (its mean is too noisy to steer by, as
    the audit never compares it), but its rows still count in everyone's mean: when one
    group of an attribute is over the floor and the rest are under it, that group is
    steered against everyone, which is a weak pull on the small groups' gap. An attribute
    with a single group has nothing to compare and is left out. Missing values are a
    group of their own, as in the audit."""
    weights = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    total = float(weights.sum())
    rows: list[FloatArray] = []
    steered: dict[str, float] = {}
    for attr, col in groups.items():
        names, codes = np.unique(group_labels(col, attr).astype(str), return_inverse=True)
        sizes = np.bincount(codes, weights=weights, minlength=names.size)
        big = np.flatnonzero(sizes >= min_size)
        if names.size < 2 or big.size == 0:
            continue
        if (len(rows) + big.size) * n > MAX_CONTRAST_CELLS:
            raise ValidationError(
                [
                    FieldError(
                        f"groups.{attr}",
                        "contrast_size",
                        f"{len(rows) + big.size} groups over the floor of {min_size:g} rows "
                        f"by {n} rows exceed {MAX_CONTRAST_CELLS} contrast cells: band the "
                        "attribute or raise group_gap_min_size",
                    )
                ]
            )
        for g in big:
            member = codes == g
            rows.append(np.where(member, weights / sizes[g], 0.0) - weights / total)
            steered[f"{attr}={names[g]}"] = round(float(sizes[g]), 6)
    return np.array(rows).reshape(len(rows), n), steered
