"""Disputes that cannot be farmed (issue 11, item 6), on a SQLite file and PostgreSQL.

The subject ``s1`` of ``_helpers`` scores 600 on 2026-09-01 (tier ``good``) with two
negative records: the default (``defaults_7y`` 1: -35 instead of +10) and a payment 45
days late (``late_payments_24m``), each costing exactly 45 points. Disputing both lifts
the score to 690 (``very_good``) while they do not count. ``s2`` is the same person
who never disputes: the score that honest resolutions must lead back to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from glasscredit.policy import (
    DAY_US,
    Policy,
    default_policy,
    iso,
    parse_timestamp,
    policy_from_dict,
)
from glasscredit.rights import (
    DEADLINE_ACTOR,
    add_information,
    expire_overdue,
    open_dispute,
    resolve_dispute,
)
from glasscredit.scoring import Scorer, rescore, score_history, verify_score
from glasscredit.store import DEADLINE_REASON, DISPUTE_REASON, Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

T0 = "2026-09-01T00:00:00Z"
MakeLedger = Callable[..., Ledger]


def _policy(**disputes: Any) -> Policy:
    data = default_policy().model_dump(mode="json", by_alias=True)
    data["disputes"] = {**data["disputes"], **disputes}
    return policy_from_dict(data)


@pytest.fixture
def make_ledger(db_url: str, clock: FakeClock) -> Iterator[MakeLedger]:
    """A ledger on the test's database under the default policy with ``disputes`` changed."""
    made: list[Ledger] = []

    def make(**disputes: Any) -> Ledger:
        led = Ledger(db_url, _policy(**disputes), clock=clock)
        made.append(led)
        return led

    yield make
    for led in made:
        led.close()


def _setup(ledger: Ledger, clock: FakeClock) -> int:
    clock.set(T0)
    assert load_history(ledger, s1_events() + s1_events("s2")).accepted == 32
    t0 = parse_timestamp(T0)
    assert rescore(Scorer(ledger), t0, t0).scores == [600, 600]
    return t0


def _score(ledger: Ledger, subject: str, at_us: int) -> int:
    return Scorer(ledger).explain(subject, at_us).score


def _perks(ledger: Ledger, subject: str, at_us: int) -> dict[str, bool]:
    """Perk -> provisional, as an operator's integration reads them."""
    return {
        str(p["name"]): bool(p["provisional"]) for p in Scorer(ledger).explain(subject, at_us).perks
    }


def _dispute_audit(ledger: Ledger) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (e.actor, e.action, e.details)
        for e in ledger.audit.entries()
        if e.action.startswith("dispute.")
    ]


def _all_reproduce(ledger: Ledger, subject: str) -> None:
    scorer = Scorer(ledger)
    stored = score_history(scorer, subject)
    checks = [verify_score(scorer, s.score_id) for s in stored]
    assert stored and [c for c in checks if not c["identical"]] == []


def test_farming_every_negative_gains_nothing_once_resolved_honestly(
    ledger: Ledger, clock: FakeClock
) -> None:
    t0 = _setup(ledger, clock)
    assert _perks(ledger, "s1", t0) == {"credit_stay": False}
    t1 = t0 + DAY_US
    a = open_dispute(ledger, "s1", "s1-default", "not mine", now_us=t1, actor="subject")
    b = open_dispute(ledger, "s1", "s1-late", "was on time", now_us=t1 + 1, actor="subject")
    assert (a.score_after, b.score_after) == (645, 690)  # 45 points per record
    assert a.effect is not None and a.effect["effect"] == "stop_counting"
    # meanwhile the higher tier's perks rest on the disputes alone: provisional
    exp = Scorer(ledger).explain("s1", t1 + 2)
    assert (exp.score, exp.tier) == (690, "very_good")
    assert _perks(ledger, "s1", t1 + 2) == {
        "deposit_free_bike": True,  # no negative within 5 years: only while disputed
        "credit_stay": False,  # 600 would grant it anyway: firm
        "deposit_free_rental": True,  # 650: only while disputed
    }
    bike = exp.perks[0]
    ids = [a.dispute.dispute_id, b.dispute.dispute_id]
    assert bike["disputes"] == ids and "s1-default (dispute 1)" in bike["provisional_because"]
    assert [(d["event_id"], d["counts"]) for d in exp.disputes] == [
        ("s1-default", False),
        ("s1-late", False),
    ]
    # the source checks and upholds both records, as an honest source would
    t2 = t0 + 10 * DAY_US
    for i, d in enumerate(ids):
        resolve_dispute(ledger, d, "upheld", now_us=t2 + i, actor="source:bank")
    t2 += 1
    assert _score(ledger, "s1", t2) == _score(ledger, "s2", t2) == 600  # the gain is zero
    assert _perks(ledger, "s1", t2) == _perks(ledger, "s2", t2) == {"credit_stay": False}
    later = t2 + 100 * DAY_US
    assert _score(ledger, "s1", later) == _score(ledger, "s2", later)
    # every score stored on the way still reproduces (periods are never backdated)
    assert [s.score for s in score_history(Scorer(ledger), "s1")] == [600, 645, 690, 645, 600]
    _all_reproduce(ledger, "s1")
    audit = _dispute_audit(ledger)
    assert [(actor, action, d.get("effect")) for actor, action, d in audit] == [
        ("subject", "dispute.open", "stop_counting"),
        ("subject", "dispute.open", "stop_counting"),
        ("source:bank", "dispute.resolve", None),
        ("source:bank", "dispute.resolve", None),
    ]
    assert ledger.verify_audit().ok


def _fail_three(ledger: Ledger, t0: int) -> int:
    """Three disputes on the default, each found unfounded 20 days later; the time of the
    last verdict."""
    at = t0 + DAY_US
    for _ in range(3):
        d = open_dispute(ledger, "s1", "s1-default", "not mine", now_us=at, actor="subject")
        at += 20 * DAY_US
        resolve_dispute(ledger, d.dispute.dispute_id, "upheld", now_us=at, actor="operator:ana")
        at += DAY_US
    return at - DAY_US


def test_repeated_unfounded_disputes_lose_the_freeze_then_regain_it(
    ledger: Ledger, clock: FakeClock
) -> None:
    t0 = _setup(ledger, clock)
    last = _fail_three(ledger, t0)
    lost_until = last + 180 * DAY_US
    # the third unfounded verdict says so in the audit log
    resolves = [d for _, action, d in _dispute_audit(ledger) if action == "dispute.resolve"]
    assert "freeze_lost_until" not in resolves[1]
    assert resolves[2]["freeze_lost_until"] == iso(lost_until)  # 2027-05-02
    assert resolves[2]["unfounded"] == [1, 2, 3]
    # a new dispute no longer stops the record counting: no gain, no provisional perk
    t = last + DAY_US
    res = open_dispute(ledger, "s1", "s1-default", "still not mine", now_us=t, actor="subject")
    assert (res.score_before, res.score_after, res.notice) == (600, 600, None)
    assert res.effect is not None and res.effect["effect"] == "keep_counting"
    assert res.freeze is not None and res.freeze["unfounded_disputes"] == [1, 2, 3]
    exp = Scorer(ledger).explain("s1", t + 1)
    assert exp.score == 600 and exp.disputes[0]["counts"] is True
    assert exp.dispute_freeze is not None and exp.dispute_freeze["immediate"] is False
    assert "until 2027-05-02" in exp.dispute_freeze["text"]
    assert "repeated unfounded" in exp.disputes[0]["text"]
    opened = _dispute_audit(ledger)[-1][2]
    assert (opened["effect"], opened["cause"], opened["unfounded"]) == (
        "keep_counting",
        "freeze_lost",
        [1, 2, 3],
    )
    # the deadline still protects: unanswered, the record stops counting at the deadline
    deadline = res.dispute.deadline_us
    assert _score(ledger, "s1", deadline - 1) == 600
    assert _score(ledger, "s1", deadline) == 645  # before anyone runs the lapse
    lapsed = expire_overdue(ledger, deadline + DAY_US)
    assert [(d.status, d.resolved_by) for d in lapsed] == [("removed", DEADLINE_ACTOR)]
    assert _score(ledger, "s1", deadline + DAY_US) == 645
    # after the 180 days the freeze is back: disputing the late payment freezes it again
    back = lost_until + DAY_US
    before_back = Scorer(ledger).explain("s1", lost_until - 1).dispute_freeze
    assert before_back is not None and before_back["immediate"] is False
    res = open_dispute(ledger, "s1", "s1-late", "was on time", now_us=back, actor="subject")
    assert res.effect is not None and res.effect["effect"] == "stop_counting"
    frozen = [p for p in ledger.exclusions.of_subject("s1") if p["ref"] == "5"]
    assert [(p["reason"], p["from_us"]) for p in frozen] == [(DISPUTE_REASON, back)]
    assert Scorer(ledger).explain("s1", back + 1).disputes[0]["counts"] is False
    _all_reproduce(ledger, "s1")
    assert ledger.verify_audit().ok


def test_without_the_freeze_a_removal_verdict_stops_counting_at_the_verdict(
    ledger: Ledger, clock: FakeClock
) -> None:
    t0 = _setup(ledger, clock)
    last = _fail_three(ledger, t0)
    t = last + DAY_US
    d = open_dispute(ledger, "s1", "s1-late", "was on time", now_us=t, actor="subject").dispute
    pending = [p for p in ledger.exclusions.of_subject("s1") if p["ref"] == str(d.dispute_id)]
    assert [(p["reason"], p["from_us"]) for p in pending] == [(DEADLINE_REASON, d.deadline_us)]
    verdict = t + 5 * DAY_US
    res = resolve_dispute(ledger, d.dispute_id, "removed", now_us=verdict, actor="operator:ana")
    assert (res.score_before, res.score_after) == (600, 645)
    assert _score(ledger, "s1", verdict - 1) == 600 and _score(ledger, "s1", verdict) == 645
    moved = [p for p in ledger.exclusions.of_subject("s1") if p["ref"] == str(d.dispute_id)]
    assert [(p["from_us"], p["until_us"]) for p in moved] == [(verdict, None)]
    _all_reproduce(ledger, "s1")


def test_an_honest_subject_keeps_full_protection(ledger: Ledger, clock: FakeClock) -> None:
    t0 = _setup(ledger, clock)
    # two disputes found unfounded (an honest mistake happens), then genuine ones removed
    at = t0
    for _ in range(2):
        d = open_dispute(ledger, "s1", "s1-late", "was on time", now_us=at, actor="subject")
        resolve_dispute(ledger, d.dispute.dispute_id, "upheld", now_us=at + DAY_US, actor="op")
        at += 2 * DAY_US
    # removals are never unfounded, however many there are
    clock.set(iso(at))  # recorded now, after the scores already stored
    default = next(e for e in s1_events() if e["type"] == "loan.defaulted")
    load_history(ledger, [{**default, "event_id": f"s1-default-{i}"} for i in range(3)])
    for i in range(3):
        d = open_dispute(ledger, "s1", f"s1-default-{i}", "not mine", now_us=at, actor="subject")
        resolve_dispute(ledger, d.dispute.dispute_id, "removed", now_us=at + DAY_US, actor="op")
        at += 2 * DAY_US
    # a genuine dispute still stops the record counting at once, with full effect
    res = open_dispute(ledger, "s1", "s1-default", "I never had this loan", now_us=at, actor="s")
    assert res.effect is not None and res.effect["effect"] == "stop_counting"
    assert res.score_after - res.score_before == 45  # type: ignore[operator]
    frozen = [
        p for p in ledger.exclusions.of_subject("s1") if p["ref"] == str(res.dispute.dispute_id)
    ]
    assert [(p["reason"], p["from_us"]) for p in frozen] == [(DISPUTE_REASON, at)]
    assert res.freeze is not None and res.freeze["immediate"] is True
    resolve_dispute(ledger, res.dispute.dispute_id, "removed", now_us=at + DAY_US, actor="op")
    assert _score(ledger, "s1", at + 400 * DAY_US) > _score(ledger, "s2", at + 400 * DAY_US)


def test_policy_keep_counting_until_a_verdict_or_the_deadline(
    make_ledger: MakeLedger, clock: FakeClock
) -> None:
    ledger = make_ledger(open_effect="keep_counting")
    t0 = _setup(ledger, clock)
    res = open_dispute(ledger, "s1", "s1-default", "not mine", now_us=t0, actor="subject")
    assert (res.score_after, res.notice) == (600, None)
    assert res.effect is not None and res.effect["counts"] is True
    opened = _dispute_audit(ledger)[-1][2]
    assert (opened["effect"], opened["cause"]) == ("keep_counting", "policy")
    assert _perks(ledger, "s1", t0 + 1) == {"credit_stay": False}
    # new information extends the deadline once: the record then stops at the new one
    d = add_information(
        ledger, res.dispute.dispute_id, "the bank's letter", now_us=t0 + DAY_US, actor="s"
    )
    assert d.deadline_us == t0 + 45 * DAY_US
    assert _score(ledger, "s1", t0 + 30 * DAY_US) == 600
    assert _score(ledger, "s1", t0 + 45 * DAY_US) == 645
    # an upheld verdict before the deadline cancels the stop: it never stops counting
    res = open_dispute(ledger, "s1", "s1-late", "was on time", now_us=t0, actor="subject")
    resolve_dispute(ledger, res.dispute.dispute_id, "upheld", now_us=t0 + DAY_US, actor="op")
    empty = [p for p in ledger.exclusions.of_subject("s1") if p["ref"] == "2"]
    assert [(p["from_us"], p["until_us"]) for p in empty] == [(t0 + DAY_US, t0 + DAY_US)]
    assert _score(ledger, "s1", t0 + 400 * DAY_US) == _score(ledger, "s2", t0 + 400 * DAY_US) + 45
    _all_reproduce(ledger, "s1")
    assert ledger.verify_audit().ok


def test_provisional_perks_can_be_switched_off(make_ledger: MakeLedger, clock: FakeClock) -> None:
    ledger = make_ledger(provisional_perks=False, repeated_unfounded=None)
    t0 = _setup(ledger, clock)
    for i, eid in enumerate(("s1-default", "s1-late")):
        open_dispute(ledger, "s1", eid, "not mine", now_us=t0 + DAY_US + i, actor="subject")
    assert _perks(ledger, "s1", t0 + 2 * DAY_US) == {
        "deposit_free_bike": False,
        "credit_stay": False,
        "deposit_free_rental": False,
    }
    exp = Scorer(ledger).explain("s1", t0 + 2 * DAY_US)
    assert exp.dispute_freeze is not None and "If 3" not in exp.dispute_freeze["text"]


def test_removals_list_verdicts_only(ledger: Ledger, clock: FakeClock) -> None:
    """What a reporter's weight may lose by: a removal verdict, never an open dispute, an
    upheld record or a lapse at the deadline."""
    t0 = _setup(ledger, clock)
    open_dispute(ledger, "s1", "s1-default", "not mine", now_us=t0, actor="subject")
    d = open_dispute(ledger, "s2", "s2-default", "not mine", now_us=t0, actor="subject")
    u = open_dispute(ledger, "s2", "s2-late", "on time", now_us=t0, actor="subject")
    assert ledger.disputes.removals(t0 + DAY_US).height == 0  # open: no verdict yet
    resolve_dispute(ledger, u.dispute.dispute_id, "upheld", now_us=t0 + DAY_US, actor="op")
    resolve_dispute(ledger, d.dispute.dispute_id, "removed", now_us=t0 + 2 * DAY_US, actor="op")
    expire_overdue(ledger, t0 + 31 * DAY_US)  # s1's dispute lapses: not a verdict
    got = ledger.disputes.removals(t0 + 40 * DAY_US)
    assert got["event_id"].to_list() == ["s2-default"]
    assert got["resolved_at_us"].to_list() == [t0 + 2 * DAY_US]
    assert ledger.disputes.removals(t0 + 2 * DAY_US - 1).height == 0  # not before the verdict
    assert ledger.disputes.removals(t0 + 40 * DAY_US, event_type="payment.late").height == 0
    # the trust side's read of verdicts agrees: the lapse is not a removal verdict
    verdicts = ledger.exclusions.resolved(["loan.defaulted"], "removed", t0 + 40 * DAY_US)
    assert verdicts["event_id"].to_list() == ["s2-default"]
    lapse = [d for _, a, d in _dispute_audit(ledger) if a == "dispute.resolve" and d["lapsed"]]
    assert len(lapse) == 1
