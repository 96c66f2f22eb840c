"""Dispute outcomes with reasons, the 15-day extension, and what the source said."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app
from glasscredit.exceptions import AccessDeniedError, ConflictError
from glasscredit.policy import parse_timestamp
from glasscredit.rights._disputes import DEADLINE_RESOLUTION, PLAIN_OUTCOME
from glasscredit.store import Ledger
from tests._history import load_history
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

DAY = 86_400_000_000


def _ctx(ledger: Ledger, clock: FakeClock) -> gc.Context:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events())
    return gc.Context.of_ledger(ledger)


def test_new_information_extends_the_deadline_once(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    opened = gc.open_dispute(ctx, "s1", "s1-default", "not mine").dispute
    t0 = parse_timestamp(opened.opened_at)
    assert parse_timestamp(opened.deadline) == t0 + 30 * DAY
    clock.now_us = t0 + 10 * DAY
    d = gc.add_dispute_information(ctx, opened.dispute_id, "a letter from the bank")
    assert parse_timestamp(d.deadline) == t0 + 45 * DAY
    assert (d.new_information, d.extended_at) == ("a letter from the bank", d.extended_at)
    with pytest.raises(ConflictError, match="extend_once"):
        gc.add_dispute_information(ctx, opened.dispute_id, "more")
    clock.now_us = t0 + 45 * DAY  # the extended deadline itself: lapses now
    (lapsed,) = gc.expire_disputes(ctx).disputes
    assert (lapsed.status, lapsed.resolution) == ("removed", DEADLINE_RESOLUTION)
    clock.now_us = t0 + 44 * DAY
    notices = gc.list_disputes(ctx, source="bank").notices or []
    assert [n.kind for n in notices] == ["opened", "extended", "resolved"]
    acts = [e.action for e in ledger.audit.entries() if e.action.startswith("dispute")]
    assert acts == ["dispute.open", "dispute.extend", "dispute.resolve"]


def test_no_extension_after_the_deadline(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    opened = gc.open_dispute(ctx, "s1", "s1-default", "not mine").dispute
    clock.now_us = parse_timestamp(opened.deadline) + 1
    with pytest.raises(ConflictError, match=r"\[open\]"):
        gc.add_dispute_information(ctx, opened.dispute_id, "too late")


def test_outcome_reasons_and_source_response_in_the_export(
    ledger: Ledger, clock: FakeClock
) -> None:
    ctx = _ctx(ledger, clock)
    a = gc.open_dispute(ctx, "s1", "s1-default", "not mine").dispute
    clock.set("2026-09-02T00:00:00Z")
    b = gc.open_dispute(ctx, "s1", "s1-late", "I paid on time").dispute
    clock.set("2026-09-03T00:00:00Z")
    with pytest.raises(AccessDeniedError, match="own_source"):
        gc.respond_to_dispute(ctx, a.dispute_id, "rentals", "not ours")
    said = gc.respond_to_dispute(ctx, a.dispute_id, "bank", "Our <records> show no such loan.")
    assert said.source_response == "Our <records> show no such loan."
    clock.set("2026-09-04T00:00:00Z")
    res = gc.resolve_dispute(ctx, a.dispute_id, "removed", reasons="The bank withdrew it.")
    clock.set("2026-09-05T00:00:00Z")
    assert res.dispute.resolution == "The bank withdrew it."
    plain = gc.resolve_dispute(ctx, b.dispute_id, "upheld")
    assert plain.dispute.resolution == PLAIN_OUTCOME["upheld"]
    exp = gc.export_subject(ctx, "s1", html=True)
    rows = {d["dispute_id"]: d for d in exp.document["disputes"]}  # type: ignore[union-attr,index]
    assert rows[a.dispute_id]["source_response"] == "Our <records> show no such loan."  # type: ignore[index]
    assert rows[a.dispute_id]["resolution"] == "The bank withdrew it."  # type: ignore[index]
    assert exp.html is not None and "Our &lt;records&gt; show no such loan." in exp.html
    checked = gc.verify_export_document(exp.document)
    assert checked.identical, checked.problems
    gc.erase_subject(ctx, "s1")
    kept = ledger.disputes.find(source="bank")
    assert {(d.resolution, d.source_response, d.new_information) for d in kept} == {
        (None, None, None)
    }


def test_cli(ledger: Ledger, clock: FakeClock, db_url: str) -> None:
    _ctx(ledger, clock)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, [*args, "--db", db_url])
        return res.exit_code, res.output

    # the CLI runs on the system clock: the dispute is opened through it too
    code, out = run("dispute", "open", "s1", "s1-default", "--reason", "not mine", "--json")
    did = json.loads(out)["dispute"]["dispute_id"]
    code, out = run("dispute", "inform", str(did), "--information", "a letter", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert parse_timestamp(d["deadline"]) - parse_timestamp(d["opened_at"]) == 45 * DAY
    code, out = run("dispute", "respond", str(did), "--source", "bank", "--response", "checked")
    assert code == 0, out
    code, out = run("dispute", "resolve", str(did), "removed", "--reasons", "[b]no proof[/b]")
    assert code == 0 and "why: [b]no proof[/b]" in out


@pytest.fixture
def svc(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(db_url, tmp_path), clock)


def test_api(svc: Service) -> None:
    c = svc.client
    opened = c.post(
        "/v1/subjects/alice/disputes",
        headers=svc.headers("alice"),
        json={"event_id": "a3", "reason": "not mine"},
    ).json()["dispute"]
    did = opened["dispute_id"]
    url = f"/v1/subjects/alice/disputes/{did}/information"
    got = c.post(url, headers=svc.headers("alice"), json={"information": "a receipt"})
    assert got.status_code == 200, got.text
    assert parse_timestamp(got.json()["deadline"]) == parse_timestamp(opened["deadline"]) + 15 * DAY
    bob = c.post(
        f"/v1/subjects/bob/disputes/{did}/information",
        headers=svc.headers("operator"),
        json={"information": "x"},
    )
    assert bob.status_code == 404  # under another subject's file, there is no such dispute
    answered = c.post(
        f"/v1/disputes/{did}/response", headers=svc.headers("source"), json={"response": "ok"}
    )
    assert answered.status_code == 200 and answered.json()["source_response"] == "ok"
    wrong = c.post(
        f"/v1/disputes/{did}/response", headers=svc.headers("rentals"), json={"response": "x"}
    )
    assert wrong.status_code == 403
    done = c.post(
        f"/v1/disputes/{did}/resolution",
        headers=svc.headers("operator"),
        json={"outcome": "upheld", "reasons": "The payment was late."},
    )
    assert done.json()["dispute"]["resolution"] == "The payment was late."
