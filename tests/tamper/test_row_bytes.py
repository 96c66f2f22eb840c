"""The scores' bulk path hashes the same bytes as the row-by-row path, byte for byte.

A batch of stored scores has its rows' canonical bytes built column-wise (polars); the
digest the chain vouches for is later recomputed row by row (``json.dumps``) by the
verifier, so any difference would make an untouched ledger fail its audit.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.store._coverage import _row_bytes, _sum, _sum_encoded, frame_row_bytes

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from(['"', "\\", "\n", "\t", "\x00", "\x7f", "é", "\u2028", "😀"]),
    ),
    max_size=30,
)
_ROW = st.tuples(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    _TEXT,
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.one_of(st.none(), _TEXT),
)
_SCHEMA = {"a": pl.Int64, "b": pl.String, "c": pl.Int32, "d": pl.String}


@settings(max_examples=200, deadline=None)
@given(st.lists(_ROW, max_size=20))
def test_frame_bytes_equal_json_dumps_for_any_ints_and_strings(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    assert frame_row_bytes("scores", frame) == [_row_bytes("scores", r) for r in rows]


def test_printable_ascii_with_quotes_and_backslashes_takes_the_column_path() -> None:
    rows = [(1, 'a "quoted" \\ back', 2, '{"f":{"x":[1.5,-3]}}'), (2, "", 0, "plain")]
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    got = frame_row_bytes("scores", frame)
    assert got[0] == b'["scores",1,"a \\"quoted\\" \\\\ back",2,"{\\"f\\":{\\"x\\":[1.5,-3]}}"]'
    assert got == [_row_bytes("scores", r) for r in rows]


def test_other_column_types_fall_back_to_the_row_path() -> None:
    frame = pl.DataFrame({"a": [1.5, 2.0], "b": [True, False]})
    assert frame_row_bytes("scores", frame) == [_row_bytes("scores", r) for r in frame.rows()]


def test_the_encoded_sum_is_the_row_sum() -> None:
    rows = [(i, f"s{i}", i * 7, "d\u00e9tail" if i % 3 == 0 else "detail") for i in range(50)]
    frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    by_row, n = _sum("scores", rows)
    by_frame, m = _sum_encoded((b, ()) for b in frame_row_bytes("scores", frame))
    assert n == m == 50
    assert (by_row == by_frame).all()
