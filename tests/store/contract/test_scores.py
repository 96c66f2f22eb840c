"""ScoreStore and ScoreWriter: scores, the cursor, notices, in one locked transaction."""

from __future__ import annotations

import polars as pl

from glasscredit.store import Ledger
from tests.conftest import FakeClock
from tests.store.contract.conftest import DAY, T0, fill


def _rows(first_id: int, scores: dict[str, int], as_of: int, last_seq: int) -> pl.DataFrame:
    n = len(scores)
    return pl.DataFrame(
        {
            "score_id": list(range(first_id, first_id + n)),
            "subject": list(scores),
            "as_of_us": [as_of] * n,
            "computed_at_us": [as_of] * n,
            "score": list(scores.values()),
            "tier": ["good" if v >= 600 else "fair" for v in scores.values()],
            "policy_hash": ["p" * 64] * n,
            "model_hash": ["m" * 64] * n,
            "inputs_digest": ["d"] * n,
            "detail": [f'{{"f":{{}},"v":{v}}}' for v in scores.values()],
            "last_seq": [last_seq] * n,
            "last_score_id": list(range(first_id, first_id + n)),
        }
    )


def test_append_read_back_and_move_the_cursor(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    assert ledger.scores.stale_subjects() == ["s1", "s2", "s3"]
    with ledger.scores.writing() as tx:
        assert tx.next_score_id() == 1
        assert tx.previous(["s1", "s2"]).height == 0
        tx.append(_rows(1, {"s1": 610, "s2": 580}, T0, last_seq=5))
    assert ledger.scores.stale_subjects() == ["s3"]
    assert ledger.scores.current("s1") == 610 and ledger.scores.current("s3") is None
    with ledger.scores.writing() as tx:
        assert tx.next_score_id() == 3
        prev = tx.previous(["s1", "s2", "s3"]).sort("subject")
        assert prev.select("subject", "prev_score_id", "prev_score", "prev_tier").rows() == [
            ("s1", 1, 610, "good"),
            ("s2", 2, 580, "fair"),
        ]
        assert prev["prev_as_of_us"].to_list() == [T0, T0]
        assert tx.details([1, 2]) == {1: {"f": {}, "v": 610}, 2: {"f": {}, "v": 580}}
        tx.append(_rows(3, {"s1": 590}, T0 + DAY, last_seq=5))
        tx.append_notices(
            [
                {
                    "subject": "s1",
                    "score_id": 3,
                    "prev_score_id": 1,
                    "old_score": 610,
                    "new_score": 590,
                    "old_tier": "good",
                    "new_tier": "fair",
                    "at_us": T0 + DAY,
                    "diff": {"delta": -20, "lines": ["-20: x"]},
                }
            ]
        )
    history = ledger.scores.history("s1")
    assert [(s.score_id, s.score, s.tier) for s in history] == [(1, 610, "good"), (3, 590, "fair")]
    assert history[1].detail == {"f": {}, "v": 590} and history[1].as_of_us == T0 + DAY
    assert ledger.scores.current("s1") == 590  # the cursor moved to the newest
    got = ledger.scores.get(2)
    assert got is not None and got.subject == "s2" and ledger.scores.get(99) is None
    [notice] = ledger.scores.notices("s1")
    assert (notice.score_id, notice.prev_score_id, notice.at_us) == (3, 1, T0 + DAY)
    assert notice.diff == {"delta": -20, "lines": ["-20: x"]}
    assert ledger.scores.notices("s2") == []
    period = ledger.scores.in_period(T0, T0 + DAY)
    assert sorted(period.select("score_id", "subject", "score").rows()) == [
        (1, "s1", 610),
        (2, "s2", 580),
    ]


def test_a_failed_write_leaves_nothing(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    try:
        with ledger.scores.writing() as tx:
            tx.append(_rows(1, {"s1": 610}, T0, last_seq=5))
            raise RuntimeError("the computation failed mid-way")
    except RuntimeError:
        pass
    assert ledger.scores.history("s1") == [] and ledger.scores.current("s1") is None
    assert ledger.scores.stale_subjects() == ["s1", "s2", "s3"]


def test_what_changed_since_the_last_score(ledger: Ledger, clock: FakeClock) -> None:
    """The queries ``score --changed`` is built on: who was scored when and under what,
    exclusions since, moving the cursor without a score, and a change never stamped at
    a stored score's instant."""
    fill(ledger, clock)
    with ledger.scores.writing() as tx:
        tx.append(_rows(1, {"s1": 610, "s2": 580}, T0, last_seq=5))
    with ledger.scores.writing() as tx:
        tx.append(_rows(3, {"s3": 600}, T0 + DAY, last_seq=4))
    assert sorted(ledger.scores.last_scored_times()) == [(T0, T0), (T0 + DAY, T0 + DAY)]
    last = ledger.scores.last_scored_of(["s3", "s1", "nobody"]).sort("subject")
    assert last.select("subject", "as_of_us", "computed_at_us").rows() == [
        ("s1", T0, T0),
        ("s3", T0 + DAY, T0 + DAY),
    ]
    assert last["detail"].to_list() == ['{"f":{},"v":610}', '{"f":{},"v":600}']
    assert ledger.scores.scored_under_other("p" * 64, "m" * 64) == []
    assert ledger.scores.scored_under_other("p" * 64, "n" * 64) == ["s1", "s2", "s3"]
    # a hold of s1's event after its score (T0)
    ledger.holds.hold("burst:x", [("bank", "e1")], T0 + DAY // 2, actor="operator")
    assert ledger.scores.excluded_since_scored(T0 + DAY) == ["s1"]
    assert ledger.scores.excluded_since_scored(T0) == []
    # a hold of s3's event at (or before) its score's instant is stamped just after it
    ledger.holds.hold("burst:y", [("community", "e4")], T0 + DAY // 2, actor="operator")
    ledger.holds.release("burst:x", T0 + DAY, actor="operator")
    got = ledger.exclusions.periods(["e1", "e4"])
    assert got.select("event_id", "from_us", "until_us", "reason", "ref").rows() == [
        ("e1", T0 + DAY // 2, T0 + DAY, "burst_hold", "burst:x"),
        ("e4", T0 + DAY + 1, None, "burst_hold", "burst:y"),
    ]
    assert ledger.scores.excluded_since_scored(T0 + DAY) == ["s1"]
    assert ledger.scores.excluded_since_scored(T0 + 2 * DAY) == ["s1", "s3"]
    with ledger.scores.writing() as tx:
        tx.advance(pl.DataFrame({"subject": ["s1"], "last_seq": [9]}))
        prev = tx.previous(["s1"])
    assert prev["prev_score_id"].to_list() == [1]  # the same score, the cursor moved on
    assert prev.select("prev_policy_hash", "prev_model_hash", "prev_inputs_digest").row(0) == (
        "p" * 64,
        "m" * 64,
        "d",
    )
