"""The scoring cursor's marks: each subject's newest event seq, in or out of order."""

from __future__ import annotations

import polars as pl

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
    # two segments: a subject's events in both, so its rows are not one run
    events = pl.concat(
        [
            pl.DataFrame({"subject": ["a", "b", "c"], "seq": [1, 2, 3]}),
            pl.DataFrame({"subject": ["a", "c"], "seq": [7, 8]}),
        ]
    )
    assert dict(last_seqs(events).iter_rows()) == {"a": 7, "b": 2, "c": 8}


def test_many_chunks_in_order_agree_with_group_by() -> None:
    subjects = [f"s{i:05d}" for i in range(3_000) for _ in range(i % 7 + 1)]
    seqs = [(i * 7_919) % 100_003 for i in range(len(subjects))]
    whole = pl.DataFrame({"subject": subjects, "seq": seqs}, schema_overrides={"seq": pl.Int64})
    chunked = pl.concat([whole.slice(i, 997) for i in range(0, whole.height, 997)], rechunk=False)
    assert chunked.get_column("subject").n_chunks() > 1
    assert dict(last_seqs(chunked).iter_rows()) == _grouped(whole)


def test_no_events_no_marks() -> None:
    empty = pl.DataFrame(schema={"subject": pl.String, "seq": pl.Int64})
    got = last_seqs(empty)
    assert got.height == 0 and got.columns == ["subject", "last_seq"]
