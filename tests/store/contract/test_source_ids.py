"""Ids are per source: the idempotency key is (source, event_id), on every adapter.

Another source using the same id is another event: it can neither claim the id first
(the real event, sent later, is stored), nor be counted as a duplicate or conflict of
it, nor be held, disputed or erased in its place. ``rentals`` plays the other source
(the policy lets each source send only its own types).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glasscredit.store import Ledger
from tests.conftest import FakeClock
from tests.store._live import event
from tests.store.contract.conftest import DAY, T0


def _pairs(ledger: Ledger, subject: str) -> list[tuple[str, str, str]]:
    return sorted((e.source, e.event_id, e.type) for e in ledger.events_of(subject))


def _rental(event_id: str, subject: str = "s1", asset: str = "bike") -> dict[str, object]:
    return event(event_id, subject, "rental.returned", asset=asset)


PAID, RETURNED = "payment.on_time", "rental.returned"


@pytest.mark.parametrize("squatter_first", [True, False])
def test_another_sources_id_is_another_event(ledger: Ledger, squatter_first: bool) -> None:
    real = event("x1", "victim", amount=10)  # bank's
    squat = _rental("x1", "victim")  # same id, same subject, another source
    first, second = (squat, real) if squatter_first else (real, squat)
    assert ledger.ingest([first]).accepted == 1
    rep = ledger.ingest([second])
    assert (rep.accepted, rep.duplicates, rep.conflicts, rep.errors) == (1, 0, 0, [])
    assert _pairs(ledger, "victim") == [("bank", "x1", PAID), ("rentals", "x1", RETURNED)]
    assert ledger.verify_audit().ok


def test_resend_is_a_duplicate_and_changed_content_a_conflict_per_source(
    ledger: Ledger,
) -> None:
    ledger.ingest([event("x1", amount=10), _rental("x1")])
    rep = ledger.ingest(
        [
            event("x1", amount=10),  # the same event again: a no-op
            _rental("x1", asset="car"),  # rentals' own id, other content
        ]
    )
    assert (rep.accepted, rep.duplicates, rep.conflicts) == (0, 1, 1)
    [err] = rep.errors
    assert (err.row, err.field, err.rule) == (2, "event_id", "conflict")
    assert "this source" in err.message
    assert _pairs(ledger, "s1") == [("bank", "x1", PAID), ("rentals", "x1", RETURNED)]
    kept = {e.source: e.attributes for e in ledger.events_of("s1")}
    assert kept == {"bank": {"amount": 10}, "rentals": {"asset": "bike"}}


def test_one_batch_with_a_shared_id_and_repeats(ledger: Ledger) -> None:
    rep = ledger.ingest(
        [
            event("x1", "a", amount=1),
            _rental("x1", "b"),
            event("x1", "a", amount=1),  # a repeat inside the batch
            _rental("x1", "b", asset="car"),  # rentals' id with other content
            event("x2", "a", amount=4),
        ]
    )
    assert (rep.accepted, rep.duplicates, rep.conflicts) == (3, 1, 1)
    assert rep.errors[0].row == 4
    assert ledger.verify_audit().ok  # the batch digest orders the shared id's events


def test_a_file_batch_that_meets_stored_ids_keeps_the_new_sources(
    ledger: Ledger, tmp_path: Path
) -> None:
    """The fast paths' fallback (PostgreSQL: COPY refused, staging + ON CONFLICT)."""
    ledger.ingest([event("x1", amount=1), event("x2", amount=2)])
    path = tmp_path / "b.jsonl"
    rows = [
        event("x1", amount=1),  # duplicate
        _rental("x1"),  # new: rentals' x1
        event("x2", amount=3),  # conflict
        _rental("x3"),  # new
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rep = ledger.ingest_file(path)
    assert (rep.accepted, rep.duplicates, rep.conflicts) == (2, 1, 1)
    assert rep.errors[0].row == 3
    assert _pairs(ledger, "s1") == [
        ("bank", "x1", PAID),
        ("bank", "x2", PAID),
        ("rentals", "x1", RETURNED),
        ("rentals", "x3", RETURNED),
    ]
    assert ledger.verify_audit().ok


def test_holding_one_sources_event_leaves_the_other(ledger: Ledger) -> None:
    ledger.ingest([event("x1", "a"), _rental("x1", "a")])
    assert ledger.holds.hold("burst:rentals:1", [("rentals", "x1")], T0, actor="op") == 1
    assert ledger.exclusions.frame().rows() == [("x1", "rentals", T0, None)]
    assert ledger.holds.open_holds("burst:rentals:1") == [("rentals", "x1")]
    assert ledger.verify_audit().ok


def test_a_dispute_target_with_a_shared_id_asks_for_the_source(
    ledger: Ledger, clock: FakeClock
) -> None:
    ledger.ingest(
        [
            event("x1", "a", "payment.late"),
            event("x1", "a", "rental.returned_late"),
            event("x2", "a"),
            _rental("x2", "b"),  # b's x2: a's x2 is still one event of a's
        ]
    )
    both = ledger.disputes.target("a", "x1")
    assert both.shared == ("bank", "rentals") and both.source is None
    one = ledger.disputes.target("a", "x1", "rentals")
    assert (one.owner, one.source, one.event_type, one.shared) == (
        "a",
        "rentals",
        "rental.returned_late",
        (),
    )
    assert ledger.disputes.target("a", "x2").source == "bank"
    assert ledger.disputes.target("b", "x2").source == "rentals"
    d = ledger.disputes.open(
        "a",
        "x1",
        "not mine",
        now_us=T0,
        deadline_us=T0 + DAY,
        actor="subject",
        check=lambda t: None,
        source="rentals",
    )
    assert (d.event_id, d.source) == ("x1", "rentals")
    assert ledger.exclusions.frame(["a"]).rows() == [("x1", "rentals", T0, None)]
    # the open dispute is on rentals' x1 only
    assert ledger.disputes.target("a", "x1", "rentals").open_dispute == d.dispute_id
    assert ledger.disputes.target("a", "x1", "bank").open_dispute is None
    assert ledger.verify_audit().ok


def test_erasure_takes_the_subjects_events_only(ledger: Ledger, clock: FakeClock) -> None:
    """Erasing b removes rentals' x1 about b, never bank's x1 about a."""
    ledger.ingest([event("x1", "a"), _rental("x1", "b")])
    ledger.holds.hold("h", [("bank", "x1"), ("rentals", "x1")], T0, actor="op")
    er = ledger.erasures.erase("b", now_us=clock.now_us, actor="op", named={})
    assert er.events == 1
    assert [(e.source, e.event_id) for e in ledger.events_of("a")] == [("bank", "x1")]
    assert ledger.exclusions.frame().rows() == [("x1", "bank", T0, None)]
    assert ledger.verify_audit().ok
