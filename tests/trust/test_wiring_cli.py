"""``glasscredit trust``: computes and stores a snapshot the scorer then reads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FakeClock, event
from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import default_policy, parse_timestamp
from glasscredit.store import Ledger

AS_OF = "2026-09-01T00:00:00Z"


def test_trust_command_stores_a_snapshot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    clock = FakeClock(parse_timestamp(AS_OF))
    with Ledger(url, default_policy(), clock=clock) as ledger:
        ledger.ingest(
            [
                event(
                    "a-id",
                    subject="a",
                    type_="identity.verified",
                    level=3,
                    occurred_at="2023-01-01T00:00:00Z",
                ),
                event("ab", subject="b", type_="endorsement", endorser="a"),
                event("ba", subject="a", type_="endorsement", endorser="b"),
            ]
        )
    out = CliRunner().invoke(app, ["trust", "--as-of", AS_OF, "--db", url, "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    # a - b, seed a: n = 2 -> 1 step: a sends 2 to b -> trust [0, 2]; median 2 -> b 1, a 0
    assert (summary["subjects"], summary["edges"], summary["seeds"]) == (2, 1, 1)
    assert summary["reached"] == 1 and summary["median"] == 0.5
    with Ledger(url, default_policy(), clock=clock) as ledger:
        stored = ledger.snapshots.values("trust", parse_timestamp(AS_OF))
    assert stored is not None
    assert sorted(stored.iter_rows()) == [("a", 0.0), ("b", 1.0)]
    bad = CliRunner().invoke(app, ["trust", "--as-of", "yesterday", "--db", url])
    assert bad.exit_code != 0
