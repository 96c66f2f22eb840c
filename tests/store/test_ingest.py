"""Ingest on SQLite and PostgreSQL: accepted, duplicate, conflict, invalid, all counted."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glasscredit.exceptions import IngestFileError, NotFoundError
from glasscredit.store import Ledger
from tests.conftest import FakeClock
from tests.store._live import event


def test_valid_events_are_stored_with_both_times(ledger: Ledger, clock: FakeClock) -> None:
    rep = ledger.ingest(
        [
            event("e1", occurred_at="2026-08-28T10:00:00+02:00"),
            event("e2", type_="payment.late", days_late=12),
        ]
    )
    assert (rep.input, rep.accepted, rep.duplicates, rep.rejected) == (2, 2, 0, 0)
    evs = ledger.events_of("s1")
    assert [e.event_id for e in evs] == ["e1", "e2"]
    assert evs[0].as_dict()["occurred_at"] == "2026-08-28T08:00:00Z"
    assert all(e.recorded_at_us == clock.now_us for e in evs)
    assert evs[1].attributes == {"amount": 10, "days_late": 12}


def test_resending_is_a_no_op_and_other_content_is_a_conflict(ledger: Ledger) -> None:
    ledger.ingest([event("e1"), event("e2")])
    rep = ledger.ingest([event("e1"), event("e2", amount=11), event("e3")])
    assert (rep.accepted, rep.duplicates, rep.conflicts, rep.invalid) == (1, 1, 1, 0)
    assert rep.errors[0].row == 2 and rep.errors[0].rule == "conflict"
    assert ledger.events_of("s1")[1].attributes == {"amount": 10}
    assert ledger.counts()["events"] == 3


def test_repeats_inside_one_batch_are_classified(ledger: Ledger) -> None:
    rep = ledger.ingest([event("e1"), event("e1"), event("e1", amount=99)])
    assert (rep.accepted, rep.duplicates, rep.conflicts) == (1, 1, 1)


def test_number_forms_of_the_same_value_are_the_same_event(ledger: Ledger) -> None:
    ledger.ingest([event("e1", amount=10)])
    rep = ledger.ingest([event("e1", amount=10.0)])
    assert rep.duplicates == 1


@pytest.mark.parametrize(
    ("mutate", "field", "rule"),
    [
        (lambda e: e.pop("subject"), "subject", "required"),
        (lambda e: e.update(subject="Jane Doe"), "subject", "subject_id"),
        (lambda e: e.update(type="payment.never"), "type", "unknown_type"),
        (lambda e: e.update(source="rentals"), "type", "source_not_allowed"),
        (lambda e: e.update(source="nsa"), "source", "unknown_source"),
        (lambda e: e.update(occurred_at="2026-03-02 10:00"), "occurred_at", "timestamp"),
        (lambda e: e.update(occurred_at="2026-03-02T10:00:00"), "occurred_at", "timestamp"),
        (lambda e: e.update(occurred_at="2030-01-01T00:00:00Z"), "occurred_at", "future"),
        (lambda e: e.update(extra=1), "extra", "unknown_field"),
        (lambda e: e["attributes"].update(amount="ten"), "attributes.amount", "type"),
        (lambda e: e["attributes"].update(amount=-1), "attributes.amount", "range"),
        (lambda e: e["attributes"].update(amount=float("inf")), "attributes.amount", "finite"),
        (lambda e: e["attributes"].update(amount=1e300), "attributes.amount", "range"),
        (
            lambda e: e["attributes"].update(note="I vote green"),
            "attributes.note",
            "unknown_attribute",
        ),
        (lambda e: e["attributes"].pop("amount"), "attributes.amount", "required"),
    ],
)
def test_invalid_events_are_refused_naming_field_and_rule(
    ledger: Ledger, mutate: object, field: str, rule: str
) -> None:
    bad = event("bad")
    mutate(bad)  # type: ignore[operator]
    rep = ledger.ingest([event("ok"), bad])
    assert (rep.accepted, rep.invalid) == (1, 1)
    assert any(e.row == 2 and e.field == field and e.rule == rule for e in rep.errors), rep.errors
    assert [e.event_id for e in ledger.events_of("s1")] == ["ok"]


def test_self_endorsement_is_refused(ledger: Ledger) -> None:
    rep = ledger.ingest([event("x", type_="endorsement", endorser="s1")])
    assert rep.invalid == 1 and rep.errors[0].rule == "self_reference"


def test_clock_skew_allowance(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    rep = ledger.ingest(
        [
            event("soon", occurred_at="2026-09-01T00:04:00Z"),
            event("later", occurred_at="2026-09-01T00:06:00Z"),
        ]
    )
    assert rep.accepted == 1 and rep.errors[0].rule == "future"


def test_audit_chain_verifies_after_several_batches(ledger: Ledger) -> None:
    ledger.ingest([event(f"e{i}") for i in range(25)], batch_size=10)
    rep = ledger.verify_audit()
    assert rep.ok and rep.rows == 3 and rep.events == 25


def test_unknown_subject_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        ledger.events_of("nobody")


def test_files_of_every_format_ingest_the_same(
    tmp_path: Path, sqlite_url: str, policy: object, clock: FakeClock
) -> None:
    evs = [
        event("e1"),
        event("e2", type_="payment.late", days_late=3),
        event("e3", type_="identity.verified", level=3),
    ]
    jl = tmp_path / "a.jsonl"
    jl.write_text("\n".join(json.dumps(e) for e in evs) + "\n")
    js = tmp_path / "a.json"
    js.write_text(json.dumps(evs))
    cs = tmp_path / "a.csv"
    cs.write_text(
        "event_id,subject,source,type,occurred_at,attributes.amount,"
        "attributes.days_late,attributes.level\n"
        "e1,s1,bank,payment.on_time,2026-08-28T10:00:00Z,10,,\n"
        "e2,s1,bank,payment.late,2026-08-28T10:00:00Z,10,3,\n"
        "e3,s1,bank,identity.verified,2026-08-28T10:00:00Z,,,3\n"
    )
    pqf = tmp_path / "a.parquet"
    pq.write_table(
        pa.Table.from_pylist([{**e, "attributes": json.dumps(e["attributes"])} for e in evs]), pqf
    )
    for i, f in enumerate((jl, js, cs, pqf)):
        with Ledger(f"sqlite:///{tmp_path / f'l{i}.db'}", policy, clock=clock) as led:  # type: ignore[arg-type]
            rep = led.ingest_file(f)
            assert rep.accepted == 3, (f, rep.errors)
            assert [e.attributes for e in led.events_of("s1")] == [
                {"amount": 10},
                {"amount": 10, "days_late": 3},
                {"level": 3},
            ]


def test_broken_lines_are_reported_by_row(tmp_path: Path, ledger: Ledger) -> None:
    f = tmp_path / "b.jsonl"
    f.write_bytes(
        json.dumps(event("e1")).encode()
        + b"\n{not json\n\xff\xfe\n[1,2]\n"
        + json.dumps(event("e2")).encode()
        + b"\n"
    )
    rep = ledger.ingest_file(f)
    assert (rep.input, rep.accepted, rep.invalid) == (5, 2, 3)
    assert [(e.row, e.rule) for e in rep.errors] == [(2, "json"), (3, "encoding"), (4, "object")]


def test_unreadable_files_raise_a_file_error(tmp_path: Path, ledger: Ledger) -> None:
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"PAR1garbage")
    with pytest.raises(IngestFileError, match="parquet"):
        ledger.ingest_file(bad)
    with pytest.raises(IngestFileError, match="format"):
        ledger.ingest_file(tmp_path / "x.xlsx")
    assert ledger.counts()["events"] == 0
