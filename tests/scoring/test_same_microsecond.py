"""Two score-moving actions in one microsecond: every stored score still verifies.

With a frozen clock (or two writers whose clocks agree to the microsecond) a second
action at the instant of a stored score used to change what that score's as-of time
reads, so the earlier score no longer reproduced.
"""

from __future__ import annotations

from glasscredit.policy import parse_timestamp
from glasscredit.rights import open_dispute, resolve_dispute
from glasscredit.scoring import Scorer, rescore, score_history, verify_score
from glasscredit.store import Ledger
from glasscredit.trust import compute_trust
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events

T0 = "2026-09-01T00:00:00Z"
INGEST = "2026-08-31T00:00:00Z"


def _all_verify(ledger: Ledger, subject: str = "s1") -> list[bool]:
    scorer = Scorer(ledger)
    return [verify_score(scorer, s.score_id)["identical"] for s in score_history(scorer, subject)]


def test_dispute_opened_and_upheld_in_one_microsecond(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(INGEST)
    load_history(ledger, s1_events())
    clock.set(T0)
    t = parse_timestamp(T0)
    d = open_dispute(ledger, "s1", "s1-default", "not mine", now_us=t, actor="subject")
    assert (d.score_before, d.score_after) == (600, 645)
    res = resolve_dispute(ledger, d.dispute.dispute_id, "upheld", now_us=t, actor="operator")
    assert (res.score_before, res.score_after) == (645, 600)
    assert [s.score for s in score_history(Scorer(ledger), "s1")] == [600, 645, 600]
    assert _all_verify(ledger) == [True, True, True]


def test_two_disputes_opened_in_one_microsecond(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(INGEST)
    load_history(ledger, s1_events())
    clock.set(T0)
    t = parse_timestamp(T0)
    open_dispute(ledger, "s1", "s1-default", "not mine", now_us=t, actor="subject")
    open_dispute(ledger, "s1", "s1-late", "paid on time", now_us=t, actor="subject")
    assert len(score_history(Scorer(ledger), "s1")) == 3
    assert _all_verify(ledger) == [True, True, True]


def test_snapshot_and_events_in_the_microsecond_of_a_score(
    ledger: Ledger, clock: FakeClock
) -> None:
    clock.set(INGEST)
    load_history(ledger, s1_events())
    clock.set(T0)
    t = parse_timestamp(T0)
    # endorsements sent live, dated the instant they arrive
    ledger.ingest([event("e1", "s1", "endorsement", T0, endorser="s2")])
    ledger.ingest([event("e2", "s2", "endorsement", T0, endorser="s1")])
    compute_trust(ledger, t)
    rescore(Scorer(ledger), t, t, subjects_in=["s1"])
    # the same instant: a new trust version and a new event of s1
    ledger.ingest([event("e3", "s1", "endorsement", T0, endorser="s3")])
    ledger.ingest([event("e4", "s3", "endorsement", T0, endorser="s1")])
    compute_trust(ledger, t)
    rescore(Scorer(ledger), t, t, subjects_in=["s1"])
    assert _all_verify(ledger) == [True, True]
