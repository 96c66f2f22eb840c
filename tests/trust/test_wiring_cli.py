"""``glasscredit trust``: computes and stores a snapshot the scorer then reads."""

from __future__ import annotations

import json
from pathlib import Path

from tests._history import load_history
from tests.conftest import FakeClock, event
from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import default_policy, parse_timestamp
from glasscredit.store import Ledger

AS_OF = "2026-09-01T00:00:00Z"


def test_trust_command_stores_a_snapshot_and_alerts_when_seeds_are_lost(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    clock = FakeClock(parse_timestamp("2023-01-01T00:00:00Z"))
    with Ledger(url, default_policy(), clock=clock) as ledger:
        # a's identity is attested by two sources, and the ledger has known a since 2023
        ledger.ingest(
            [
                event(
                    f"a-id-{src}",
                    subject="a",
                    type_="identity.verified",
                    level=3,
                    occurred_at="2023-01-01T00:00:00Z",
                    source=src,
                )
                for src in ("bank", "idcheck")
            ]
        )
        clock.set(AS_OF)  # the endorsements (dated March) reach it today: known from today
        load_history(
            ledger,
            [
                e
                for x in "bcd"
                for e in (
                    event(f"a{x}", subject=x, type_="endorsement", endorser="a"),
                    event(f"{x}a", subject="a", type_="endorsement", endorser=x),
                )
            ],
            known_from_us=clock(),
        )
    out = CliRunner().invoke(app, ["trust", "--as-of", AS_OF, "--db", url, "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    # star a - b, c, d; seed a (degree 3): n = 4 -> 2 steps; a sends 4/3 to each leaf,
    # each sends it back: trust a 4 / 3, leaves 0; the reference is a's own -> a 1
    assert (summary["subjects"], summary["edges"], summary["seeds"]) == (4, 3, 1)
    assert summary["reached"] == 1 and summary["reference"] == 4 / 3
    assert summary["stored"] and summary["alert"] is None
    with Ledger(url, default_policy(), clock=clock) as ledger:
        stored = ledger.snapshots.values("trust", parse_timestamp(AS_OF))
        assert stored is not None
        assert sorted(stored.iter_rows()) == [("a", 1.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)]
        # two sources record a negative about a within the window: a's history is no
        # longer clean, the only seed is lost
        ledger.ingest(
            [
                event("a-late", subject="a", type_="payment.late", occurred_at=AS_OF),
                event("a-ret", subject="a", type_="rental.returned_late", occurred_at=AS_OF),
            ]
        )
    out = CliRunner().invoke(app, ["trust", "--as-of", AS_OF, "--db", url])
    assert out.exit_code == 9, out.output
    assert "ALERT: 1 of the 1 seeds" in out.output and "NOT stored" in out.output
    forced = CliRunner().invoke(app, ["trust", "--as-of", AS_OF, "--db", url, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "stored anyway (forced)" in forced.output
    with Ledger(url, default_policy(), clock=clock) as ledger:
        stored = ledger.snapshots.values("trust", parse_timestamp(AS_OF))
        assert stored is not None and dict(stored.iter_rows())["a"] == 0.0
    bad = CliRunner().invoke(app, ["trust", "--as-of", "yesterday", "--db", url])
    assert bad.exit_code != 0
