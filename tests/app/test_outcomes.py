"""Which outcome is bad: inferred only where the two values admit one reading."""

from __future__ import annotations

import polars as pl
import pytest

from glasscredit.app import bad_value_of
from glasscredit.app._outcomes import bad_vector
from glasscredit.exceptions import ValidationError


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        ({"0", "1"}, "1"),
        ({"false", "true"}, "true"),
        ({"False", "True"}, "True"),
        ({"No", "Yes"}, "Yes"),
        ({"good", "bad"}, "bad"),
    ],
)
def test_conventional_pairs_are_inferred(values: set[str], bad: str) -> None:
    assert bad_value_of(values, "y", None) == bad


@pytest.mark.parametrize(
    "values",
    [{"1", "2"}, {"bad", "good", "unknown"}, {"1"}, {"approved", "declined"}, {"0", "yes"}],
)
def test_anything_else_is_ambiguous_and_names_the_values(values: set[str]) -> None:
    with pytest.raises(ValidationError) as err:
        bad_value_of(values, "outcome", None)
    e = err.value.errors[0]
    assert (e.field, e.rule) == ("outcome", "bad_value")
    assert all(v in e.message for v in values) and "--bad" in e.message


def test_a_named_bad_value_must_occur() -> None:
    # the German credit coding 1 = good, 2 = bad: naming it is what makes it unambiguous
    assert bad_value_of({"1", "2"}, "y", "2") == "2"
    with pytest.raises(ValidationError) as err:
        bad_value_of({"good", "bad"}, "y", "Bad")
    assert err.value.errors[0].rule == "bad_value_present"
    with pytest.raises(ValidationError) as err:
        bad_value_of({"bad"}, "y", "bad")
    assert err.value.errors[0].rule == "two_outcomes"


def test_bad_vector_marks_the_bad_rows_and_refuses_missing_outcomes() -> None:
    frame = pl.DataFrame({"y": [0, 1, 1, 0], "b": [True, False, True, True]})
    assert bad_vector(frame, "y", None).tolist() == [0, 1, 1, 0]
    assert bad_vector(frame, "b", None).tolist() == [1, 0, 1, 1]
    with pytest.raises(ValidationError) as err:
        bad_vector(frame, "nope", None)
    assert err.value.errors[0].rule == "target_present"
    with pytest.raises(ValidationError) as err:
        bad_vector(pl.DataFrame({"y": [0, None, 1]}), "y", None)
    assert err.value.errors[0].rule == "no_missing_target"
