"""A ledger where every covered table holds rows written through the audited paths."""

from __future__ import annotations

from glasscredit.policy import DAY_US
from glasscredit.rights import (
    add_information,
    erase_subject,
    open_dispute,
    resolve_dispute,
    respond_to_dispute,
)
from glasscredit.scoring import Scorer, rescore
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import NOW_US, event
from tests.rights._helpers import s1_events


def build(ledger: Ledger) -> None:
    """Two ingest batches, disputes (one open, extended and answered by its source; one
    resolved), a hold and a released
    hold, trust and report snapshots, stored scores, an erasure; the chain verifies."""
    load_history(ledger, s1_events("s1") + s1_events("s2"))
    load_history(ledger, s1_events("s0") + s1_events("s3") + [event("s3-extra", "s3", "bill.paid")])
    scorer = Scorer(ledger)
    rescore(scorer, NOW_US, NOW_US)
    d1 = open_dispute(
        ledger, "s1", "s1-late", "paid on time", now_us=NOW_US + DAY_US, actor="subject"
    )
    did = d1.dispute.dispute_id
    add_information(ledger, did, "the bank's letter", now_us=NOW_US + DAY_US, actor="subject")
    source = d1.dispute.source
    respond_to_dispute(ledger, did, source, "we checked", now_us=NOW_US + DAY_US, actor=source)
    d2 = open_dispute(ledger, "s2", "s2-late", "not mine", now_us=NOW_US + DAY_US, actor="subject")
    resolve_dispute(
        ledger, d2.dispute.dispute_id, "removed", now_us=NOW_US + 2 * DAY_US, actor="op"
    )
    held = [("bank", "s3-late"), ("bank", "s3-default")]
    ledger.holds.hold("burst:bank:1", held, NOW_US + DAY_US, actor="op")
    ledger.holds.hold("burst:bank:2", [("bank", "s3-acct")], NOW_US + DAY_US, actor="op")
    ledger.holds.release("burst:bank:2", NOW_US + 2 * DAY_US, actor="op")
    ledger.snapshots.append(
        "trust", NOW_US, {"s1": 0.25, "s2": 0.5, "s3": 0.125}, made_at_us=NOW_US, actor="t"
    )
    ledger.snapshots.append("reports", NOW_US, {"s2": 1.0}, made_at_us=NOW_US, actor="t")
    rescore(scorer, NOW_US + 2 * DAY_US, NOW_US + 2 * DAY_US)
    erase_subject(ledger, "s0", now_us=NOW_US + 3 * DAY_US, actor="dpo")
    rep = ledger.verify_audit()
    assert rep.ok, rep.problem
