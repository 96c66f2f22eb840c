"""ExclusionStore and HoldStore: periods that stop events counting; holds are audited."""

from __future__ import annotations

import pytest

from glasscredit.exceptions import NotFoundError
from glasscredit.store import HOLD_REASON, Ledger
from tests.conftest import FakeClock
from tests.store.contract.conftest import DAY, T0, fill


def test_hold_release_and_the_periods_they_leave(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    assert ledger.exclusions.frame().height == 0
    added = ledger.holds.hold(
        "burst:bank:1",
        [("bank", "e1"), ("bank", "e2"), ("bank", "missing"), ("rentals", "e1")],
        T0,
        actor="op",
        details={"source": "bank"},
    )
    assert added == 2  # an unknown event is skipped: e1 is not rentals' id
    pairs = [("bank", "e1"), ("bank", "e2")]
    assert ledger.holds.hold("burst:bank:1", pairs, T0, actor="op") == 0  # idempotent
    assert ledger.holds.open_holds("burst:bank:1") == pairs
    frame = ledger.exclusions.frame(["s1"])
    assert frame.rows() == [("e1", "bank", T0, None)]
    assert ledger.exclusions.of_subject("s2") == [
        {
            "event_id": "e2",
            "source": "bank",
            "from_us": T0,
            "until_us": None,
            "reason": HOLD_REASON,
            "ref": "burst:bank:1",
        }
    ]
    assert ledger.holds.release("burst:bank:1", T0 + DAY, actor="op") == 2
    assert ledger.holds.open_holds("burst:bank:1") == []
    assert sorted(ledger.exclusions.frame().rows()) == [
        ("e1", "bank", T0, T0 + DAY),
        ("e2", "bank", T0, T0 + DAY),
    ]
    with pytest.raises(NotFoundError):
        ledger.holds.release("burst:bank:1", T0 + 2 * DAY, actor="op")
    # one audit row per change that moved what counts, none for the no-op
    rows = [e for e in ledger.audit.entries() if e.action in ("hold", "release")]
    assert [(e.action, e.actor, e.at_us, e.details) for e in rows] == [
        ("hold", "op", T0, {"source": "bank", "ref": "burst:bank:1", "events": 2}),
        ("release", "op", T0 + DAY, {"ref": "burst:bank:1", "events": 2}),
    ]
    assert ledger.verify_audit().ok


def test_events_resolved_by_a_verdict(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    # a hold is no verdict
    ledger.holds.hold("h", [("community", "e4")], T0, actor="op")
    assert ledger.exclusions.resolved(["endorsement"], "removed", T0 + DAY).height == 0
    d = ledger.disputes.open(
        "s3", "e4", "not me", now_us=T0, deadline_us=T0 + DAY, actor="subject", check=lambda t: None
    )
    # an open dispute is no verdict either: nothing is removed or upheld yet
    assert ledger.exclusions.resolved(["endorsement"], "removed", T0 + DAY).height == 0
    ledger.disputes.resolve(
        d.dispute_id, "removed", now_us=T0 + DAY, actor="op", check=lambda d: None
    )
    got = ledger.exclusions.resolved(["endorsement"], "removed", T0 + DAY)
    assert got.rows() == [("e4", "s3", '{"endorser":"s1"}')]
    assert ledger.exclusions.resolved(["endorsement"], "removed", T0 + DAY - 1).height == 0
    assert ledger.exclusions.resolved(["endorsement"], "upheld", T0 + DAY).height == 0
    assert ledger.exclusions.resolved(["bill.paid"], "removed", T0 + DAY).height == 0
    # another event's dispute, upheld: the record was checked and stands
    e = ledger.disputes.open(
        "s1",
        "e1",
        "no",
        now_us=T0 + DAY,
        deadline_us=T0 + 9 * DAY,
        actor="subject",
        check=lambda t: None,
    )
    ledger.disputes.resolve(
        e.dispute_id, "upheld", now_us=T0 + 2 * DAY, actor="op", check=lambda d: None
    )
    types = ["endorsement", "payment.on_time", "payment.late", "bill.paid"]
    upheld = ledger.exclusions.resolved(types, "upheld", T0 + 2 * DAY)
    assert upheld["event_id"].to_list() == ["e1"]
