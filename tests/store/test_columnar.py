"""The columnar read path returns exactly what was stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

import glasscredit.store._columnar as columnar
from glasscredit.policy import parse_timestamp
from glasscredit.store import Ledger
from tests.conftest import FakeClock
from tests.store._live import event


def _fill(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    ledger.ingest(
        [
            event("e1", "s1", "payment.late", "2026-08-27T10:00:00Z", days_late=45),
            event("e2", "s2", "bill.paid", "2026-08-28T10:00:00Z", kind="internet"),
            event("e3", "s3", "identity.verified", "2026-08-29T10:00:00Z", level=3),
        ]
    ).check()
    clock.set("2026-09-02T00:00:00Z")
    ledger.ingest([event("e4", "s4", "payment.on_time", "2026-08-30T10:00:00Z")]).check()


def test_event_table_round_trips_every_column(ledger: Ledger, clock: FakeClock) -> None:
    _fill(ledger, clock)
    rows = sorted(ledger.event_table().to_pylist(), key=lambda r: r["event_id"])
    assert [r["event_id"] for r in rows] == ["e1", "e2", "e3", "e4"]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]  # ingest order
    first = rows[0]
    assert (first["subject"], first["source"], first["type"]) == ("s1", "bank", "payment.late")
    assert first["occurred_at_us"] == parse_timestamp("2026-08-27T10:00:00Z")
    assert first["recorded_at_us"] == parse_timestamp("2026-09-01T00:00:00Z")
    # JSON with quotes and commas survives the CSV hop byte for byte
    assert json.loads(first["attributes"]) == {"amount": 10, "days_late": 45}
    assert (
        first["attributes"]
        == ledger.execute_sql("SELECT attributes FROM events WHERE event_id = 'e1'")[0][0]
    )


def test_filters_ranges_and_attribute_types(ledger: Ledger, clock: FakeClock) -> None:
    _fill(ledger, clock)

    def ids(**kw: object) -> list[str]:
        return sorted(ledger.event_table(**kw).column("event_id").to_pylist())  # type: ignore[arg-type]

    assert ids(subject_range=("s2", "s3")) == ["e2", "e3"]  # inclusive at both ends
    assert ids(subjects_in=["s1", "s4"]) == ["e1", "e4"]
    assert ids(subjects_in=[]) == []
    assert ids(recorded_by_us=parse_timestamp("2026-09-01T00:00:00Z")) == ["e1", "e2", "e3"]
    tab = ledger.event_table(attribute_types={"payment.late"})
    attrs = dict(
        zip(tab.column("event_id").to_pylist(), tab.column("attributes").to_pylist(), strict=True)
    )
    assert attrs["e1"] is not None and attrs["e2"] is None and attrs["e4"] is None


def test_long_subject_lists_are_split(
    ledger: Ledger, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(ledger, clock)
    monkeypatch.setattr(columnar, "_MAX_SUBJECTS", 2)  # 3 subjects -> two statements
    tab = ledger.event_table(subjects_in=["s1", "s2", "s3"])
    assert sorted(tab.column("event_id").to_pylist()) == ["e1", "e2", "e3"]
