"""The command line: approve a backfill, load history into it, list approvals."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from glasscredit.cli import app
from tests.clocks._helpers import ago, clocked_policy
from tests.conftest import event

runner = CliRunner()


def test_backfill_approve_ingest_and_list(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    policy = tmp_path / "policy.json"
    policy.write_text(clocked_policy().to_json())
    now_us = int(time.time() * 1_000_000)
    history = tmp_path / "history.jsonl"
    history.write_text(
        "".join(
            json.dumps(event(f"h{i}", occurred_at=ago(200 + 30 * i, now_us))) + "\n"
            for i in range(3)
        )
    )
    common = ["--db", db, "--policy", str(policy)]
    refused = runner.invoke(app, ["ingest", str(history), *common])
    assert refused.exit_code == 3 and "more than 62d" in refused.output, refused.output
    approved = runner.invoke(
        app,
        [
            "backfill",
            "approve",
            "--source",
            "bank",
            "--from",
            ago(400, now_us),
            "--to",
            ago(100, now_us),
            "--known-from",
            ago(400, now_us),
            "--by",
            "ops",
            "--reason",
            "the bank's last year",
            "--json",
            *common,
        ],
    )
    assert approved.exit_code == 0, approved.output
    bf = json.loads(approved.output)
    loaded = runner.invoke(
        app, ["ingest", str(history), "--backfill", str(bf["backfill_id"]), "--json", *common]
    )
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.output)["accepted"] == 3
    listed = json.loads(runner.invoke(app, ["backfill", "list", "--json", *common]).output)
    assert listed["backfills"] == [bf]
    bad = runner.invoke(
        app,
        ["backfill", "approve", "--source", "nope", "--from", ago(10, now_us), "--to",
         ago(5, now_us), "--known-from", ago(10, now_us), "--by", "ops", "--reason", "x",
         *common],
    )  # fmt: skip
    assert bad.exit_code == 3 and "is not declared" in bad.output, bad.output
    events = json.loads(runner.invoke(app, ["events", "s1", "--json", *common]).output)
    assert {e["known_at"] for e in events} == {ago(200 + 30 * i, now_us) for i in range(3)}
