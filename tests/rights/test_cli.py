"""The rights commands, end to end through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

runner = CliRunner()


def _run(db_url: str, *args: str) -> tuple[int, str]:
    res = runner.invoke(app, [*args, "--db", db_url])
    return res.exit_code, res.output


def test_dispute_export_verify_erase(
    ledger: Ledger, clock: FakeClock, db_url: str, tmp_path: Path
) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events())
    code, out = _run(
        db_url, "dispute", "open", "s1", "s1-default", "--reason", "not mine", "--json"
    )
    assert code == 0, out
    opened = json.loads(out)
    # no stored score yet: a baseline 600 is stored, then 645 (the default's 45 points)
    assert (opened["score_before"], opened["score_after"], opened["delta"]) == (600, 645, 45)
    code, out = _run(db_url, "dispute", "open", "s1", "s1-default", "--reason", "again")
    assert code == 5 and "already under dispute" in out
    code, out = _run(db_url, "dispute", "resolve", "1", "maybe")
    assert code == 3 and "outcome" in out
    code, out = _run(db_url, "dispute", "list", "--source", "bank", "--json")
    listed = json.loads(out)
    assert [d["status"] for d in listed["disputes"]] == ["open"]
    assert [n["kind"] for n in listed["notices"]] == ["opened"]
    code, out = _run(db_url, "dispute", "resolve", "1", "upheld", "--by", "operator:ana")
    assert code == 0 and "645 -> 600" in out
    code, out = _run(db_url, "dispute", "stats", "--json")
    assert json.loads(out)["bank"]["overturn_rate"] == 0.0  # 0 removed of 1 resolved
    page, file = tmp_path / "s1.html", tmp_path / "s1.json"
    code, out = _run(db_url, "export", "s1", "--out", str(file), "--html", str(page))
    assert code == 0 and page.read_text().startswith("<!doctype html>")
    code, out = runner.invoke(app, ["verify-export", str(file)]).exit_code, ""
    assert code == 0
    code, out = _run(db_url, "erase", "s1", "--yes", "--json")
    assert code == 0 and json.loads(out)["events"] == 16
    code, out = _run(db_url, "erase", "s1", "--yes")
    assert code == 4 and "was erased" in out
    code, out = _run(db_url, "audit", "verify")
    assert code == 0, out
