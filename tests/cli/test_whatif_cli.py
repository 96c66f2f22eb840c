"""``whatif --action``: the actions come from the policy, not from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import default_policy
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

runner = CliRunner()


def test_whatif_actions_are_the_policys(tmp_path: Path, clock: FakeClock) -> None:
    db = f"sqlite:///{tmp_path / 'w.db'}"
    with Ledger(db, default_policy(), clock=clock) as led:
        load_history(led, s1_events()).check()  # the partners' records of s1
    listed = runner.invoke(app, ["whatif-actions", "--json"])
    assert listed.exit_code == 0, listed.output
    names = [a["name"] for a in json.loads(listed.output)["actions"]]
    assert names == [a.name for a in default_policy().whatif_actions]
    args = ["--as-of", "2026-09-01T00:00:00Z", "--db", db, "--json"]
    res = runner.invoke(app, ["whatif", "s1", "--action", "pay_on_time=3", *args])
    assert res.exit_code == 0, res.output
    moved = {c["feature"]: c for c in json.loads(res.output)["changes"]}
    assert (
        moved["on_time_payments_24m"]["old_value"],
        moved["on_time_payments_24m"]["new_value"],
    ) == (
        12.0,
        15.0,
    )
    unknown = runner.invoke(app, ["whatif", "s1", "--action", "fly=1", *args])
    assert unknown.exit_code == 3 and "declared_action" in unknown.output
    bad = runner.invoke(app, ["whatif", "s1", "--action", "pay_on_time=often", *args])
    assert bad.exit_code == 3 and "--action" in bad.output
    text = runner.invoke(app, ["whatif", "s1", "--action", "pay_on_time=3", *args[:-1]])
    assert text.exit_code == 0 and "on_time_payments_24m: 12.0 -> 15.0" in text.output
