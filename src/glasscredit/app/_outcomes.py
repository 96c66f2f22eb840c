"""Which value of an outcome column means "bad" (default): a rule, not a guess.

A model trained with the good and bad outcomes swapped scores everyone backwards, and
nothing downstream would notice. So the bad value is inferred only where the column's
two values admit one reading (``0/1``, ``false/true``, ``no/yes``, ``good/bad``);
anything else (``1/2`` as in the original German credit coding, three values, a name
not present) is refused with the values found, asking for ``bad`` to be named.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["CONVENTIONAL_OUTCOMES", "bad_value_of", "bad_vector"]

# the two values of a conventional outcome column, (good, bad), compared case-insensitively
CONVENTIONAL_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("0", "1"),
    ("false", "true"),
    ("no", "yes"),
    ("good", "bad"),
)


def bad_value_of(values: set[str], target: str, bad: str | None) -> str:
    """The bad value among ``values`` (the column's distinct values as text).

    ``bad`` given: it must be one of the values. Not given: the values must be one of the
    :data:`CONVENTIONAL_OUTCOMES` pairs; otherwise the outcome is ambiguous.
    """
    shown = sorted(values)[:6]
    if bad is not None:
        if bad not in values:
            raise ValidationError(
                [
                    FieldError(
                        target,
                        "bad_value_present",
                        f"the bad value {bad!r} does not occur (values: {shown})",
                    )
                ]
            )
        if len(values) < 2:
            raise ValidationError(
                [FieldError(target, "two_outcomes", f"only one outcome occurs: {shown}")]
            )
        return bad
    lowered = {v.lower(): v for v in values}
    for good_name, bad_name in CONVENTIONAL_OUTCOMES:
        if len(values) == 2 and set(lowered) == {good_name, bad_name}:
            return lowered[bad_name]
    raise ValidationError(
        [
            FieldError(
                target,
                "bad_value",
                f"which outcome is bad is ambiguous (values: {shown}); name it with bad "
                "(--bad); it is inferred only for 0/1, false/true, no/yes, good/bad",
            )
        ]
    )


def bad_vector(frame: pl.DataFrame, target: str, bad: str | None) -> np.ndarray[Any, Any]:
    """1 where the outcome is bad, 0 elsewhere; no missing outcome allowed."""
    if target not in frame.columns:
        raise ValidationError([FieldError(target, "target_present", "no such column")])
    s = frame.get_column(target)
    if s.null_count():
        raise ValidationError(
            [FieldError(target, "no_missing_target", f"{s.null_count()} rows have no outcome")]
        )
    text = s.cast(pl.Utf8)
    chosen = bad_value_of({str(v) for v in text.unique().to_list()}, target, bad)
    return (text == chosen).to_numpy().astype(np.int64)
