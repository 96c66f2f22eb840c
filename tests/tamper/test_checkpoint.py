"""Signed checkpoints: truncation and a full rewrite with recomputed hashes are caught."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.app import Context
from glasscredit.cli import app as cli
from glasscredit.config import Settings
from glasscredit.exceptions import ValidationError
from glasscredit.policy import DAY_US, content_hash, default_policy
from glasscredit.signing import OperatorKey
from glasscredit.store import Ledger
from glasscredit.store._audit import GENESIS_HASH, batch_digest, row_hash
from tests._history import load_history
from tests.conftest import NOW_US
from tests.rights._helpers import s1_events
from tests.tamper._scenario import build


def _context(ledger: Ledger, key: Path) -> Context:
    settings = Settings(database_url=ledger.url, operator_key=key)
    return Context(settings, ledger.policy, ledger.clock, ledger=ledger)


@pytest.fixture
def published(ledger: Ledger, tmp_path: Path) -> tuple[Context, Path]:
    """The scenario, a last ingest batch, and a checkpoint of the log's head on file."""
    build(ledger)
    ledger.clock.now_us = NOW_US + 4 * DAY_US  # type: ignore[attr-defined]
    load_history(ledger, s1_events("s5"))
    ctx = _context(ledger, tmp_path / "keys" / "operator.key")
    cp = gc.audit_checkpoint(ctx)
    out = tmp_path / "checkpoint.json"
    out.write_text(json.dumps(cp.as_json()))
    return ctx, out


def test_the_log_extends_its_checkpoint(published: tuple[Context, Path], tmp_path: Path) -> None:
    ctx, cp = published
    key = tmp_path / "keys" / "operator.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    rep = gc.verify_audit(ctx, against=cp)
    size = json.loads(cp.read_text())["tree_size"]
    assert rep.ok and rep.against == size == rep.rows
    load_history(ctx.ledger, s1_events("s6"))  # a log that grew still extends it
    assert gc.verify_audit(ctx, against=cp).ok


def test_tail_truncation_is_caught_against_the_checkpoint(published: tuple[Context, Path]) -> None:
    ctx, cp = published
    with ctx.ledger.engine.begin() as conn:
        last = conn.execute(text("SELECT MAX(seq) FROM audit_log")).scalar_one()
        conn.execute(text(f"DELETE FROM events WHERE batch = {last}"))
        conn.execute(text(f"DELETE FROM audit_log WHERE seq = {last}"))
    assert gc.verify_audit(ctx).ok  # alone, the chain cannot see its own tail go
    rep = gc.verify_audit(ctx, against=cp)
    assert not rep.ok and rep.table == "audit_log" and rep.first_bad_seq == last
    assert "truncation" in rep.problem and f"rows {last}..{last}" in rep.problem


def _rewrite(conn: Connection) -> None:
    """Edit an event of batch 1 and recompute everything: its content hash, the batch's
    digest in its ingest row, and every row hash of the chain after it."""
    r = conn.execute(text("SELECT * FROM events WHERE event_id = 's1-late'")).one()
    attrs = r.attributes.replace('"days_late":45', '"days_late":1')
    ch = content_hash(r.event_id, r.subject, r.source, r.type, int(r.occurred_at_us), attrs)
    conn.execute(
        text("UPDATE events SET attributes = :a, content_hash = :h WHERE event_id = 's1-late'"),
        {"a": attrs, "h": ch},
    )
    pairs = [
        (e, h)
        for e, h in conn.execute(
            text(f"SELECT event_id, content_hash FROM events WHERE batch = {r.batch}")
        )
    ]
    prev = GENESIS_HASH
    for row in conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).all():
        details = json.loads(row.details)
        if row.seq == r.batch:
            details["digest"] = batch_digest(pairs)
        dj = json.dumps(details, sort_keys=True, separators=(",", ":"))
        h = row_hash(prev, row.seq, row.at_us, row.actor, row.action, row.subject_tag, dj)
        conn.execute(
            text("UPDATE audit_log SET details = :d, prev_hash = :p, row_hash = :h WHERE seq = :s"),
            {"d": dj, "p": prev, "h": h, "s": row.seq},
        )
        prev = h


def test_full_rewrite_with_recomputed_hashes_is_caught(published: tuple[Context, Path]) -> None:
    ctx, cp = published
    with ctx.ledger.engine.begin() as conn:
        _rewrite(conn)
    if (mirror := ctx.ledger.mirror) is not None:
        # the mirror still holds the old events and would tell: a careful forger drops it
        shutil.rmtree(mirror.root, ignore_errors=True)
    assert gc.verify_audit(ctx).ok  # the rewrite is self-consistent
    rep = gc.verify_audit(ctx, against=cp)
    assert not rep.ok and rep.table == "audit_log" and "rewritten" in rep.problem
    assert rep.first_bad_seq == 1 and "first differing rows: 1.." in rep.problem


def test_a_forged_or_foreign_checkpoint_is_refused(
    published: tuple[Context, Path], tmp_path: Path
) -> None:
    ctx, cp = published
    doc = json.loads(cp.read_text())
    doc["tree_size"] -= 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    with pytest.raises(ValidationError):
        gc.verify_audit(ctx, against=forged)
    other = OperatorKey.load_or_create(tmp_path / "other.key")
    foreign = tmp_path / "foreign.json"
    foreign.write_text(other.checkpoint(ctx.ledger.audit.leaves(), 1).dumps())
    with pytest.raises(ValidationError, match="not signed by the operator's key"):
        gc.verify_audit(ctx, against=foreign)


def test_cli_checkpoint_then_verify_against(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"GLASSCREDIT_OPERATOR_KEY": str(tmp_path / "op.key")}
    db = ["--db", sqlite_url]
    assert runner.invoke(cli, ["demo", "--subjects", "50", *db], env=env).exit_code == 0
    out = tmp_path / "cp.json"
    res = runner.invoke(cli, ["audit", "checkpoint", "--out", str(out), *db], env=env)
    assert res.exit_code == 0 and "wrote" in res.output
    res = runner.invoke(cli, ["audit", "verify", "--against", str(out), *db], env=env)
    assert res.exit_code == 0 and "extends the checkpoint" in res.output
    with Ledger(sqlite_url, default_policy(), clock=lambda: NOW_US).engine.begin() as conn:
        # the demo's last row vouches for its scores: both go, as a careful forger would
        conn.execute(text("DELETE FROM scores"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"))
    res = runner.invoke(cli, ["audit", "verify", "--against", str(out), *db], env=env)
    assert res.exit_code != 0 and "truncation" in res.output
