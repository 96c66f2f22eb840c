"""Adverse-action notices (FCRA 615), through the app layer, the CLI and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app
from glasscredit.exceptions import NotFoundError, ValidationError
from glasscredit.store import Ledger
from tests._history import load_history
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events


def _ctx(ledger: Ledger, clock: FakeClock) -> gc.Context:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events())
    ctx = gc.Context.of_ledger(ledger)
    gc.score(ctx)
    return ctx


def test_notice_has_factors_score_range_date_who_and_rights(
    ledger: Ledger, clock: FakeClock
) -> None:
    ctx = _ctx(ledger, clock)
    policy5 = ledger.policy.model_copy(update={"reason_codes": 5})
    expl = gc.explain(ctx, "s1")
    n = gc.record_adverse_action(ctx, "s1", "bank", "declined", actor="source:bank")
    assert (n.source, n.action, n.by, n.at) == ("bank", "declined", "source:bank", expl.as_of)
    assert (n.score, n.score_range) == (600, (350, 950))
    assert [f.code for f in n.factors] == [r.code for r in expl.reasons][:4]
    assert 1 <= len(n.factors) <= 4 and all(f.text for f in n.factors)
    joined = " ".join(n.rights)
    for how in ("glasscredit export s1", "dispute open s1", "review request s1 partner bank"):
        assert how in joined
    assert "free copy" in joined and "30d" in joined
    # five reason codes in the policy: a notice still names at most four
    with Ledger(ledger.url, policy5, clock=clock) as led5:
        n5 = gc.record_adverse_action(gc.Context.of_ledger(led5), "s1", "rentals", "priced")
    assert len(n5.factors) == min(4, len(gc.explain(ctx, "s1").reasons) + 1)
    # the notice is kept as given, even after the score changes
    clock.set("2026-09-02T00:00:00Z")
    ledger.ingest(
        [event("s1-new-late", "s1", "payment.late", "2026-09-01T12:00:00Z", days_late=90)]
    )
    gc.score(ctx)
    assert gc.current_score(ctx, "s1").score != 600
    kept = gc.adverse_notices(ctx, "s1").notices
    assert [(k.notice_id, k.score) for k in kept] == [(n.notice_id, 600), (n5.notice_id, 600)]
    acts = [e for e in ledger.audit.entries() if e.action == "adverse.record"]
    assert [e.details for e in acts] == [
        {"notice": n.notice_id, "source": "bank", "action": "declined"},
        {"notice": n5.notice_id, "source": "rentals", "action": "priced"},
    ]
    exp = gc.export_subject(ctx, "s1", html=True)
    assert [a["notice_id"] for a in exp.document["adverse_actions"]] == [  # type: ignore[union-attr,index]
        n.notice_id,
        n5.notice_id,
    ]
    assert exp.html is not None and "Partners that acted on your score" in exp.html
    gc.erase_subject(ctx, "s1")
    assert ledger.adverse.of_subject("s1") == []
    assert ledger.verify_audit().ok


def test_refusals(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    ledger.ingest([event("u1", "unscored", occurred_at="2026-08-01T00:00:00Z")])
    for args, field in (
        (("s1", "bank", "ignored"), "action"),
        (("s1", "casino", "declined"), "source"),
    ):
        with pytest.raises(ValidationError) as err:
            gc.record_adverse_action(ctx, *args)
        assert err.value.errors[0].field == field
    with pytest.raises(NotFoundError, match="scored"):
        gc.record_adverse_action(ctx, "unscored", "bank", "declined")
    with pytest.raises(NotFoundError):
        gc.record_adverse_action(ctx, "nobody", "bank", "declined")
    assert gc.adverse_notices(ctx, "s1").notices == []


def test_cli(ledger: Ledger, clock: FakeClock, db_url: str) -> None:
    _ctx(ledger, clock)
    runner = CliRunner()
    res = runner.invoke(app, ["adverse", "record", "s1", "bank", "declined", "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "bank declined you" in res.output and "scores run from 350 to 950" in res.output
    assert "glasscredit export s1" in res.output
    res = runner.invoke(app, ["adverse", "list", "s1", "--json", "--db", db_url])
    assert [n["action"] for n in json.loads(res.output)["notices"]] == ["declined"]
    res = runner.invoke(app, ["adverse", "record", "s1", "bank", "maybe", "--db", db_url])
    assert res.exit_code == 3


@pytest.fixture
def svc(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(db_url, tmp_path), clock)


def test_api(svc: Service) -> None:
    c = svc.client
    url = "/v1/subjects/alice/adverse-actions"
    made = c.post(url, headers=svc.headers("source"), json={"action": "declined"})
    assert made.status_code == 201, made.text
    assert (made.json()["source"], made.json()["by"]) == ("bank", "source:bank")
    other = c.post(
        url, headers=svc.headers("source"), json={"action": "priced", "source": "rentals"}
    )
    assert other.status_code == 403 and other.json()["errors"][0]["rule"] == "own_source"
    bare = c.post(url, headers=svc.headers("operator"), json={"action": "priced"})
    assert bare.status_code == 422 and bare.json()["errors"][0]["field"] == "source"
    seen = c.get(url, headers=svc.headers("alice")).json()["notices"]
    assert [(n["source"], n["action"]) for n in seen] == [("bank", "declined")]
    assert (
        c.get("/v1/subjects/bob/adverse-actions", headers=svc.headers("alice")).status_code == 403
    )
