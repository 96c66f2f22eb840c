"""``glasscredit refresh`` and ``score --changed`` on a real SQLite file: how many
subjects changed, and why, on the command line and in each subject's history."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import iso
from tests.conftest import event

runner = CliRunner()
OLD = "2023-01-01T00:00:00Z"


def _mutual(a: str, b: str) -> list[dict[str, object]]:
    when = "2026-01-01T00:00:00Z"
    return [
        event(f"e-{a}-{b}", subject=b, type_="endorsement", endorser=a, occurred_at=when),
        event(f"e-{b}-{a}", subject=a, type_="endorsement", endorser=b, occurred_at=when),
    ]


def _ingest(tmp_path: Path, db: str, name: str, events: list[dict[str, object]]) -> None:
    """Each source's events, all dated before today, loaded as an operator loads a
    partner's records: ``backfill approve`` (known as they happened), then ``ingest
    --backfill``."""
    now = iso(int(time.time() * 1_000_000))
    for source in sorted({str(e["source"]) for e in events}):
        mine = [e for e in events if e["source"] == source]
        first = min(str(e["occurred_at"]) for e in mine)
        approved = runner.invoke(
            app,
            ["backfill", "approve", "--source", source, "--from", first, "--to", now,
             "--known-from", first, "--by", "test", "--reason", "history", "--json",
             "--db", db],
        )  # fmt: skip
        assert approved.exit_code == 0, approved.output
        backfill = str(json.loads(approved.output)["backfill_id"])
        path = tmp_path / f"{source}-{name}"
        path.write_text("".join(json.dumps(e) + "\n" for e in mine))
        result = runner.invoke(app, ["ingest", str(path), "--backfill", backfill, "--db", db])
        assert result.exit_code == 0, result.output


def test_refresh_says_how_many_changed_and_why(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    ids = [
        event("a-id", subject="a", type_="identity.verified", level=3, occurred_at=OLD),
        event("b-id", subject="b", type_="identity.verified", level=2, occurred_at=OLD),
    ]
    _ingest(tmp_path, db, "first.jsonl", [*ids, *_mutual("a", "b"), *_mutual("b", "c")])
    first = runner.invoke(app, ["refresh", "--json", "--db", db])
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert set(data) == {"as_of_us", "trust", "reports", "run"}
    assert data["run"]["stored"] == 3 and data["trust"]["subjects"] == 3
    # c gains a direct endorsement from the seed: its trust, and its events, move
    _ingest(tmp_path, db, "second.jsonl", _mutual("a", "c"))
    second = runner.invoke(app, ["refresh", "--db", db])
    assert second.exit_code == 0, second.output
    assert "rescored" in second.output and "stored" in second.output
    history = runner.invoke(app, ["history", "c", "--json", "--db", db])
    notices = json.loads(history.output)["notices"]
    for n in notices:  # every notice says why, in words
        assert n["causes"], n
    if notices:
        assert "because:" in runner.invoke(app, ["history", "c", "--db", db]).output
        assert "because of:" in second.output
    # nothing moved since: --changed looks at nobody
    again = runner.invoke(app, ["score", "--changed", "--json", "--db", db])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["subjects"] == 0
