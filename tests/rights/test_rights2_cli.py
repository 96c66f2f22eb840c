"""The review and statement commands, end to end through the Typer app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import parse_timestamp
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

runner = CliRunner()


def _run(db_url: str, *args: str) -> tuple[int, str]:
    res = runner.invoke(app, [*args, "--db", db_url])
    return res.exit_code, res.output


def test_review_commands(ledger: Ledger, clock: FakeClock, db_url: str) -> None:
    load_history(ledger, s1_events())
    code, out = _run(
        db_url, "review", "request", "s1", "tier", "good", "--why", "[red]look[/]", "--json"
    )
    assert code == 0, out
    r = json.loads(out)
    assert r["status"] == "open" and r["point_of_view"] == "[red]look[/]"
    days = (parse_timestamp(r["deadline"]) - parse_timestamp(r["requested_at"])) / 86_400e6
    assert days == 30
    code, out = _run(db_url, "review", "request", "s1", "tier", "gold", "--why", "x")
    assert code == 3 and "about" in out
    code, out = _run(db_url, "review", "list", "--status", "open")
    assert code == 0 and "good" in out
    code, out = _run(
        db_url, "review", "decide", str(r["review_id"]), "confirmed", "--reasons", "checked: fine"
    )
    assert code == 0 and "checked: fine" in out and "[red]look[/]" in out  # shown escaped
    code, out = _run(db_url, "review", "decide", str(r["review_id"]), "changed", "--reasons", "x")
    assert code == 5 and "decide_once" in out


def test_statement_commands(ledger: Ledger, clock: FakeClock, db_url: str) -> None:
    load_history(ledger, s1_events())
    code, out = _run(db_url, "statement", "set", "s1", "My [bold]own[/] words")
    assert code == 0, out
    code, out = _run(db_url, "statement", "show", "s1")
    assert code == 0 and "My [bold]own[/] words" in out  # markup shown, not interpreted
    code, out = _run(db_url, "statement", "set", "s1", " ".join(["w"] * 101))
    assert code == 3 and "statement" in out
    code, out = _run(db_url, "statement", "remove", "s1", "--json")
    assert code == 0 and json.loads(out)["removed"] is True
    code, out = _run(db_url, "statement", "show", "s1")
    assert code == 4
