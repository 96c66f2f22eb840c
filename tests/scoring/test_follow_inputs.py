"""Scores follow their inputs: ``score --changed`` rescores exactly the subjects whose
points or inputs digest changed, and each change notice names the cause.

Hand-built cases on a SQLite file and on PostgreSQL. The trust feature's bins are
[0.2, 0.5, 0.8] -> 0, 10, 20, 30 points (missing 0); ``corroborated_reports`` >= 0.5
costs 30 points (default policy).
"""

from __future__ import annotations

from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import open_dispute, resolve_dispute
from glasscredit.scoring import (
    Scorer,
    changed_subjects,
    rescore,
    score_history,
    score_notices,
    verify_score,
)
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

INGEST = "2026-08-31T00:00:00Z"
T0 = parse_timestamp("2026-09-01T00:00:00Z")
T1 = T0 + DAY_US
T2 = T0 + 2 * DAY_US
T3 = T0 + 3 * DAY_US
SUBJECTS = ["s1", "s2", "s3", "s4"]


def _ledger(ledger: Ledger, clock: FakeClock) -> Scorer:
    """Four subjects with the same history (600 points without trust), trust v1 as of
    T0 (0, 10, 20 and 30 points), every subject scored as of T0."""
    clock.set(INGEST)
    load_history(ledger, [e for s in SUBJECTS for e in s1_events(s)]).check()
    trust = {"s1": 0.1, "s2": 0.3, "s3": 0.6, "s4": 0.9}
    ledger.snapshots.append("trust", T0, trust, made_at_us=T0, actor="trust")
    scorer = Scorer(ledger)
    first = rescore(scorer, T0, T0)
    assert first.scores == [600, 610, 620, 630]
    return scorer


def _history_lengths(scorer: Scorer) -> dict[str, int]:
    return {s: len(score_history(scorer, s)) for s in SUBJECTS}


def _all_verify(scorer: Scorer) -> bool:
    return all(
        verify_score(scorer, s.score_id)["identical"]
        for subject in SUBJECTS
        for s in score_history(scorer, subject)
    )


def test_trust_recompute_rescores_exactly_the_subjects_it_moved(
    ledger: Ledger, clock: FakeClock
) -> None:
    scorer = _ledger(ledger, clock)
    # v2: s1 the same, s2 a new value in the same bin, s3 up a bin, s4 gone (missing: 0)
    v2 = ledger.snapshots.append(
        "trust", T1, {"s1": 0.1, "s2": 0.35, "s3": 0.9}, made_at_us=T1, actor="trust"
    )
    assert changed_subjects(scorer, T1) == ["s2", "s3", "s4"]
    run = rescore(scorer, T1, T1, only_changed=True)
    # s2's digest moved (its trust value is an input) but not its points: stored, no notice
    assert (run.subjects, run.stored, run.changed, run.unchanged) == (3, 3, 2, 0)
    assert _history_lengths(scorer) == {"s1": 1, "s2": 2, "s3": 2, "s4": 2}
    cause = f"trust recomputed (snapshot v{v2.version})"
    assert run.causes == {cause: 2}
    (n3,) = score_notices(scorer, "s3")
    (n4,) = score_notices(scorer, "s4")
    assert (n3["delta"], n3["causes"]) == (10, [cause])
    assert (n4["delta"], n4["causes"]) == (-30, [cause])
    assert score_notices(scorer, "s2") == []
    assert _all_verify(scorer)
    # nothing moved since: nobody is rescored
    assert changed_subjects(scorer, T2) == []
    assert rescore(scorer, T2, T2, only_changed=True).subjects == 0


def test_reports_recompute_names_itself(ledger: Ledger, clock: FakeClock) -> None:
    scorer = _ledger(ledger, clock)
    v = ledger.snapshots.append("reports", T1, {"s2": 1.0}, made_at_us=T1, actor="reports")
    assert changed_subjects(scorer, T1) == ["s2"]
    run = rescore(scorer, T1, T1, only_changed=True)
    assert (run.stored, run.changed) == (1, 1)
    (n,) = score_notices(scorer, "s2")
    assert n["delta"] == -30
    assert n["causes"] == [f"reports recomputed (snapshot v{v.version})"]
    assert _all_verify(scorer)


def test_burst_hold_and_release_name_the_burst(ledger: Ledger, clock: FakeClock) -> None:
    scorer = _ledger(ledger, clock)
    ref = "burst:bank:2026-08-31"
    # holding s3's default lifts it by exactly 45 (defaults_7y 1 -> 0: -35 -> +10)
    assert ledger.holds.hold(ref, [("bank", "s3-default")], T1, actor="operator") == 1
    assert changed_subjects(scorer, T1) == ["s3"]
    run = rescore(scorer, T1, T1, only_changed=True)
    assert (run.stored, run.changed) == (1, 1)
    assert score_notices(scorer, "s3")[-1]["causes"] == [f"burst hold {ref}"]
    assert score_notices(scorer, "s3")[-1]["delta"] == 45
    ledger.holds.release(ref, T2, actor="operator")
    assert changed_subjects(scorer, T2) == ["s3"]
    rescore(scorer, T2, T2, only_changed=True)
    assert score_notices(scorer, "s3")[-1]["causes"] == [f"burst release {ref}"]
    assert score_notices(scorer, "s3")[-1]["delta"] == -45
    assert _history_lengths(scorer) == {"s1": 1, "s2": 1, "s3": 3, "s4": 1}
    assert _all_verify(scorer)


def test_dispute_notices_name_the_dispute(ledger: Ledger, clock: FakeClock) -> None:
    scorer = _ledger(ledger, clock)
    d = open_dispute(ledger, "s1", "s1-default", "not mine", now_us=T1, actor="subject")
    assert d.notice is not None
    assert d.notice["causes"] == [f"dispute {d.dispute.dispute_id} opened"]
    res = resolve_dispute(ledger, d.dispute.dispute_id, "upheld", now_us=T2, actor="operator")
    assert res.notice is not None
    assert res.notice["causes"] == [f"dispute {d.dispute.dispute_id} upheld"]
    # the dispute flow rescored s1 already: --changed finds nothing left to do
    assert changed_subjects(scorer, T3) == []
    assert _all_verify(scorer)


def test_new_points_table_names_itself(ledger: Ledger, clock: FakeClock) -> None:
    _ledger(ledger, clock)
    table = ledger.policy.points
    assert table is not None
    old = table.hash
    new_table = table.model_copy(update={"base": table.base + 5})
    scorer = Scorer(ledger, table=new_table)
    assert changed_subjects(scorer, T1) == SUBJECTS
    run = rescore(scorer, T1, T1, only_changed=True)
    cause = f"points table {new_table.hash[:12]} replaced {old[:12]}"
    assert (run.stored, run.changed, run.causes) == (4, 4, {cause: 4})
    assert all(score_notices(scorer, s)[-1]["causes"] == [cause] for s in SUBJECTS)
    # each score verifies under the table it was made with
    for subject in SUBJECTS:
        first, second = score_history(scorer, subject)
        assert verify_score(Scorer(ledger), first.score_id)["identical"]
        assert verify_score(scorer, second.score_id)["identical"]


def test_new_events_are_named_and_others_left_alone(ledger: Ledger, clock: FakeClock) -> None:
    scorer = _ledger(ledger, clock)
    clock.set("2026-09-01T12:00:00Z")
    late = s1_events("s4")[2] | {"event_id": "s4-late-2", "occurred_at": "2026-08-20T00:00:00Z"}
    ledger.ingest([late]).check()
    assert changed_subjects(scorer, T1) == ["s4"]
    run = rescore(scorer, T1, T1, only_changed=True)
    assert run.changed == 1
    assert score_notices(scorer, "s4")[-1]["causes"] == ["1 new event recorded"]
    assert _history_lengths(scorer) == {"s1": 1, "s2": 1, "s3": 1, "s4": 2}
    assert _all_verify(scorer)


def test_a_candidate_whose_inputs_did_not_move_keeps_its_score(
    ledger: Ledger, clock: FakeClock
) -> None:
    """A hold released before any score saw it moves no digest: the subject is looked
    at (an exclusion period since its score) but keeps its score, and is stored once
    more only when something does move."""
    scorer = _ledger(ledger, clock)
    ledger.holds.hold("burst:bank:x", [("bank", "s2-default")], T1, actor="operator")
    ledger.holds.release("burst:bank:x", T1, actor="operator")  # an empty period
    assert changed_subjects(scorer, T2) == ["s2"]
    run = rescore(scorer, T2, T2, only_changed=True)
    assert (run.subjects, run.stored, run.changed, run.unchanged) == (1, 0, 0, 1)
    assert _history_lengths(scorer)["s2"] == 1
    assert _all_verify(scorer)
