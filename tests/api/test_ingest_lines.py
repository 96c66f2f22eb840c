"""Batch ingest of a JSON Lines body: the same rows, rules and per-row results as a JSON
body, read column-wise for an operator and row by row (each row its own source) for a
source key."""

from __future__ import annotations

import json

from glasscredit import app as uc
from tests.api.conftest import Service
from tests.conftest import event

LINES = {"Content-Type": uc.JSON_LINES}


def _lines(*rows: object) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


def test_an_operator_batch_is_ingested_with_per_row_results(service: Service) -> None:
    # live events, dated within the policy's backdating bound of the clock (2026-09-01)
    recent = event("a9", subject="alice", occurred_at="2026-08-20T10:00:00Z")
    with service.context() as ctx:
        assert uc.ingest_records(ctx, [recent]).accepted == 1  # type: ignore[list-item]
    body = _lines(
        event("l1", subject="carol", occurred_at="2026-08-01T10:00:00Z"),
        recent,  # a duplicate
        "{not json",
        event("l2", subject="carol", type_="payment.late", occurred_at="2026-08-02T10:00:00Z"),
        {**event("l3", subject="carol"), "type": "speech.posted"},
    )
    res = service.client.post(
        "/v1/events/lines", content=body, headers={**service.headers("operator"), **LINES}
    )
    assert res.status_code == 200, res.text
    got = res.json()
    assert (got["input"], got["accepted"], got["duplicates"]) == (5, 2, 1)
    assert sorted(e["row"] for e in got["errors"]) == [3, 5]
    with service.context() as ctx:
        assert [e.event_id for e in uc.events_of(ctx, "carol").events] == ["l1", "l2"]
    again = service.client.post(
        "/v1/events/lines", content=body, headers={**service.headers("operator"), **LINES}
    )
    assert again.json()["duplicates"] == 3 and again.json()["accepted"] == 0


def test_a_source_reports_only_as_itself(service: Service) -> None:
    body = _lines(
        event("s1", subject="dave", source="bank", occurred_at="2026-08-01T10:00:00Z"),
        event("s2", subject="dave", source="rentals", occurred_at="2026-08-01T10:00:00Z"),
    )
    res = service.client.post(
        "/v1/events/lines", content=body, headers={**service.headers("source"), **LINES}
    )
    got = res.json()
    assert res.status_code == 200 and got["accepted"] == 1
    assert [(e["row"], e["field"], e["rule"]) for e in got["errors"]] == [
        (2, "source", "own_source")
    ]


def test_refusals(sqlite_service: Service) -> None:
    c = sqlite_service.client
    body = _lines(event("x1", subject="alice"))
    denied = c.post("/v1/events/lines", content=body, headers=sqlite_service.headers("alice"))
    assert denied.status_code == 403
    empty = c.post("/v1/events/lines", content=b"\n", headers=sqlite_service.headers("operator"))
    assert empty.status_code == 422 and "body" in empty.text and "required" in empty.text
