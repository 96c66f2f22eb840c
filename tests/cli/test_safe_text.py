"""Partner and policy text reaches the terminal as text: no markup, no control characters.

A policy attribute named ``[/bold]`` would make rich raise (a closing tag with nothing
open), a value ``[link=...]`` would become a clickable hyperlink hiding its target, and
an ANSI escape could recolour, clear or overwrite what the operator reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

import glasscredit.policy
from glasscredit.cli import _common, app
from glasscredit.cli._common import plain, safe
from tests.conftest import event

runner = CliRunner()
LINK = "[link=https://evil.example]pay[/link]"
ANSI = "\x1b[2J\x1b[31mred\x1b[0m\x1b]8;;https://evil.example\x07x\x1b]8;;\x07"


def test_safe_escapes_markup_and_strips_control_characters() -> None:
    rec = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    rec.print(f"[bold]{safe('[/bold]')} {safe(LINK)} {safe(ANSI)}[/]")
    text = rec.export_text(styles=False)
    assert "[/bold]" in text and LINK in text and "redx" in text
    raw = rec.export_text(styles=True)
    assert "evil.example" not in raw.replace(LINK, "")  # no hyperlink was made
    assert plain("a\x00b\x7fc\x9bd\ne\tf") == "abcdef"
    assert "\x1b" not in safe(ANSI) and "\x07" not in safe(ANSI)


@pytest.fixture
def wide() -> Iterator[None]:
    old = _common.console.width
    _common.console.width = 400  # tables do not wrap the values the test looks for
    try:
        yield
    finally:
        _common.console.width = old


def test_hostile_policy_and_event_text_is_shown_literally(tmp_path: Path, wide: None) -> None:
    data = yaml.safe_load((Path(glasscredit.policy.__file__).parent / "default.yaml").read_text())
    bill = data["event_types"]["bill.paid"]["attributes"]
    bill["[/bold]"] = {"type": "enum", "values": [LINK], "required": False}
    feat = next(f for f in data["features"] if f["name"] == "on_time_payments_24m")
    feat["reason"] = f"Few on-time payments {ANSI}"
    data["name"] = "policy[/]"
    pol = tmp_path / "policy.yaml"
    pol.write_text(yaml.safe_dump(data))
    db = f"sqlite:///{tmp_path / 'h.db'}"
    ev = event("h1", "s1", "bill.paid", "2026-01-01T00:00:00Z", **{"[/bold]": LINK})
    f = tmp_path / "e.jsonl"
    f.write_text(json.dumps(ev) + "\n")
    base = ["--db", db, "--policy", str(pol)]
    for args in (["init"], ["ingest", str(f)], ["events", "s1"], ["explain", "s1"]):
        res = runner.invoke(app, [*args, *base])
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.output and "\x07" not in res.output
        if args[0] == "init":
            assert "policy[/]" in res.output
        if args[0] == "events":
            assert f"[/bold]={LINK}" in res.output
        if args[0] == "explain":
            assert "Few on-time payments" in res.output and "redx" in res.output
    missing = runner.invoke(app, ["events", "[/bold]" + ANSI, *base])
    assert missing.exit_code == 4 and "\x1b" not in missing.output
    assert "[/bold]" in missing.output
