"""Everything a user can get wrong on the command line: a named error and an exit code.

No traceback, ever; database URLs with a password are shown with ``***``; commands that
only read never migrate or create tables; glasscredit's files are its owner's only.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from glasscredit.cli import app
from tests.conftest import event

runner = CliRunner()


def _run(*args: str) -> Result:
    res = runner.invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    return res


def _said(res: Result) -> str:
    """The output with rich's line wrapping undone."""
    return "".join(res.output.split())


def _has(res: Result, message: str) -> bool:
    return "".join(message.split()) in _said(res)


#: the bank's history (the feeds' events are dated March 2026, older than the policy lets
#: a source send live): the operator's approval, then ``ingest --backfill 1``
APPROVE = [
    "backfill", "approve", "--source", "bank", "--from", "2026-03-01T00:00:00Z",
    "--to", "2026-04-01T00:00:00Z", "--known-from", "2026-03-01T00:00:00Z",
    "--by", "op", "--reason", "the bank's history",
]  # fmt: skip


@pytest.fixture
def ledger_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    assert _run("init", "--db", url).exit_code == 0
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(event(f"e{i}", "s1")) for i in range(3)) + "\n")
    assert _run(*APPROVE, "--db", url).exit_code == 0
    assert _run("ingest", str(feed), "--backfill", "1", "--db", url).exit_code == 0
    return url


def test_db_urls_that_cannot_be_used_are_named_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("hello\n")
    (tmp_path / "folder").mkdir()
    cases = [
        (f"sqlite:///{tmp_path / 'notes.db'}", "is not a SQLite database"),
        (f"sqlite:///{tmp_path / 'folder'}", "is a folder"),
        (f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "does not exist"),
        ("postgresql://127.0.0.1:1/x", "Connection refused"),
        ("postgresql://nobody_here@127.0.0.1/test", "nobody_here"),
        ("mysql://127.0.0.1/x", "unsupported database"),
        ("::not a url::", "not a database URL"),
    ]
    for url, message in cases:
        res = _run("init", "--db", url)
        assert res.exit_code == 1 and _has(res, message), (url, res.output)


def test_passwords_are_never_shown(pg_url: str) -> None:
    with_password = make_url(pg_url).set(password="s3cr3t-pw").render_as_string(False)
    res = _run("init", "--db", with_password)
    assert res.exit_code == 0 and _has(res, "***") and "s3cr3t-pw" not in res.output
    closed = make_url(with_password).set(port=1).render_as_string(False)
    res = _run("events", "s1", "--db", closed)
    assert res.exit_code == 1 and "s3cr3t-pw" not in res.output


def test_read_only_commands_never_create_or_migrate(tmp_path: Path, pg_url: str) -> None:
    fresh = tmp_path / "fresh.db"
    for args in (
        ["events", "s1"],
        ["explain", "s1"],
        ["history", "s1"],
        ["audit", "verify"],
        ["export", "s1"],
        ["verify-score", "1"],
    ):
        res = _run(*args, "--db", f"sqlite:///{fresh}")
        assert res.exit_code == 1 and _has(res, "glasscredit init"), args
        assert not fresh.exists()
        res = _run(*args, "--db", pg_url)
        assert res.exit_code == 1 and _has(res, "not initialised"), args
    engine = create_engine(pg_url, poolclass=NullPool)
    try:
        assert inspect(engine).get_table_names() == []
        assert _run("init", "--db", pg_url).exit_code == 0
        with engine.begin() as conn:  # as if made by an older glasscredit
            conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
        res = _run("events", "s1", "--db", pg_url)
        assert res.exit_code == 1 and _has(res, "older")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0006"
    finally:
        engine.dispose()


def test_user_mistakes_exit_with_the_readme_codes(ledger_db: str, tmp_path: Path) -> None:
    cases: list[tuple[list[str], int, str]] = [
        (["history", "nobody"], 4, "not in the ledger"),
        (["events", "nobody"], 4, "not in the ledger"),
        (["export", "s1", "--out", str(tmp_path / "missing" / "x.json")], 3, "[folder]"),
        (["export", "s1", "--out", str(tmp_path)], 3, "is a folder"),
        (["ingest", str(tmp_path)], 3, "[format]"),
        (["ingest", str(tmp_path), "--format", "jsonl"], 3, "is not a file"),
        (["ingest", str(tmp_path / "nope.jsonl")], 3, "does not exist"),
        (["verify-score", str(2**70)], 2, "score_id"),
        (["dispute", "resolve", str(2**70), "upheld"], 2, "dispute_id"),
        (["whatif", "s1", "--horizon", "6"], 3, "[duration]"),
        (["explain", "s1", "--as-of", "garbage"], 3, "[timestamp]"),
        # found by the fuzz test: each crashed, or (batch) deleted the folder named
        (["batch", "--out", str(tmp_path)], 3, "[run_output]"),
        (["audit", "prove", str(2**70)], 2, "seq"),
        (["dispute", "inform", str(2**70), "--information", "x"], 2, "dispute_id"),
        (["webhooks", "remove", str(2**70)], 2, "webhook_id"),
        (["work", "--interval", "inf"], 2, "--interval"),
        (["work", "--interval", "nan"], 2, "--interval"),
        (["serve", "--host", ""], 3, "[address]"),
        (["serve", "--log-level", "loud"], 3, "[choice]"),
        (["serve", "--port", "70000"], 2, "--port"),
    ]
    feed = tmp_path / "f.jsonl"
    feed.write_text(json.dumps(event("x1", "s2")) + "\n")
    cases.append((["ingest", str(feed), "--actor", "a" * 500], 3, "actor"))
    for args, code, message in cases:
        res = _run(*args, "--db", ledger_db)
        assert res.exit_code == code and _has(res, message), (args, res.output)
    assert feed.is_file()  # batch --out named the folder and left it whole
    model = tmp_path / "model.json"
    model.write_bytes(b"\xff\xfe not a model")
    res = _run("model", "export", str(model))
    assert res.exit_code == 1 and _has(res, "cannot read a model document"), res.output


def test_batch_replaces_its_own_output_and_nothing_else(ledger_db: str, tmp_path: Path) -> None:
    out = tmp_path / "scores"
    for _ in range(2):  # the second run replaces the first one's Parquet parts
        res = _run("batch", "--out", str(out), "--db", ledger_db)
        assert res.exit_code == 0, res.output
    (out / "notes.txt").write_text("mine\n")
    res = _run("batch", "--out", str(out), "--db", ledger_db)
    assert res.exit_code == 3 and _has(res, "[run_output]"), res.output
    assert (out / "notes.txt").read_text() == "mine\n"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_files_glasscredit_creates_are_owner_only(tmp_path: Path) -> None:
    """Through the real entry point (its umask), with a permissive umask around it."""
    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(event(f"e{i}", "s1")) for i in range(5)) + "\n")
    out = tmp_path / "export.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    entry = "from glasscredit.cli import main; main()"
    before = set(tmp_path.rglob("*"))
    old = os.umask(0o022)
    try:
        for args in (
            ["init", "--db", url],
            [*APPROVE, "--db", url],
            ["ingest", str(feed), "--backfill", "1", "--db", url],
            ["score", "--db", url],
            ["export", "s1", "--out", str(out), "--db", url],
        ):
            done = subprocess.run(
                [sys.executable, "-c", entry, *args], env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, (args, done.stdout, done.stderr)
    finally:
        os.umask(old)
    created = set(tmp_path.rglob("*")) - before
    assert db in created and out in created
    for p in created:
        assert _mode(p) == (0o700 if p.is_dir() else 0o600), p


def test_a_new_sqlite_ledger_is_owner_only_from_the_library_too(tmp_path: Path) -> None:
    from glasscredit.policy import default_policy
    from glasscredit.store import Ledger

    old = os.umask(0o022)
    try:
        with Ledger(f"sqlite:///{tmp_path / 'lib.db'}", default_policy(), clock=lambda: 0) as led:
            led.ingest([event("e1")])
    finally:
        os.umask(old)
    for p in tmp_path.iterdir():
        if p.name.startswith("lib.db") and p.is_file():
            assert _mode(p) == 0o600, p


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("GLASSCREDIT_SECRET", "changeme-changeme-changeme-changeme", "invalid"),
        ("GLASSCREDIT_SECRET", "short", "invalid"),
        ("GLASSCREDIT_RATE_LIMIT", "fast", "float_parsing"),
        ("GLASSCREDIT_JWT_MAX_TTL_S", "an hour", "int_parsing"),
    ],
)
def test_a_bad_environment_variable_is_a_named_error_with_exit_3(
    ledger_db: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, rule: str
) -> None:
    monkeypatch.setenv(variable, value)
    res = _run("audit", "verify", "--db", ledger_db)
    assert res.exit_code == 3, res.output
    assert _has(res, variable) and _has(res, f"[{rule}]")
    if variable == "GLASSCREDIT_SECRET":
        assert value not in res.output  # a refused secret is never echoed
