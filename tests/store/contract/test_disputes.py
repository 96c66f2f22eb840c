"""DisputeStore: open, resolve, expire, with their periods, notices and audit rows."""

from __future__ import annotations

import pytest

from glasscredit.exceptions import ConflictError, NotFoundError
from glasscredit.store import Dispute, DisputeTarget, Ledger
from tests.conftest import FakeClock
from tests.store.contract.conftest import DAY, T0, fill


def _refuse_busy(target: DisputeTarget) -> None:
    if target.open_dispute is not None:
        raise ConflictError(f"already under dispute {target.open_dispute}")


def test_targets_as_the_rules_see_them(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    assert ledger.disputes.target("s1", "e1") == DisputeTarget(
        True, "s1", "bank", "payment.late", None
    )
    assert ledger.disputes.target("s2", "e1").owner == "s1"
    assert ledger.disputes.target("nobody", "nothing") == DisputeTarget(
        False, None, None, None, None
    )


def test_open_resolve_expire(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    d1 = ledger.disputes.open(
        "s1",
        "e1",
        "never late",
        now_us=T0,
        deadline_us=T0 + 30 * DAY,
        actor="subject",
        check=_refuse_busy,
    )
    assert (d1.status, d1.source, d1.event_type, d1.reason) == (
        "open",
        "bank",
        "payment.late",
        "never late",
    )
    assert ledger.disputes.target("s1", "e1").open_dispute == d1.dispute_id
    with pytest.raises(ConflictError):  # the check runs inside the transaction
        ledger.disputes.open(
            "s1",
            "e1",
            "again",
            now_us=T0,
            deadline_us=T0 + DAY,
            actor="subject",
            check=_refuse_busy,
        )
    d2 = ledger.disputes.open(
        "s2",
        "e2",
        "not mine",
        now_us=T0,
        deadline_us=T0 + DAY,
        actor="subject",
        check=_refuse_busy,
    )
    assert ledger.exclusions.frame(["s1"]).rows() == [("e1", "bank", T0, None)]
    # upheld: the period closes, the event counts again from then on
    done = ledger.disputes.resolve(
        d1.dispute_id, "upheld", now_us=T0 + DAY, actor="op", check=lambda d: None
    )
    assert (done.status, done.resolved_at_us, done.resolved_by) == ("upheld", T0 + DAY, "op")
    assert ledger.exclusions.frame(["s1"]).rows() == [("e1", "bank", T0, T0 + DAY)]

    def refuse_closed(d: Dispute) -> None:
        if d.status != "open":
            raise ConflictError("resolved once")

    with pytest.raises(ConflictError):
        ledger.disputes.resolve(
            d1.dispute_id, "removed", now_us=T0 + DAY, actor="op", check=refuse_closed
        )
    with pytest.raises(NotFoundError):
        ledger.disputes.resolve(99, "removed", now_us=T0, actor="op", check=refuse_closed)
    # d2 is past its deadline: expired as removed, its period stays open for good
    assert ledger.disputes.expire(T0, outcome="removed", actor="system") == []
    [gone] = ledger.disputes.expire(T0 + 2 * DAY, outcome="removed", actor="system")
    assert (gone.dispute_id, gone.status, gone.resolved_by) == (d2.dispute_id, "removed", "system")
    assert ledger.exclusions.frame(["s2"]).rows() == [("e2", "bank", T0, None)]
    got = ledger.disputes.get(d2.dispute_id)
    assert got == gone and ledger.disputes.get(99) is None
    assert [d.dispute_id for d in ledger.disputes.find()] == [d1.dispute_id, d2.dispute_id]
    assert ledger.disputes.find(subject="s2") == [gone]
    assert ledger.disputes.find(status="upheld", source="bank") == [done]
    assert ledger.disputes.find(source="rentals") == []
    assert [
        (n["dispute_id"], n["kind"], n["outcome"], n["at_us"], n["event_id"])
        for n in ledger.disputes.notices("bank")
    ] == [
        (d1.dispute_id, "opened", None, T0, "e1"),
        (d2.dispute_id, "opened", None, T0, "e2"),
        (d1.dispute_id, "resolved", "upheld", T0 + DAY, "e1"),
        (d2.dispute_id, "resolved", "removed", T0 + 2 * DAY, "e2"),
    ]
    assert ledger.disputes.status_counts() == {"bank": {"upheld": 1, "removed": 1}}
    # every change is on the chain, under the subject's pseudonym
    tag = ledger.audit.tag_of("s1")
    assert tag is not None and ledger.audit.tag_of("nobody") is None
    assert [e.action for e in ledger.audit.entries(tag=tag)] == ["dispute.open", "dispute.resolve"]
    assert ledger.verify_audit().ok
