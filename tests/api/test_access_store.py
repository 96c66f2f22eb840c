"""The access store's contract on SQLite and PostgreSQL: keys and file reads.

Keys keep only their hash; creating and revoking each add an audit row and the chain
still verifies; file reads come back per subject in time order and leave with erasure.
"""

from __future__ import annotations

import pytest

from glasscredit.exceptions import ConflictError, NotFoundError
from glasscredit.store import ApiKeyRecord, FileRead, Ledger


def _key(key_id: str = "k1", at: int = 10) -> ApiKeyRecord:
    return ApiKeyRecord(key_id, "bank key", "source", "bank", "h" * 64, at, "cli", None, None)


def test_keys_are_added_listed_revoked_and_audited(ledger: Ledger) -> None:
    acc = ledger.access
    acc.add_key(_key("k1", 10))
    acc.add_key(_key("k2", 20))
    with pytest.raises(ConflictError):
        acc.add_key(_key("k1", 30))
    assert [k.key_id for k in acc.all_keys()] == ["k1", "k2"]
    done = acc.revoke_key("k1", at_us=40, actor="operator:root")
    assert (done.revoked_at_us, done.revoked_by) == (40, "operator:root")
    assert acc.key("k1") == done and acc.key("k2") == _key("k2", 20)
    with pytest.raises(ConflictError):
        acc.revoke_key("k1", at_us=50, actor="x")
    with pytest.raises(NotFoundError):
        acc.revoke_key("nope", at_us=50, actor="x")
    assert acc.key("nope") is None
    rows = [(e.action, e.details.get("key_id")) for e in ledger.audit.entries()]
    assert rows == [("key.create", "k1"), ("key.create", "k2"), ("key.revoke", "k1")]
    assert ledger.verify_audit().ok


def test_file_reads_per_subject_in_time_order_and_forgotten(ledger: Ledger) -> None:
    acc = ledger.access
    acc.record_read(FileRead("alice", 30, "source:bank", "source", "credit_transaction", "score"))
    acc.record_read(FileRead("bob", 10, "operator:root", "operator", "operations", "export"))
    acc.record_read(FileRead("alice", 20, "auditor:a", "auditor", "operations", "events"))
    assert [r.at_us for r in acc.reads_of("alice")] == [20, 30]
    assert acc.reads_of("alice")[1].purpose == "credit_transaction"
    assert acc.forget_reads("alice") == 2
    assert acc.reads_of("alice") == [] and len(acc.reads_of("bob")) == 1
