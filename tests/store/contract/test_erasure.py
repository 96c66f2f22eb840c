"""ErasureStore: a subject leaves every table and read path; the chain still verifies."""

from __future__ import annotations

import pytest

from glasscredit.exceptions import NotFoundError
from glasscredit.store import Ledger
from glasscredit.store._audit import subject_hash
from tests.conftest import FakeClock
from tests.store._live import event
from tests.store.contract.conftest import DAY, T0, fill

NAMED = {"endorsement": ["endorser"], "report.misconduct": ["reporter"]}


def test_erase_everywhere_and_refuse_them_after(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    ledger.snapshots.append("trust", T0, {"s1": 0.5, "s3": 0.2}, made_at_us=T0, actor="t")
    ledger.holds.hold("h", [("bank", "e1")], T0, actor="op")
    assert ledger.erasures.erased_at("s1") is None and ledger.erasures.erased_hashes() == set()
    done = ledger.erasures.erase("s1", now_us=T0 + DAY, actor="op", named=NAMED)
    assert (done.events, done.naming_events, done.others) == (2, 1, ["s3"])
    assert done.subject_hash == subject_hash("s1")
    assert done.rows["events"] == 3 and done.rows["trust_values"] == 1
    assert ledger.erasures.erased_at("s1") == T0 + DAY
    assert ledger.erasures.erased_hashes() == {subject_hash("s1")}
    # gone from every read path, the endorsement they gave included
    assert not ledger.has_subject("s1") and ledger.first_seen("s1") is None
    assert sorted(ledger.event_frame()["event_id"].to_list()) == ["e2", "e5"]
    assert ledger.exclusions.frame().height == 0
    left = ledger.snapshots.values("trust", T0)
    assert left is not None and left.rows() == [("s3", 0.2)]
    assert ledger.audit.tag_of("s1") is None
    assert ledger.verify_audit().ok  # through the tombstones
    with pytest.raises(NotFoundError, match="was erased"):
        ledger.erasures.erase("s1", now_us=T0 + DAY, actor="op", named=NAMED)
    with pytest.raises(NotFoundError, match="is unknown"):
        ledger.erasures.erase("nobody", now_us=T0, actor="op", named=NAMED)
    # a source resending their events is refused
    resent = ledger.ingest([event("e1", "s1", "payment.late", days_late=45)])
    assert resent.accepted == 0 and resent.errors[0].rule == "erased"
