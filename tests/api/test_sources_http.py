"""Sources held to account over HTTP: the flags report, the operator's probation of a
source and approved backfills, with their refusals by field and rule and the audit
rows under the key's name (who may call which route: test_authorization_matrix)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Service

OP = "operator:operator-key"


def _rules(res: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in res.json()["errors"]}


def test_probation_is_placed_listed_and_released_by_the_operator(service: Service) -> None:
    op = service.headers("operator")
    placed = service.client.post(
        "/v1/probations", json={"source": "bank", "reason": "flagged: sole cohort"}, headers=op
    )
    assert placed.status_code == 200, placed.text
    p = placed.json()["probation"]
    assert (p["source"], p["until"], p["reason"], p["placed_by"]) == (
        "bank",
        None,
        "flagged: sole cohort",
        OP,
    )
    again = service.client.post(
        "/v1/probations", json={"source": "bank", "reason": "twice"}, headers=op
    )
    assert again.status_code == 409, again.text
    listed = service.client.get("/v1/probations", headers=service.headers("auditor")).json()
    assert [(x["source"], x["until"]) for x in listed["probations"]] == [("bank", None)]
    released = service.client.post("/v1/probations/bank/release", headers=op)
    assert released.status_code == 200, released.text
    assert released.json()["probation"]["until"] is not None
    assert released.json()["probation"]["released_by"] == OP
    gone = service.client.post("/v1/probations/bank/release", headers=op)
    assert gone.status_code == 404, gone.text
    with service.context() as ctx:
        actions = [e.action for e in ctx.ledger.audit.entries()]
    assert "source_probation" in actions


def test_probation_refusals_name_the_field_and_rule(service: Service) -> None:
    op = service.headers("operator")
    bad = service.client.post(
        "/v1/probations",
        json={"source": "nobody", "reason": "x", "since": "2099-01-01T00:00:00Z"},
        headers=op,
    )
    assert bad.status_code == 422, bad.text
    assert {("source", "unknown_source"), ("since", "future")} <= _rules(bad)
    garbled = service.client.post(
        "/v1/probations", json={"source": "bank", "reason": "x", "since": "yesterday"}, headers=op
    )
    assert garbled.status_code == 422 and ("since", "timestamp") in _rules(garbled)
    extra = service.client.post(
        "/v1/probations", json={"source": "bank", "reason": "x", "score": 950}, headers=op
    )
    assert extra.status_code == 422, extra.text


def test_a_backfill_is_approved_then_admits_only_its_source_and_dates(service: Service) -> None:
    op = service.headers("operator")
    body = {
        "source": "bank",
        "occurred_from": "2020-01-01T00:00:00Z",
        "occurred_to": "2021-01-01T00:00:00Z",
        "known_from": "2020-06-01T00:00:00Z",
        "reason": "the bank's records before it joined",
    }
    res = service.client.post("/v1/backfills", json=body, headers=op)
    assert res.status_code == 200, res.text
    b = res.json()
    assert (b["source"], b["known_from"], b["approved_by"]) == (
        "bank",
        "2020-06-01T00:00:00Z",
        OP,
    )
    listed = service.client.get("/v1/backfills", headers=service.headers("auditor")).json()
    assert listed["backfills"][-1] == b  # the newest, after the seed's own approvals

    def event(eid: str, when: str, source: str = "bank") -> dict[str, Any]:
        return {
            "event_id": eid,
            "subject": "carol",
            "source": source,
            "type": "payment.on_time",
            "occurred_at": when,
            "attributes": {"amount": 10},
        }

    sent = service.client.post(
        "/v1/events",
        json={
            "events": [
                event("bf-1", "2020-03-01T00:00:00Z"),  # inside: accepted
                event("bf-2", "2022-03-01T00:00:00Z"),  # after the approved range
            ],
            "backfill": b["backfill_id"],
        },
        headers=op,
    )
    assert sent.status_code == 200, sent.text
    out = sent.json()
    assert (out["accepted"], out["invalid"]) == (1, 1), out
    assert [(e["row"], e["field"]) for e in out["errors"]] == [(2, "occurred_at")]


def test_backfill_refusals_name_the_field_and_rule(service: Service) -> None:
    res = service.client.post(
        "/v1/backfills",
        json={
            "source": "bank",
            "occurred_from": "2021-01-01T00:00:00Z",
            "occurred_to": "2099-01-01T00:00:00Z",
            "known_from": "2020-01-01T00:00:00Z",
            "reason": "x",
        },
        headers=service.headers("operator"),
    )
    assert res.status_code == 422, res.text
    assert {("occurred_to", "future"), ("known_from", "before_range")} <= _rules(res)


def test_the_flags_report_is_a_read_and_acting_on_it_is_audited(service: Service) -> None:
    read = service.client.get("/v1/sources/accountability", headers=service.headers("auditor"))
    assert read.status_code == 200, read.text
    body = read.json()
    assert {s["source"] for s in body["sources"]} >= {"bank"}
    assert (body["recorded"], body["placed"], body["held"]) == (0, [], 0)
    bad = service.client.get(
        "/v1/sources/accountability",
        params={"as_of": "not a time"},
        headers=service.headers("auditor"),
    )
    assert bad.status_code == 422 and ("as_of", "timestamp") in _rules(bad)
    acted = service.client.post(
        "/v1/sources/accountability", json={"probation": True}, headers=service.headers("operator")
    )
    assert acted.status_code == 200, acted.text
    assert acted.json()["recorded"] == len(acted.json()["flags"])


def test_a_source_key_cannot_load_into_another_sources_backfill(service: Service) -> None:
    """A backfill approved for rentals admits no event of bank, whoever sends it."""
    res = service.client.post(
        "/v1/backfills",
        json={
            "source": "rentals",
            "occurred_from": "2020-01-01T00:00:00Z",
            "occurred_to": "2021-01-01T00:00:00Z",
            "known_from": "2020-01-01T00:00:00Z",
            "reason": "the rental platform's past",
        },
        headers=service.headers("operator"),
    )
    assert res.status_code == 200, res.text
    old = {
        "event_id": "sq-1",
        "subject": "carol",
        "source": "bank",
        "type": "payment.on_time",
        "occurred_at": "2020-03-01T00:00:00Z",
        "attributes": {"amount": 10},
    }
    sent = service.client.post(
        "/v1/events",
        json={"events": [old], "backfill": res.json()["backfill_id"]},
        headers=service.headers("source"),
    )
    assert sent.status_code in (200, 403, 422), sent.text
    if sent.status_code == 200:
        assert sent.json()["accepted"] == 0 and sent.json()["errors"], sent.json()
