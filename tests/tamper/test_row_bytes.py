"""The scores' bulk path hashes the same bytes as the row-by-row path, byte for byte.

A batch of stored scores has its rows' canonical bytes built column-wise (polars); the
digest the chain vouches for is later recomputed row by row (``json.dumps``) by the
verifier, so any difference would make an untouched ledger fail its audit.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from glasscredit.store import Ledger, _coverage
from glasscredit.store._coverage import (
    StateTracker,
    _row_bytes,
    _sum,
    _sum_encoded,
    frame_row_bytes,
)
from glasscredit.store._tables import scores
from tests.conftest import NOW_US
from tests.tamper._scenario import build

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


def _frame_path(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every score write takes the column-wise, threaded path; the sizes it hashed."""
    sizes: list[int] = []
    real = _coverage._summed

    def counted(items: list[tuple[bytes, tuple[Any, ...]]]) -> Any:
        sizes.append(len(items))
        return real(items)

    monkeypatch.setattr(_coverage, "FRAME_MIN_ROWS", 1)
    monkeypatch.setattr(_coverage, "_summed", counted)
    return sizes


def test_scores_stored_by_the_frame_path_verify_and_an_edit_is_located(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _frame_path(monkeypatch)
    build(ledger)  # rescores, disputes, snapshots, an erasure: asserts the chain verifies
    assert sizes and all(n > 0 for n in sizes)
    with ledger.engine.begin() as conn:
        sid = conn.execute(text("SELECT max(score_id) FROM scores")).scalar_one()
        conn.execute(text(f"UPDATE scores SET score = score + 1 WHERE score_id = {sid}"))
    rep = ledger.verify_audit()
    assert not rep.ok and rep.table == "scores", rep.problem
    assert rep.row == f"score_id={sid}", rep.problem


def test_a_frame_added_row_counted_in_again_is_hashed_as_it_ends(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """add_frame, then the same row updated and counted in again with add(): the digest
    holds the row as committed, not both versions (the thread's sum is not used)."""
    build(ledger)
    sizes = _frame_path(monkeypatch)
    with ledger.scores.writing() as tx:
        first = tx.next_score_id()
        frame = pl.DataFrame(
            {
                "score_id": [first, first + 1],
                "subject": ["s1", "s2"],
                "as_of_us": [NOW_US] * 2,
                "computed_at_us": [NOW_US] * 2,
                "score": [700, 650],
                "tier": ["good", "fair"],
                "policy_hash": ["p" * 64] * 2,
                "model_hash": ["m" * 64] * 2,
                "inputs_digest": ["d" * 64] * 2,
                "detail": ['{"f":{}}', '{"f":{"x":[1.5,2]}}'],
                "last_seq": [1, 1],
                "last_score_id": [first, first + 1],
            }
        )
        tx.append(frame)
        conn = tx.tracker.conn
        conn.execute(text(f"UPDATE scores SET tier = 'very_good' WHERE score_id = {first}"))
        tx.tracker.add(scores, scores.c.score_id == first)
    assert sizes == [2]
    assert ledger.verify_audit().ok


def test_a_frame_in_another_column_order_is_refused(ledger: Ledger) -> None:
    with ledger.engine.connect() as conn:
        tracker = StateTracker(conn)
        frame = pl.DataFrame({"subject": ["s1"], "score_id": [1]})
        with pytest.raises(ValueError, match="columns must be"):
            tracker.add_frame(scores, frame)
