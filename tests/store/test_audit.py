"""The audit chain detects and locates edits to audit rows and to the events they vouch for."""

from __future__ import annotations

from glasscredit.store import Ledger
from tests.store._live import event


def _tamper(ledger: Ledger, sql: str) -> None:
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def _three_batches(ledger: Ledger) -> None:
    for b in range(3):
        ledger.ingest([event(f"b{b}-{i}", subject=f"s{i}") for i in range(4)])


def test_clean_chain_verifies(ledger: Ledger) -> None:
    _three_batches(ledger)
    rep = ledger.verify_audit()
    assert rep.ok and rep.rows == 3 and rep.events == 12


def test_edited_event_is_located_at_its_batch(ledger: Ledger) -> None:
    _three_batches(ledger)
    _tamper(ledger, "UPDATE events SET attributes = '{\"amount\":99999}' WHERE event_id = 'b1-2'")
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == 2 and "b1-2" in rep.problem


def test_edited_audit_row_is_located(ledger: Ledger) -> None:
    _three_batches(ledger)
    _tamper(ledger, "UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == 2 and "edited" in rep.problem


def test_deleted_event_is_detected(ledger: Ledger) -> None:
    _three_batches(ledger)
    _tamper(ledger, "DELETE FROM events WHERE event_id = 'b2-0'")
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == 3


def test_deleted_audit_row_is_detected(ledger: Ledger) -> None:
    _three_batches(ledger)
    _tamper(ledger, "DELETE FROM audit_log WHERE seq = 2")
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq in (2, 3)


def test_rehashed_row_still_breaks_the_link(ledger: Ledger) -> None:
    _three_batches(ledger)
    _tamper(ledger, "UPDATE audit_log SET row_hash = 'f' || substr(row_hash, 2) WHERE seq = 1")
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == 1
