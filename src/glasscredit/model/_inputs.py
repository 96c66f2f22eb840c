"""The fit's input checks: refused columns, the target, sample weights, constraints.

Each refusal is a :class:`ValidationError` (a ``ValueError``) or a
:class:`ForbiddenDataError` naming the field and the rule. Where scikit-learn's
estimator checks look for their own wording, the message carries it as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from glasscredit.exceptions import FieldError, ForbiddenDataError, ValidationError
from glasscredit.model._binning import Bins
from glasscredit.policy._forbidden import forbidden_category, protected_basis

__all__ = [
    "check_feature_bins",
    "check_monotonic",
    "check_not_empty",
    "class_labels",
    "refuse_forbidden",
    "sample_weights",
]

FloatArray = npt.NDArray[np.float64]


def _refuse(field: str, rule: str, message: str) -> ValidationError:
    return ValidationError([FieldError(field, rule, message)])


def refuse_forbidden(columns: list[str], protected: list[str]) -> None:
    """Refuse special-category, free-text and protected columns as model inputs."""
    errors: list[FieldError] = []
    for c in columns:
        cat = forbidden_category(c)
        if cat is not None:
            errors.append(
                FieldError(
                    c,
                    f"forbidden_category:{cat}",
                    "special-category or free-text data is never a model input",
                )
            )
            continue
        basis = protected_basis(c) or ("declared protected" if c in protected else None)
        if basis is not None:
            errors.append(
                FieldError(
                    c,
                    f"protected_basis:{basis}",
                    "a protected attribute is for the fairness audit only; drop it from the "
                    "training data and pass it to audit(..., protected=...)",
                )
            )
    if errors:
        raise ForbiddenDataError("the fit refuses these columns", errors)


def check_not_empty(X: Any, height: int, width: int) -> None:
    """At least one row and one column."""
    if width and height:
        return
    shape = tuple(getattr(X, "shape", (height, width)))
    what = "0 feature(s)" if width == 0 else "0 sample(s)"
    raise _refuse(
        "X",
        "non_empty",
        f"Found array with {what} (shape={shape}) while a minimum of 1 is required.",
    )


def class_labels(arr: npt.NDArray[Any], n: int) -> npt.NDArray[Any]:
    """The two outcome classes of a target already refused for nulls and infinities."""
    if arr.shape[0] != n:
        raise _refuse("target", "same_length", f"{arr.shape[0]} outcomes for {n} rows")
    if arr.dtype.kind == "f" and np.any(arr != np.round(arr)):
        raise _refuse(
            "target",
            "class_labels",
            "Unknown label type: continuous values; a scorecard predicts one of two outcome "
            "classes",
        )
    classes = np.unique(arr)
    if classes.size < 2:
        raise _refuse(
            "target",
            "two_classes",
            f"a scorecard needs two outcomes, got one class: {classes.tolist()}",
        )
    if classes.size > 2:
        raise _refuse(
            "target",
            "binary_target",
            "Only binary classification is supported. A scorecard needs exactly two outcomes, "
            f"got {classes.size}: {classes[:5].tolist()}",
        )
    return classes


def sample_weights(sample_weight: Any, n: int) -> FloatArray | None:
    """Finite, non-negative weights, one per row, not all zero (None: every row weighs 1)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.ndim != 1 or w.shape[0] != n:
        raise _refuse(
            "sample_weight", "same_length", f"expected {n} weights, one per row, got {w.shape}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise _refuse(
            "sample_weight", "non_negative", "weights must be finite and non-negative numbers"
        )
    if not (w > 0).any():
        raise _refuse(
            "sample_weight",
            "non_zero",
            "Sample weights must contain at least one non-zero number: every weight is zero",
        )
    return w


def check_monotonic(
    monotonic: dict[str, str] | None, columns: list[str], bins: dict[str, Bins]
) -> None:
    """A constraint must name a numeric feature of X: silently ignoring it would lie."""
    errors = []
    for name, trend in (monotonic or {}).items():
        if name not in columns:
            errors.append(
                FieldError(name, "monotonic_feature_present", "the constraint names no column of X")
            )
        elif name in bins and bins[name].kind == "categorical" and trend != "none":
            errors.append(
                FieldError(
                    name,
                    "monotonic_numeric",
                    f"{trend!r} needs an ordered feature; this one is binned as categories",
                )
            )
    if errors:
        raise ValidationError(errors)


def check_feature_bins(
    feature_bins: dict[str, int] | None, columns: list[str], bins: dict[str, Bins]
) -> None:
    """A bin count must name a numeric feature of X, as a constraint must."""
    errors = []
    for name in feature_bins or {}:
        if name not in columns:
            errors.append(FieldError(name, "feature_bins_present", "names no column of X"))
        elif name in bins and bins[name].kind == "categorical":
            errors.append(
                FieldError(name, "feature_bins_numeric", "categories are grouped, not cut")
            )
    if errors:
        raise ValidationError(errors)
