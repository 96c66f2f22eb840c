"""The single-subject fast path: same features, provenance and digest as batch."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from glasscredit.exceptions import NotFoundError
from glasscredit.features import id_hash_sums
from glasscredit.policy import Policy, parse_timestamp
from glasscredit.scoring import Scorer, rescore, verify_score
from glasscredit.scoring._batch_rows import detail_column
from glasscredit.scoring._history import score_history
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

AS_OF = "2026-09-01T00:00:00Z"


def _events() -> list[dict[str, object]]:
    # three on-time payments on one day: the 2-per-day cap keeps 2; one late payment
    return [
        event("p1", occurred_at="2026-05-01T08:00:00Z"),
        event("p2", occurred_at="2026-05-01T09:00:00Z"),
        event("p3", occurred_at="2026-05-01T10:00:00Z"),
        event("late", type_="payment.late", days_late=12, occurred_at="2026-06-01T00:00:00Z"),
        event("other", subject="s2", occurred_at="2026-06-01T00:00:00Z"),
    ]


def test_explain_equals_batch(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(ledger, _events()).check()
    t = parse_timestamp(AS_OF)
    sc = Scorer(ledger)
    exp = sc.explain("s1", t)
    values = {f.name: f.value for f in exp.features}
    # on-time: 3 on 2026-05-01, capped at 2 per day -> 2; late: 1; max days late: 12
    assert values["on_time_payments_24m"] == 2.0
    assert values["late_payments_24m"] == 1.0 and values["max_days_late_24m"] == 12.0
    assert [e["event_id"] for e in exp.provenance["on_time_payments_24m"]] == ["p1", "p2"]
    assert [e["event_id"] for e in exp.provenance["max_days_late_24m"]] == ["late"]
    chunk = sc.score_chunk(["s1", "s2"], t)
    batch = chunk.scored.frame.filter(pl.col("subject") == "s1")
    assert batch["score"][0] == exp.score and batch["tier"][0] == exp.tier
    digest = chunk.digests.filter(pl.col("subject") == "s1")["inputs_digest"][0]
    assert exp.inputs_digest == digest
    # the digest is over every countable event (p3 is over the cap but still countable),
    # no external values: version 3 over the count and hash sums of the events' keys
    n, lo, hi = id_hash_sums([f"bank\x1f{e}" for e in ("late", "p1", "p2", "p3")])
    assert n == 4
    assert exp.inputs_digest == "v3" + hashlib.sha256(f"4:{lo}:{hi}|".encode()).hexdigest()[:62]


def test_stored_batch_score_verifies_through_the_fast_path(
    ledger: Ledger, clock: FakeClock
) -> None:
    clock.set(AS_OF)
    load_history(ledger, _events()).check()
    t = parse_timestamp(AS_OF)
    sc = Scorer(ledger)
    rescore(sc, t, t)
    stored = score_history(sc, "s1")[-1]
    assert verify_score(sc, stored.score_id)["identical"]
    assert stored.inputs_digest == sc.explain("s1", t).inputs_digest


def test_unknown_subject_is_refused(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(ledger, _events()).check()
    with pytest.raises(NotFoundError, match="nobody"):
        Scorer(ledger).explain("nobody", parse_timestamp(AS_OF))


def test_exclusion_takes_the_event_out_of_explain(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(ledger, _events()).check()
    t = parse_timestamp(AS_OF)
    assert ledger.holds.hold("review:1", [("bank", "late")], t - 1, actor="operator") == 1
    exp = Scorer(ledger).explain("s1", t)
    values = {f.name: f.value for f in exp.features}
    # the disputed late payment no longer counts: late 0, max days late missing
    assert values["late_payments_24m"] == 0.0 and values["max_days_late_24m"] is None
    assert exp.provenance["max_days_late_24m"] == []


def test_policy_hash_is_cached_and_a_copy_rehashes(policy: Policy) -> None:
    h = policy.hash
    assert policy.hash is h  # the same string object: computed once
    assert policy.model_copy().hash == h
    assert policy.model_copy(update={"name": "other"}).hash != h


def test_stored_reasons_equal_explain(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(ledger, _events()).check()
    t = parse_timestamp(AS_OF)
    sc = Scorer(ledger)
    rescore(sc, t, t)
    for subject in ("s1", "s2"):
        stored = score_history(sc, subject)[-1]
        exp = sc.explain(subject, t)
        assert stored.detail["r"] == [r.code for r in exp.reasons]
        assert stored.detail["f"] == {f.name: [f.value, f.points] for f in exp.features}
    # s1 by hand: identity missing -10 of max 45 and tenure missing -10 of max 45 are
    # 55 below each, the largest shortfalls; declaration order puts identity (GC09) first
    assert score_history(sc, "s1")[-1].detail["r"][:2] == ["GC09", "GC11"]


def test_detail_text_is_json_dumps() -> None:
    import json

    frame = pl.DataFrame(
        {
            "a": [0.1, 1 / 3, None],
            "b": [1e20, 12.0, -0.0],
            "p:a": [5, -3, 0],
            "p:b": [0, 1, 2],
            "d:x": [5, -2, 2],
        }
    )
    reasons = pl.Series(["", '"GC01"', '"GC02","GC01"'])
    got = detail_column(frame, ["a", "b"], ["x"], reasons).to_list()
    want = [
        {"f": {"a": [0.1, 5], "b": [1e20, 0]}, "d": {"x": 5}, "r": []},
        {"f": {"a": [1 / 3, -3], "b": [12.0, 1]}, "d": {"x": -2}, "r": ["GC01"]},
        {"f": {"a": [None, 0], "b": [-0.0, 2]}, "d": {"x": 2}, "r": ["GC02", "GC01"]},
    ]
    assert [json.loads(g) for g in got] == want
    with pytest.raises(ValueError, match="'a': NaN"):
        detail_column(
            frame.with_columns(pl.lit(float("nan")).alias("a")), ["a", "b"], ["x"], reasons
        )
