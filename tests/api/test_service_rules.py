"""What each party may do, end to end: sources report as themselves and read with a
purpose, subjects see who looked and contest their own events, operators resolve."""

from __future__ import annotations

from glasscredit import app as uc
from tests.api.conftest import Service
from tests.conftest import event


def test_a_source_reports_only_as_itself_and_only_its_types(service: Service) -> None:
    rows = [
        event("s1", subject="carol", occurred_at="2026-08-01T00:00:00Z"),  # bank: ok
        event("s2", subject="carol", occurred_at="2026-08-01T00:00:00Z", source="rentals"),
        event("s3", subject="carol", type_="rental.returned", source="bank"),  # not bank's type
    ]
    res = service.client.post(
        "/v1/events", headers=service.headers("source"), json={"events": rows}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["input"], body["accepted"], body["rejected"]) == (3, 1, 2)
    by_row = {e["row"]: (e["field"], e["rule"]) for e in body["errors"]}
    assert by_row[2] == ("source", "own_source")
    assert by_row[3][0] in ("type", "source")  # the policy's sources.bank.types refuses it
    with service.context() as ctx:
        assert [e.event_id for e in ctx.ledger.events_of("carol")] == ["s1"]
        audit = [e for e in ctx.ledger.audit.entries() if e.action == "ingest"]
        assert audit[-1].actor == "source:bank"


def test_reads_by_sources_and_operators_are_shown_to_the_subject(service: Service) -> None:
    c = service.client
    denied = c.get("/v1/subjects/alice/score", headers=service.headers("source"))
    assert denied.status_code == 403 and denied.json()["errors"][0]["rule"] == "permissible_purpose"
    bad = c.get(
        "/v1/subjects/alice/score", headers=service.headers("source"), params={"purpose": "curious"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "purpose"
    ok = c.get(
        "/v1/subjects/alice/score",
        headers=service.headers("source"),
        params={"purpose": "credit_transaction"},
    )
    assert ok.status_code == 200 and ok.json()["subject"] == "alice"
    assert c.get("/v1/subjects/alice/events", headers=service.headers("operator")).is_success
    assert c.get("/v1/subjects/alice/score", headers=service.headers("alice")).is_success
    assert (
        c.get("/v1/subjects/nobody/score", headers=service.headers("operator")).status_code == 404
    )
    seen = c.get("/v1/subjects/alice/inquiries", headers=service.headers("alice")).json()["reads"]
    assert [(r["reader"], r["purpose"], r["what"]) for r in seen] == [
        ("source:bank", "credit_transaction", "score"),
        ("operator:operator-key", "operations", "events"),
    ]  # the subject's own read and the failed ones are not inquiries
    export = c.get("/v1/subjects/alice/export", headers=service.headers("alice")).json()
    assert export["export"]["subject"] == "alice"
    assert [r["what"] for r in export["inquiries"]["reads"]] == ["score", "events"]
    assert c.get("/v1/subjects/bob/inquiries", headers=service.headers("bob")).json()["reads"] == []


def test_disputes_subject_opens_operator_resolves_source_sees_its_outcomes(
    service: Service,
) -> None:
    c = service.client
    opened = c.post(
        "/v1/subjects/alice/disputes",
        headers=service.headers("alice"),
        json={"event_id": "a3", "reason": "I paid on time"},
    )
    assert opened.status_code == 201, opened.text
    dispute = opened.json()["dispute"]
    assert dispute["opened_by"] == "subject" and dispute["status"] == "open"
    not_hers = c.post(
        "/v1/subjects/alice/disputes",
        headers=service.headers("alice"),
        json={"event_id": "b2", "reason": "x"},
    )
    assert not_hers.status_code in (403, 404)
    theirs = c.get("/v1/disputes", headers=service.headers("bob")).json()
    assert theirs["disputes"] == []
    rentals = c.get("/v1/disputes", headers=service.headers("rentals")).json()
    assert rentals["disputes"] == [] and rentals["notices"] == []
    peek = c.get("/v1/disputes", headers=service.headers("rentals"), params={"source": "bank"})
    assert peek.status_code == 403
    resolved = c.post(
        f"/v1/disputes/{dispute['dispute_id']}/resolution",
        headers=service.headers("operator"),
        json={"outcome": "removed"},
    )
    assert resolved.status_code == 200 and resolved.json()["dispute"]["status"] == "removed"
    bank = c.get("/v1/disputes", headers=service.headers("source")).json()
    assert [d["dispute_id"] for d in bank["disputes"]] == [dispute["dispute_id"]]
    assert [n["kind"] for n in bank["notices"]] == ["opened", "resolved"]
    assert bank["notices"][-1]["outcome"] == "removed"


def test_erasure_removes_the_file_and_its_read_log(service: Service) -> None:
    c = service.client
    c.get("/v1/subjects/bob/events", headers=service.headers("operator"))
    gone = c.delete("/v1/subjects/bob", headers=service.headers("operator"))
    assert gone.status_code == 200, gone.text
    assert gone.json()["events"] == 2
    assert c.get("/v1/subjects/bob/score", headers=service.headers("operator")).status_code == 404
    assert c.delete("/v1/subjects/bob", headers=service.headers("operator")).status_code == 404
    with service.context() as ctx:
        assert ctx.ledger.access.reads_of("bob") == []
        assert ctx.ledger.verify_audit().ok


def test_erasure_from_the_command_line_forgets_the_read_log(service: Service) -> None:
    service.client.get("/v1/subjects/alice/events", headers=service.headers("auditor"))
    with service.context() as ctx:
        assert len(ctx.ledger.access.reads_of("alice")) == 1
        uc.erase_subject(ctx, "alice", actor="cli")  # what `glasscredit erase` calls
        assert ctx.ledger.access.reads_of("alice") == []
