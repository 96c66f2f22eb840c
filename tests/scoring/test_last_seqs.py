"""The scoring cursor's marks: each subject's newest event seq, in or out of order."""

from __future__ import annotations

from itertools import pairwise

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.scoring._engine import last_seqs


def _grouped(events: pl.DataFrame) -> dict[str, int]:
    got = events.group_by("subject").agg(pl.col("seq").max())
    return dict(got.iter_rows())


def test_subjects_in_order_give_each_newest_seq() -> None:
    # a range scan of one mirror segment: subjects in order, seqs in occurred order
    events = pl.DataFrame(
        {"subject": ["a", "a", "a", "b", "c", "c"], "seq": [5, 9, 3, 4, 12, 2]},
        schema={"subject": pl.String, "seq": pl.Int64},
    )
    got = last_seqs(events)
    assert got.schema == pl.Schema({"subject": pl.String, "last_seq": pl.Int64})
    assert got.rows() == [("a", 9), ("b", 4), ("c", 12)]


def test_subjects_out_of_order_give_the_same_marks() -> None:
    # no two neighbours share a subject: grouped as they are
    events = pl.DataFrame({"subject": ["b", "a", "c", "a", "c"], "seq": [2, 1, 3, 7, 8]})
    assert dict(last_seqs(events).iter_rows()) == {"a": 7, "b": 2, "c": 8}


def test_several_segments_give_each_subject_once() -> None:
    # two mirror segments, each in subject order: a and c have a run in both
    first = pl.DataFrame(
        {"subject": ["a"] * 3 + ["b"] * 3 + ["c"] * 3, "seq": [4, 1, 9, 2, 3, 5, 6, 8, 7]}
    )
    second = pl.DataFrame({"subject": ["a"] * 3 + ["c"] * 3, "seq": [10, 12, 11, 13, 15, 14]})
    got = last_seqs(pl.concat([first, second], rechunk=False))
    assert got.height == 3
    assert dict(got.iter_rows()) == {"a": 12, "b": 5, "c": 15}


def test_many_chunks_in_order_agree_with_group_by() -> None:
    subjects = [f"s{i:05d}" for i in range(3_000) for _ in range(i % 7 + 1)]
    seqs = [(i * 7_919) % 100_003 for i in range(len(subjects))]
    whole = pl.DataFrame({"subject": subjects, "seq": seqs}, schema_overrides={"seq": pl.Int64})
    chunked = pl.concat([whole.slice(i, 997) for i in range(0, whole.height, 997)], rechunk=False)
    assert chunked.get_column("subject").n_chunks() > 1
    assert dict(last_seqs(chunked).iter_rows()) == _grouped(whole)


def test_one_event() -> None:
    got = last_seqs(pl.DataFrame({"subject": ["a"], "seq": [3]}))
    assert got.rows() == [("a", 3)]


def test_no_events_no_marks() -> None:
    empty = pl.DataFrame(schema={"subject": pl.String, "seq": pl.Int64})
    got = last_seqs(empty)
    assert got.height == 0 and got.columns == ["subject", "last_seq"]


_EVENTS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", "é", ""]), st.integers(0, 2**62)),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_EVENTS, st.lists(st.integers(1, 60), max_size=5), st.booleans())
def test_any_order_and_any_segments_agree_with_group_by(
    rows: list[tuple[str, int]], cuts: list[int], in_segments: bool
) -> None:
    """A mark too high would leave a subject's new events unscored by ``--changed``, one
    too low would rescore it for nothing: whatever the order, the chunking, and however
    the mirror's segments split the events (each in subject order), each subject's mark
    is its newest seq and it appears once."""
    bounds = sorted({0, len(rows), *(c for c in cuts if c < len(rows))})
    parts = [rows[lo:hi] for lo, hi in pairwise(bounds)]
    if in_segments:  # each segment sorted by subject, as a mirror segment's range scan
        parts = [sorted(p, key=lambda r: r[0]) for p in parts]
    schema = {"subject": pl.String, "seq": pl.Int64}
    frames = [pl.DataFrame(p, schema=schema, orient="row") for p in parts if p]
    events = pl.concat(frames, rechunk=False) if frames else pl.DataFrame(schema=schema)
    got = last_seqs(events)
    assert got.get_column("subject").is_unique().all()
    assert dict(got.iter_rows()) == (_grouped(events) if events.height else {})
