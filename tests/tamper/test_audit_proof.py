"""Inclusion proofs: one audit row is shown to be in the signed log, checked offline."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.app import Context
from glasscredit.cli import app as cli
from glasscredit.config import Settings
from glasscredit.exceptions import NotFoundError, ValidationError
from glasscredit.signing import OperatorKey
from glasscredit.store import Ledger
from tests._history import load_history
from tests.rights._helpers import s1_events


def _context(ledger: Ledger, key: Path) -> Context:
    settings = Settings(database_url=ledger.url, operator_key=key)
    return Context(settings, ledger.policy, ledger.clock, ledger=ledger)


@pytest.fixture
def ctx(ledger: Ledger, tmp_path: Path) -> Context:
    for s in ("s1", "s2", "s3", "s4", "s5"):  # five backfills: ten rows, an uneven tree
        load_history(ledger, s1_events(s))
    gc.open_dispute(
        _context(ledger, tmp_path / "op.key"), "s1", "s1-late", "I paid on time", actor="subject"
    )
    return _context(ledger, tmp_path / "op.key")


def _proof(ctx: Context, seq: int, against: Path | None = None) -> dict[str, Any]:
    return json.loads(json.dumps(gc.audit_proof(ctx, seq, against=against).as_json()))


def test_every_row_is_proven_in_the_signed_head(ctx: Context) -> None:
    rows = ctx.ledger.audit.entries()
    assert len(rows) >= 6
    for row in rows:
        doc = _proof(ctx, row.seq)
        res = gc.check_audit_proof(doc)
        assert res.ok and res.problems == [] and res.seq == row.seq
        assert doc["action"] == row.action and doc["tree_size"] == len(rows)
    public = ctx.ledger.audit.entries()  # proving reads only
    assert len(public) == len(rows)


def test_a_proof_against_an_older_checkpoint(ctx: Context, tmp_path: Path) -> None:
    cp = tmp_path / "cp.json"
    cp.write_text(json.dumps(gc.audit_checkpoint(ctx).as_json()))
    size = json.loads(cp.read_text())["tree_size"]
    load_history(ctx.ledger, s1_events("s9"))  # the log grows past the checkpoint
    doc = _proof(ctx, 2, against=cp)
    assert doc["tree_size"] == size and gc.check_audit_proof(doc).ok
    with pytest.raises(ValidationError, match="after the checkpoint"):
        gc.audit_proof(ctx, size + 1, against=cp)
    with pytest.raises(NotFoundError):
        gc.audit_proof(ctx, 10_000)


def test_edited_rows_paths_and_keys_fail_by_name(ctx: Context, tmp_path: Path) -> None:
    doc = _proof(ctx, 4)  # s2's ingest row (rows 1, 3, ... approve the backfills)
    edited = copy.deepcopy(doc)
    edited["details_json"] = edited["details_json"].replace('"count":16', '"count":15')
    assert edited["details_json"] != doc["details_json"]
    assert gc.check_audit_proof(edited).problems == [
        "row: its fields do not hash to the row hash (the row was edited)"
    ]
    rehashed = copy.deepcopy(doc)  # a forged row with a hash of its own: not in the tree
    rehashed["row_hash"] = "ab" * 32
    assert "path: the row is not in the tree the checkpoint signs" in (
        gc.check_audit_proof(rehashed).problems
    )
    moved = copy.deepcopy(doc)
    moved["path"] = list(reversed(moved["path"]))
    assert gc.check_audit_proof(moved).problems == [
        "path: the row is not in the tree the checkpoint signs"
    ]
    other = OperatorKey.load_or_create(tmp_path / "other.key")
    assert gc.check_audit_proof(doc, public_key=other.public_key).problems == [
        "checkpoint: the signature does not verify with the operator's key"
    ]
    resigned = copy.deepcopy(doc)
    size = resigned["checkpoint"]["tree_size"]
    # 2n + 1 leaves make one perfect subtree more than n: no longer a checkpoint
    resigned["checkpoint"]["tree_size"] = 2 * size + 1
    with pytest.raises(ValidationError, match="subtrees"):
        gc.check_audit_proof(resigned)
    resigned["checkpoint"]["timestamp_us"] += 1
    resigned["checkpoint"]["tree_size"] = size  # well-formed, but the signature breaks
    assert gc.check_audit_proof(resigned).problems == [
        "checkpoint: the signature does not verify with the operator's key"
    ]
    with pytest.raises(ValidationError):
        gc.check_audit_proof({"format": "something else"})
    with pytest.raises(ValidationError):
        gc.check_audit_proof({**doc, "path": ["zz"]})


def test_cli_prove_then_check_offline(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"GLASSCREDIT_OPERATOR_KEY": str(tmp_path / "op.key")}
    db = ["--db", sqlite_url]
    assert runner.invoke(cli, ["demo", "--subjects", "50", *db], env=env).exit_code == 0
    out = tmp_path / "proof.json"
    res = runner.invoke(cli, ["audit", "prove", "1", "--out", str(out), *db], env=env)
    assert res.exit_code == 0 and "wrote" in res.output, res.output
    res = runner.invoke(cli, ["audit", "check-proof", str(out)])
    assert res.exit_code == 0 and "proof verifies" in res.output
    doc = json.loads(out.read_text())
    doc["actor"] = "someone-else"
    out.write_text(json.dumps(doc))
    res = runner.invoke(cli, ["audit", "check-proof", str(out)])
    assert res.exit_code == 8 and "was edited" in res.output
    out.write_text("[" * 100_000)
    res = runner.invoke(cli, ["audit", "check-proof", str(out)])
    assert res.exit_code == 3 and "Traceback" not in res.output
