"""Partner and policy text reaches the terminal as text: no markup, no control characters.

An attribute named ``[/bold]`` would make rich raise (a closing tag with nothing open),
a value ``[link=...]`` would become a clickable hyperlink hiding its target, and an ANSI
escape could recolour, clear or overwrite what the operator reads. The renderers are
fed typed results holding such text directly (whatever the policy validator admits
today or tomorrow), and the commands end to end with hostile arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import _common, _ledger, _scoring, app
from glasscredit.cli._common import plain, print_error, safe
from glasscredit.exceptions import FieldError, ValidationError

runner = CliRunner()
LINK = "[link=https://evil.example]pay[/link]"
ANSI = "\x1b[2J\x1b[31mred\x1b[0m\x1b]8;;https://evil.example\x07x\x1b]8;;\x07"


def test_safe_escapes_markup_and_strips_control_characters() -> None:
    rec = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    rec.print(f"[bold]{safe('[/bold]')} {safe(LINK)} {safe(ANSI)}[/]")
    assert rec.export_text(styles=False) == f"[/bold] {LINK} redx\n"
    assert "evil.example" not in rec.export_text(styles=True).replace(LINK, "")  # no hyperlink
    assert plain("a\x00b\x7fc\x9bd\ne\tf") == "abcdef"
    assert "\x1b" not in safe(ANSI) and "\x07" not in safe(ANSI)


@pytest.fixture
def screen() -> Iterator[Console]:
    """The CLI's console, wide enough that no value the test looks for is wrapped."""
    con = _common.console
    old = con.width
    con.width = 400
    try:
        yield con
    finally:
        con.width = old


def _shown(con: Console, render: Callable[[], None]) -> str:
    with con.capture() as cap:
        render()
    return cap.get()


def _no_injection(out: str) -> None:
    assert "\x07" not in out and "2J" not in out and "]8;" not in out  # no clear, no OSC link
    assert "\x1b" not in out  # the capture is plain text: any escape came from the data


def test_event_attribute_named_bold_closing_tag_and_link_value(screen: Console) -> None:
    ev = gc.StoredEventView(
        event_id="e1",
        subject="s1",
        source="bank",
        type="bill.paid",
        occurred_at="2026-01-01T00:00:00Z",
        recorded_at="2026-01-01T00:00:00Z",
        known_at="2026-01-01T00:00:00Z",
        attributes={"[/bold]": LINK, "note": ANSI},
    )
    out = _shown(screen, lambda: _ledger._print_events(gc.EventList(subject=LINK, events=[ev])))
    _no_injection(out)
    assert f"[/bold]={LINK}" in out and "note=redx" in out and f"events of {LINK}" in out


def test_explanation_from_a_hostile_policy(screen: Console) -> None:
    exp = gc.Explanation(
        subject="s1",
        as_of="2026-01-01T00:00:00Z",
        score=600,
        tier="[/bold]",
        range=(350, 950),
        base_points=600,
        policy_hash="p" * 64,
        model_hash="m" * 64,
        inputs_digest="",
        dimensions={"[/]": gc.DimensionPoints(points=0, percent=0.0)},
        features=[
            gc.FeatureLine(name=LINK, dimension="d", value=None, bin=ANSI, points=0, max_points=0)
        ],
        reasons=[gc.Reason(code="GC01", text=ANSI, points_below_max=5, feature="f", events=[])],
        perks=[gc.Perk(name=LINK, description="")],
        perks_not_granted=[gc.PerkNotGranted(name="[/bold]", description="", why=[ANSI])],
        events={},
    )
    out = _shown(screen, lambda: _scoring.print_explanation(exp))
    _no_injection(out)
    assert "([/bold])" in out and LINK in out and "GC01 -5: redx" in out


def test_error_messages_are_shown_literally(screen: Console) -> None:
    err = ValidationError([FieldError("[/bold]", LINK, ANSI)])
    rec = _common.err_console
    with rec.capture() as cap:
        print_error(err)
    out = cap.get()
    _no_injection(out)
    assert f"[/bold]: redx [{LINK}]" in out


def test_hostile_arguments_end_to_end(tmp_path: Path) -> None:
    name = "x[bold]y[link=https:evil]z\x1b[31m.db"  # a file name holds no "/"
    db = f"sqlite:///{tmp_path / name}"
    res = runner.invoke(app, ["init", "--db", db])
    assert res.exit_code == 0, res.output
    assert "x[bold]y[link=https:evil]z.db" in res.output.replace("\n", "")
    missing = runner.invoke(app, ["events", "[/bold]" + ANSI, "--db", db])
    assert missing.exit_code == 4 and "\x1b" not in missing.output
    assert "[/bold]" in missing.output
