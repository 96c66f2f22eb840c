"""Correction, not only deletion (GDPR Art. 16), on a SQLite file and on PostgreSQL.

s1 (tests/rights/_helpers.py) scores 600 as of 2026-09-01 with a payment 45 days late
(``max_days_late_24m`` in [30, 60): -20 points). Corrected to 12 days it falls below 30
(0): 620. While the dispute is open the record does not count at all (no late payment,
days late missing, every payment on time): 645.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app
from glasscredit.exceptions import AccessDeniedError, ConflictError, ValidationError
from glasscredit.policy import parse_timestamp
from glasscredit.scoring import Scorer, verify_score
from glasscredit.store import Ledger
from tests._history import load_history
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

DAY = 86_400_000_000


def _ctx(ledger: Ledger, clock: FakeClock) -> gc.Context:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events()).check()
    ctx = gc.Context.of_ledger(ledger)
    gc.score(ctx)
    return ctx


def _days_late(ctx: gc.Context, as_of: str, *, read_at: str | None = None) -> tuple[int, object]:
    """The score and the days-late feature as of ``as_of``, over the ledger as known at
    ``read_at`` (a past time read over what the ledger knows later)."""
    exp = Scorer(ctx.ledger).explain(
        "s1",
        parse_timestamp(as_of),
        ledger_us=None if read_at is None else parse_timestamp(read_at),
    )
    value = {f.name: f.value for f in exp.features}["max_days_late_24m"]
    return exp.score, value


def test_a_confirmed_correction_supersedes_the_record_from_its_time(
    ledger: Ledger, clock: FakeClock
) -> None:
    ctx = _ctx(ledger, clock)
    assert gc.current_score(ctx, "s1").score == 600
    clock.set("2026-09-02T00:00:00Z")
    opened = gc.open_dispute(
        ctx, "s1", "s1-late", "I paid 12 days late, not 45", correct=("days_late", 12)
    )
    assert (opened.score_before, opened.score_after) == (600, 645)  # frozen meanwhile
    did = opened.dispute.dispute_id
    (asked,) = gc.list_corrections(ctx, "s1").corrections
    assert (asked.status, asked.old_value, asked.new_value) == ("requested", 45, 12)
    assert "has until 2026-10-02 to answer" in asked.text
    clock.set("2026-09-05T00:00:00Z")
    with pytest.raises(AccessDeniedError, match="own_source"):
        gc.confirm_correction(ctx, did, "rentals")
    ans = gc.confirm_correction(ctx, did, "bank", actor="source:bank")
    assert ans.dispute.status == "corrected"
    assert ans.correction.new_event_id == "s1-late#c1"
    assert ans.outcome is not None and ans.outcome.score_after == 620
    assert "corrected on 2026-09-05 at your request" in ans.correction.text
    with pytest.raises(ConflictError, match=r"\[open\]"):
        gc.confirm_correction(ctx, did, "bank")

    # the original stays, unchanged; the new version is a new event of the same source
    events = {e.event_id: e for e in ledger.events_of("s1")}
    assert events["s1-late"].attributes["days_late"] == 45
    assert events["s1-late#c1"].attributes["days_late"] == 12
    assert events["s1-late#c1"].known_at_us == events["s1-late"].known_at_us
    assert events["s1-late#c1"].recorded_at_us == parse_timestamp("2026-09-05T00:00:00Z")

    # every stored score reproduces, before the dispute, during it and after
    scorer = Scorer(ledger)
    stored = ledger.scores.history("s1")
    assert [s.score for s in stored] == [600, 645, 620]
    for s in stored:
        assert verify_score(scorer, s.score_id)["identical"], s
    # the change notice names the corrected version, not merely "counted"
    last = gc.history(ctx, "s1").notices[-1]
    assert (last.old_score, last.new_score) == (645, 620)
    assert any("counted as corrected at your request" in line for line in last.lines), last
    # a past time read over today's ledger sees one version of the record, never both
    assert _days_late(ctx, "2026-09-01T12:00:00Z", read_at="2026-09-06T00:00:00Z") == (600, 45)
    assert _days_late(ctx, "2026-09-03T00:00:00Z", read_at="2026-09-06T00:00:00Z")[1] is None
    assert _days_late(ctx, "2026-09-06T00:00:00Z") == (620, 12)

    # the explanation says so in plain words; the chain and its table digests verify
    exp = gc.explain(ctx, "s1")
    (line,) = exp.corrections
    assert line["new_event_id"] == "s1-late#c1"
    assert "corrected on 2026-09-05 at your request" in str(line["text"])
    audit = gc.verify_audit(ctx)
    assert audit.ok, audit
    actions = [e.action for e in ledger.audit.entries() if e.action != "scores"][-3:]
    assert actions == ["dispute.resolve", "ingest", "correction.confirm"]

    # the export carries both versions, linked, and still checks out
    doc = gc.export_subject(ctx, "s1").document
    rows = {e["event_id"]: e for e in doc["events"]}  # type: ignore[union-attr,index]
    assert rows["s1-late"]["corrected_by"] == "s1-late#c1"  # type: ignore[index]
    assert rows["s1-late#c1"]["corrects"] == "s1-late"  # type: ignore[index]
    assert rows["s1-late#c1"]["status"] == "counts"  # type: ignore[index]
    (c,) = doc["corrections"]  # type: ignore[misc]
    assert c["status"] == "confirmed"  # type: ignore[index]
    checked = gc.verify_export_document(doc)
    assert checked.identical, checked.problems
    assert gc.dispute_stats(ctx).sources["bank"].overturn_rate == 1.0

    # erasure takes the correction and both versions; the chain still verifies
    gc.erase_subject(ctx, "s1")
    assert ledger.corrections.of_subject("s1") == []
    assert gc.verify_audit(ctx).ok


def test_a_refused_correction_leaves_the_dispute_to_its_deadline(
    ledger: Ledger, clock: FakeClock
) -> None:
    ctx = _ctx(ledger, clock)
    clock.set("2026-09-02T00:00:00Z")
    did = gc.open_dispute(
        ctx, "s1", "s1-late", "12 days", correct=("days_late", 12)
    ).dispute.dispute_id
    clock.set("2026-09-03T00:00:00Z")
    with pytest.raises(ValidationError, match="response"):
        gc.refuse_correction(ctx, did, "bank", " ")
    ans = gc.refuse_correction(ctx, did, "bank", "Our records show 45 days.")
    assert (ans.dispute.status, ans.correction.status) == ("open", "refused")
    assert ans.dispute.source_response == "Our records show 45 days."
    assert "refused on 2026-09-03" in ans.correction.text
    with pytest.raises(ConflictError, match="answer_once"):
        gc.confirm_correction(ctx, did, "bank")
    # nobody decided: at the deadline (clock passed in) the record goes, in the person's favour
    clock.now_us = parse_timestamp(ans.dispute.deadline)
    (lapsed,) = gc.expire_disputes(ctx).disputes
    assert lapsed.status == "removed"
    assert gc.verify_audit(ctx).ok


@pytest.mark.parametrize(
    ("attribute", "value", "field", "rule"),
    [
        ("days_lat", 12, "correction.attribute", "known_attribute"),
        ("account", "acct-2", "correction.attribute", "correctable"),
        ("days_late", 0, "correction.value", "range"),
        ("days_late", 4000, "correction.value", "range"),
        ("days_late", "twelve", "correction.value", "type"),
        ("days_late", 12.5, "correction.value", "type"),
        ("days_late", 45, "correction.value", "changes"),
        ("amount", -1, "correction.value", "range"),
    ],
)
def test_a_correction_the_schema_refuses_writes_nothing(
    ledger: Ledger, clock: FakeClock, attribute: str, value: object, field: str, rule: str
) -> None:
    ctx = _ctx(ledger, clock)
    rows = len(ledger.audit.entries())
    with pytest.raises(ValidationError) as err:
        gc.open_dispute(ctx, "s1", "s1-late", "wrong", correct=(attribute, value))
    (problem,) = err.value.errors
    assert (problem.field, problem.rule) == (field, rule)
    assert ledger.disputes.find(subject="s1") == []
    assert len(ledger.audit.entries()) == rows


def test_an_enum_correction_and_one_on_another_type(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    with pytest.raises(ValidationError, match=r"correction\.value"):
        gc.open_dispute(ctx, "s1", "s1-idv", "x", correct=("level", 4))
    d = gc.open_dispute(ctx, "s1", "s1-acct", "a savings account", correct=("kind", "savings"))
    clock.set("2026-09-02T00:00:00Z")
    ans = gc.confirm_correction(ctx, d.dispute.dispute_id, "bank")
    assert ans.correction.new_value == "savings" and ans.correction.old_value == "current"


def test_cli(ledger: Ledger, clock: FakeClock, db_url: str, tmp_path: Path) -> None:
    _ctx(ledger, clock)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, [*args, "--db", db_url])
        return res.exit_code, res.output

    code, out = run(
        "dispute", "open", "s1", "s1-late", "--reason", "12 days", "--correct", "days_late=0"
    )
    assert code == 3 and "correction.value" in out and "range" in out
    code, out = run("dispute", "open", "s1", "s1-late", "--reason", "x", "--correct", "days")
    assert code == 3 and "ATTRIBUTE=VALUE" in out
    code, out = run(
        "dispute", "open", "s1", "s1-late", "--reason", "12", "--correct", "days_late=12", "--json"
    )
    assert code == 0, out
    did = str(json.loads(out)["dispute"]["dispute_id"])
    code, out = run("correction", "confirm", did, "--source", "rentals")
    assert code == 6 and "own_source" in out, out
    code, out = run("correction", "confirm", did, "--source", "bank", "--by", "source:bank")
    assert code == 0 and "at your request" in out and "score 645 -> 620" in out, out
    code, out = run("correction", "list", "s1", "--json")
    (c,) = json.loads(out)["corrections"]
    assert (c["status"], c["new_event_id"]) == ("confirmed", "s1-late#c1")
    code, out = run("audit", "verify")
    assert code == 0, out
    code, out = run("export", "s1", "--out", str(tmp_path / "e.json"))
    assert code == 0, out
    res = runner.invoke(app, ["verify-export", str(tmp_path / "e.json")])
    assert res.exit_code == 0, res.output


@pytest.fixture
def svc(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(db_url, tmp_path), clock)


def test_api(svc: Service) -> None:
    c = svc.client
    url = "/v1/subjects/alice/disputes"
    bad = c.post(
        url,
        headers=svc.headers("alice"),
        json={"event_id": "a3", "reason": "x", "correct": {"attribute": "days_late", "value": 0}},
    )
    assert bad.status_code == 422 and "correction.value" in bad.text, bad.text
    opened = c.post(
        url,
        headers=svc.headers("alice"),
        json={
            "event_id": "a3",
            "reason": "2 days",
            "correct": {"attribute": "days_late", "value": 2},
        },
    )
    assert opened.status_code == 201, opened.text
    did = opened.json()["dispute"]["dispute_id"]
    answer = f"/v1/disputes/{did}/correction"
    wrong = c.post(answer, headers=svc.headers("rentals"), json={"answer": "confirmed"})
    assert wrong.status_code == 403  # a source answers for its own records only
    mine = c.get("/v1/subjects/alice/corrections", headers=svc.headers("alice"))
    assert mine.json()["corrections"][0]["status"] == "requested"
    other = c.get("/v1/subjects/alice/corrections", headers=svc.headers("bob"))
    assert other.status_code == 403  # a subject sees only their own
    done = c.post(answer, headers=svc.headers("source"), json={"answer": "confirmed"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["dispute"]["status"] == "corrected"
    assert body["correction"]["new_value"] == 2 and "at your request" in body["correction"]["text"]
    again = c.post(
        answer, headers=svc.headers("source"), json={"answer": "refused", "reasons": "x"}
    )
    assert again.status_code == 409
    svc.clock.now_us += 1_000_000  # a second later: the correction counts from its time on
    exp = c.get("/v1/subjects/alice/explanation", headers=svc.headers("alice")).json()
    assert exp["corrections"][0]["new_event_id"] == "a3#c1"
