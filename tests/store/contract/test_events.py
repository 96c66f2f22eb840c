"""EventLog: append events, read them back one way, whatever the filter."""

from __future__ import annotations

import json

import polars as pl
import pytest

from glasscredit.exceptions import NotFoundError
from glasscredit.policy import parse_timestamp
from glasscredit.store import EVENT_SCHEMA, Ledger
from tests.conftest import FakeClock
from tests.store._live import event
from tests.store.contract.conftest import DAY, T0, fill


def test_ingest_appends_once_and_reports_every_row(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    again = ledger.ingest(
        [
            event("e1", "s1", "payment.late", "2026-08-27T10:00:00Z", days_late=45),
            event("e1", "s1", "payment.late", "2026-08-27T10:00:00Z", days_late=46),
            {"event_id": "bad"},
        ]
    )
    assert (again.duplicates, again.conflicts, again.invalid, again.accepted) == (1, 1, 1, 0)
    assert ledger.counts()["events"] == 5 and ledger.counts()["subjects"] == 3


def test_subjects_and_their_events(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    assert ledger.has_subject("s1") and not ledger.has_subject("nobody")
    assert ledger.all_subjects() == ["s1", "s2", "s3"]
    assert ledger.first_seen("s2") == T0 and ledger.first_seen("nobody") is None
    assert ledger.subjects_seen(T0)["subject"].sort().to_list() == ["s1", "s2", "s3"]
    assert ledger.subjects_seen(T0 - 1).height == 0
    evs = ledger.events_of("s2")
    assert [e.event_id for e in evs] == ["e2", "e5"]  # in the order they happened
    assert evs[0].attributes == {"amount": 10, "kind": "internet"}
    assert evs[1].recorded_at_us == T0 + DAY
    assert [e.event_id for e in ledger.events_of("s2", recorded_by_us=T0)] == ["e2"]
    with pytest.raises(NotFoundError):
        ledger.events_of("nobody")
    hashes = ledger.content_hashes("s1")
    assert set(hashes) == {("bank", "e1"), ("rentals", "e3")}
    assert all(len(h) == 64 for h in hashes.values())
    assert ledger.events_by_source() == {"bank": 3, "rentals": 1, "community": 1}


def test_one_read_path_with_every_filter(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)

    def ids(frame: pl.DataFrame) -> list[str]:
        return sorted(frame["event_id"].to_list())

    whole = ledger.event_table()
    assert whole.schema.equals(EVENT_SCHEMA)
    assert sorted(whole.column("event_id").to_pylist()) == ["e1", "e2", "e3", "e4", "e5"]
    assert ids(ledger.event_frame(subjects_in=["s1", "s3"])) == ["e1", "e3", "e4"]
    assert ids(ledger.event_frame(subjects_in=[])) == []
    assert ids(ledger.event_frame(recorded_by_us=T0)) == ["e1", "e2", "e3", "e4"]
    assert ids(ledger.event_frame(types=["bill.paid", "payment.on_time"])) == ["e2", "e5"]
    occ = parse_timestamp("2026-08-28T10:00:00Z")
    assert ids(ledger.event_frame(occurred_from_us=occ)) == ["e2", "e3", "e4", "e5"]
    assert ids(ledger.event_frame(occurred_by_us=occ)) == ["e1", "e2"]
    batches = list(ledger.iter_event_batches(subject_range=("s2", "s3"), chunk=1))
    assert sorted(e for b in batches for e in b.column("event_id").to_pylist()) == [
        "e2",
        "e4",
        "e5",
    ]
    typed = ledger.event_table(attribute_types={"payment.late"})
    attrs = dict(
        zip(
            typed.column("event_id").to_pylist(),
            typed.column("attributes").to_pylist(),
            strict=True,
        )
    )
    assert json.loads(attrs["e1"]) == {"amount": 10, "days_late": 45} and attrs["e2"] is None


def test_first_events_per_subject_and_source(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    first = ledger.first_events(T0 + DAY)
    got = {(r["subject"], r["source"]): r["first_us"] for r in first.iter_rows(named=True)}
    assert got[("s1", "bank")] == parse_timestamp("2026-08-27T10:00:00Z")
    assert got[("s2", "bank")] == parse_timestamp("2026-08-28T10:00:00Z")
    assert set(got) == {("s1", "bank"), ("s1", "rentals"), ("s2", "bank"), ("s3", "community")}
    # and when the ledger first knew of each (its own clock): the batch of the first day,
    # s2's on-time payment of the second day does not move it
    known = {(r["subject"], r["source"]): r["known_us"] for r in first.iter_rows(named=True)}
    assert known[("s1", "bank")] == known[("s2", "bank")] == T0
    assert ledger.first_events(T0 - 1).height == 0  # nothing recorded yet


def test_subject_reader_matches_the_batch_read(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    ledger.snapshots.append("trust", T0, {"s2": 0.5}, made_at_us=T0, actor="test")
    reader = ledger.subject_reader({"bill.paid"}, [("trust", "trust")])
    try:
        got = reader.read("s2", T0 + DAY)
        assert got.known
        batch = ledger.event_frame(subjects_in=["s2"]).sort("seq")
        assert got.events.sort("seq")["event_id"].to_list() == batch["event_id"].to_list()
        assert got.events.schema == batch.schema
        by_id = dict(got.events.select("event_id", "attributes").iter_rows())
        assert by_id["e5"] is None and json.loads(by_id["e2"])["kind"] == "internet"
        assert got.external is not None and got.external.to_dicts() == [
            {"subject": "s2", "trust": 0.5}
        ]
        assert reader.read("s2", T0).events["event_id"].to_list() == ["e2"]
        assert reader.read("s2", T0 - 1).external is None  # no snapshot yet
        unknown = reader.read("nobody", T0)
        assert not unknown.known and unknown.events.height == 0
    finally:
        reader.close()


def test_audit_chain_verifies_after_appends(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    rep = ledger.verify_audit()
    assert rep.ok and rep.rows == 2 and rep.events == 5
    assert ledger.audit.verify() == rep
    ingests = ledger.audit.entries(action="ingest")
    assert [e.details["count"] for e in ingests] == [4, 1]
    assert ingests[1].prev_hash == ingests[0].row_hash


def test_the_mirror_serves_what_the_table_holds(
    ledger: Ledger, clock: FakeClock, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLASSCREDIT_MIRROR_DIR", str(tmp_path))  # PostgreSQL's is configured
    fill(ledger, clock)
    mirror = ledger.mirror
    assert mirror is not None
    report = mirror.sync()
    assert report.appended == 5 and mirror.verify() == []
    table = ledger.event_frame().sort("seq")
    assert mirror.scan().sort("seq").equals(table)
    assert mirror.scan(recorded_by_us=T0)["event_id"].sort().to_list() == ["e1", "e2", "e3", "e4"]
    assert mirror.sync().appended == 0  # nothing new
