"""Signed access exports: a forged or trimmed export fails with the difference named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.app import Context
from glasscredit.cli import app as cli
from glasscredit.config import Settings
from glasscredit.policy import default_policy
from glasscredit.rights import export_subject, verify_export
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import NOW_US
from tests.rights._helpers import s1_events

NEGATIVE = ("s1-late", "s1-default")


def _context(ledger: Ledger, key: Path) -> Context:
    settings = Settings(database_url=ledger.url, operator_key=key)
    return Context(settings, ledger.policy, ledger.clock, ledger=ledger)


def _signed(ledger: Ledger, tmp_path: Path) -> dict[str, Any]:
    load_history(ledger, s1_events("s1"))
    return dict(gc.export_subject(_context(ledger, tmp_path / "op.key"), "s1").document)


def _trimmed(doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The export with the negative events dropped and the score recomputed to match: the
    forger scores the trimmed events on a ledger of their own and pastes the result in."""
    forged = copy.deepcopy(doc)
    forged["events"] = [e for e in doc["events"] if e["event_id"] not in NEGATIVE]
    own = Ledger(f"sqlite:///{tmp_path / 'forger.db'}", default_policy(), clock=lambda: NOW_US)
    try:
        load_history(own, [e for e in s1_events("s1") if e["event_id"] not in NEGATIVE])
        honest = export_subject(own, "s1", now_us=doc["as_of_us"])
    finally:
        own.close()
    forged["score"] = honest["score"]
    forged["history"] = []
    return forged


def test_a_signed_export_verifies(ledger: Ledger, tmp_path: Path) -> None:
    doc = _signed(ledger, tmp_path)
    assert doc["signature"]["algorithm"] == "Ed25519"
    assert doc["checkpoint"]["tree_size"] >= 1 and len(doc["inputs_digest"]) == 64
    res = gc.verify_export_document(doc)
    assert res.identical and res.signed and res.problems == []


def test_a_trimmed_export_fails_with_the_sections_named(ledger: Ledger, tmp_path: Path) -> None:
    doc = _signed(ledger, tmp_path)
    forged = _trimmed(doc, tmp_path)
    unsigned = {k: v for k, v in forged.items() if k != "signature"}
    # the arithmetic alone is fooled: the forged score does follow from the trimmed events
    assert verify_export(unsigned)["identical"]
    assert verify_export(unsigned)["recomputed_score"] > doc["score"]["score"]
    # ... the signature is not: the trimmed sections are named, with what was signed
    res = gc.verify_export_document(forged)
    assert not res.identical
    n = len(doc["events"])
    assert f"events: differs from the signed export ({n} items signed, {n - 2} in the file)" in (
        res.problems
    )
    assert "score: differs from the signed export" in res.problems
    assert "inputs_digest: does not match the export's inputs" in res.problems
    # stripping the signature does not help
    stripped = gc.verify_export_document(unsigned)
    assert not stripped.identical and "signature: the export is not signed" in stripped.problems


def test_a_resigned_or_edited_export_fails(ledger: Ledger, tmp_path: Path) -> None:
    doc = _signed(ledger, tmp_path)
    lied = copy.deepcopy(doc)
    lied["signature"]["sections"]["score"] = "0" * 64  # the manifest edited to match
    res = gc.verify_export_document(lied)
    assert "signature: does not verify (the signed manifest was altered)" in res.problems
    other = copy.deepcopy(doc)
    other["checkpoint"]["tree_size"] += 1
    res = gc.verify_export_document(other)
    assert "checkpoint: differs from the signed export" in res.problems
    assert "checkpoint: not signed by the export's key" in res.problems


def test_cli_export_is_signed_and_verify_export_names_the_difference(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    led = Ledger(sqlite_url, default_policy(), clock=lambda: NOW_US)
    load_history(led, s1_events("s1"))
    led.close()
    out = tmp_path / "export.json"
    env = {"GLASSCREDIT_OPERATOR_KEY": str(tmp_path / "op.key")}
    res = runner.invoke(cli, ["export", "s1", "--out", str(out), "--db", sqlite_url], env=env)
    assert res.exit_code == 0, res.output
    assert runner.invoke(cli, ["verify-export", str(out)], env=env).exit_code == 0
    doc = json.loads(out.read_text())
    doc["events"] = [e for e in doc["events"] if e["event_id"] != "s1-default"]
    out.write_text(json.dumps(doc))
    res = runner.invoke(cli, ["verify-export", str(out)], env=env)
    assert res.exit_code != 0 and "events: differs from the signed export" in res.output


def test_an_export_names_the_source_never_the_reporter_or_endorser(
    ledger: Ledger, tmp_path: Path
) -> None:
    from tests.conftest import event

    load_history(
        ledger,
        [
            *s1_events("s1"),
            *s1_events("informant-7"),
            event("r1", "s1", "report.misconduct", reporter="informant-7"),
            event("n1", "s1", "endorsement", endorser="friend-3"),
            event("n0", "friend-3", "endorsement", endorser="s1"),
        ],
    )
    doc = dict(gc.export_subject(_context(ledger, tmp_path / "op.key"), "s1").document)
    text = json.dumps(doc)
    assert "informant-7" not in text and "friend-3" not in text
    events = {e["event_id"]: e for e in doc["events"]}
    assert events["r1"]["source"] == "community" and events["r1"]["withheld"] == ["reporter"]
    assert events["r1"]["attributes"]["category"] == "fraud"  # what was said stays
    assert events["n1"]["withheld"] == ["endorser"] and "withheld" not in events["s1-late"]
    assert "n0" not in events  # s1's endorsement of another person is that person's record
    res = gc.verify_export_document(doc)
    assert res.identical and res.signed and res.problems == []
    # unsigned, nothing vouches for the withheld events
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    problems = verify_export(unsigned)["problems"]
    assert "event r1: attributes ['reporter'] are withheld and the export is not signed" in (
        " ".join(problems)
    )


def test_verify_export_accepts_the_html_page(ledger: Ledger, tmp_path: Path) -> None:
    from glasscredit.rights import export_html

    doc = _signed(ledger, tmp_path)
    page = tmp_path / "mine.html"
    page.write_text(export_html(doc), encoding="utf-8")
    res = gc.verify_export_file(page)
    assert res.identical and res.signed
    out = CliRunner().invoke(cli, ["verify-export", str(page)])
    assert out.exit_code == 0 and "identical" in out.output
    # the page's embedded copy edited: the signature catches it
    forged = tmp_path / "forged.html"
    forged.write_text(page.read_text().replace('"s1-late"', '"s1-lat3"', 1), encoding="utf-8")
    assert not gc.verify_export_file(forged).identical
    other = tmp_path / "other.html"
    other.write_text("<!doctype html><html><body>hello</body></html>")
    out = CliRunner().invoke(cli, ["verify-export", str(other)])
    assert out.exit_code == 3 and "export_page" in out.output
