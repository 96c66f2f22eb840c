"""The source report from a real ledger (SQLite file and PostgreSQL): use case and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app
from glasscredit.exceptions import PolicyError
from glasscredit.policy import DAY_US, Policy, iso
from glasscredit.sources import source_settings
from glasscredit.store import Ledger
from tests.conftest import FakeClock, event
from tests.sources._book import T, book_policy


def _ingest_at(
    led: Ledger, clock: FakeClock, days_ago: float, evs: list[dict[str, object]]
) -> None:
    clock.now_us = T - int(days_ago * DAY_US)
    when = iso(clock.now_us)
    assert led.ingest([{**e, "occurred_at": when} for e in evs]).accepted == len(evs)


def _fill(led: Ledger, clock: FakeClock, *, colluding: bool) -> None:
    """Five old bank customers who also rent; with ``colluding``, a lender's own accounts."""
    _ingest_at(
        led,
        clock,
        500,
        [event(f"open-c{i}", f"c{i}", "account.opened") for i in range(5)]
        + [event(f"ride-c{i}", f"c{i}", "rental.returned") for i in range(5)],
    )
    for d in range(115, 0, -10):
        _ingest_at(led, clock, d, [event(f"pay-c{i}-{d}", f"c{i}") for i in range(5)])
    if colluding:
        _ingest_at(
            led,
            clock,
            20,
            [event(f"open-x{i}", f"x{i}", "account.opened", source="lender") for i in range(6)],
        )
        _ingest_at(led, clock, 10, [event(f"pay-x{i}", f"x{i}", source="lender") for i in range(6)])
    clock.now_us = T


@pytest.fixture
def book_ledger(db_url: str, clock: FakeClock) -> Ledger:
    return Ledger(db_url, book_policy(), clock=clock)


def test_a_colluding_lender_is_flagged_with_evidence_and_recorded(
    book_ledger: Ledger, clock: FakeClock
) -> None:
    with book_ledger as led:
        _fill(led, clock, colluding=True)
        ctx = gc.Context.of_ledger(led)
        res = gc.source_report(ctx)
        # its six accounts are new to the ledger too: judged against the share floor, as
        # no peer first reported anyone in the window (docs/sources.md)
        assert [f.ref for f in res.flags] == ["source:lender:sole_cohort", "source:lender:young"]
        flag = res.flags[0]
        assert flag.subjects == ["x0", "x1", "x2", "x3", "x4"] and flag.subjects_total == 6
        assert flag.events_total == 12 and flag.value == 1.0
        assert led.audit.entries(action="source_flag") == []  # reading changes nothing
        bank = next(s for s in res.sources if s.source == "bank")
        assert bank.rates["payment.on_time"]["window"] == 15  # days 25, 15, 5 x 5 customers
        assert bank.sole_cohort["size"] == 0
        lender = next(s for s in res.sources if s.source == "lender")
        assert (lender.group, lender.sole_cohort["size"]) == ("acme", 6)
        assert lender.first_report_age["young_share"] == 1.0

        acted = gc.source_report(ctx, record=True)
        assert acted.recorded == 2
        row = led.audit.entries(action="source_flag")[0]
        assert row.actor == "operator" and row.details["ref"] == "source:lender:sole_cohort"
        assert row.details["subjects"] == ["x0", "x1", "x2", "x3", "x4"]
        assert row.details["as_of_us"] == T
        assert led.verify_audit().ok


def test_an_honest_ledger_raises_no_flag(book_ledger: Ledger, clock: FakeClock) -> None:
    with book_ledger as led:
        _fill(led, clock, colluding=False)
        res = gc.source_report(gc.Context.of_ledger(led))
        assert res.flags == [] and res.recorded == 0


def _policy_file(tmp_path: Path, policy: Policy) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(policy.to_json(), encoding="utf-8")
    return str(path)


def test_cli_exit_9_on_flags_json_and_record(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    with Ledger(db_url, book_policy(), clock=clock) as led:
        _fill(led, clock, colluding=True)
    pol = _policy_file(tmp_path, book_policy())
    args = ["sources", "--db", db_url, "--policy", pol, "--as-of", iso(T)]
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 9, out.output
    data = json.loads(out.output)
    assert [f["ref"] for f in data["flags"]] == [
        "source:lender:sole_cohort",
        "source:lender:young",
    ]
    assert data["flags"][0]["why"].startswith("100% of its subjects have positive history")
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 9
    assert "flag source:lender:sole_cohort" in table.output and "x0, x1" in table.output
    recorded = CliRunner().invoke(app, [*args, "--record"])
    assert recorded.exit_code == 9 and "2 written to the audit log" in recorded.output


def test_cli_exit_0_without_flags(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    with Ledger(db_url, book_policy(), clock=clock) as led:
        _fill(led, clock, colluding=False)
    pol = _policy_file(tmp_path, book_policy())
    out = CliRunner().invoke(app, ["sources", "--db", db_url, "--policy", pol, "--as-of", iso(T)])
    assert out.exit_code == 0, out.output
    assert "0 flag(s)" in out.output


def test_cli_refuses_bad_settings_naming_the_key(
    sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    with Ledger(sqlite_url, book_policy(), clock=clock):
        pass
    pol = _policy_file(tmp_path, book_policy(window="soon"))
    out = CliRunner().invoke(app, ["sources", "--db", sqlite_url, "--policy", pol])
    assert out.exit_code == 3
    assert "settings.sources.window" in out.output


@pytest.mark.parametrize(
    ("settings", "field", "rule"),
    [
        ({"windows": "30d"}, "settings.sources.windows", "unknown_setting"),
        ({"window": 30}, "settings.sources.window", "type"),
        ({"window": "0d"}, "settings.sources.window", "positive"),
        ({"baseline": "later"}, "settings.sources.baseline", "duration"),
        ({"min_events": 0}, "settings.sources.min_events", "positive"),
        ({"min_subjects": True}, "settings.sources.min_subjects", "type"),
        ({"rate_ratio": 1}, "settings.sources.rate_ratio", "above_one"),
        ({"share_floor": 0.0}, "settings.sources.share_floor", "range"),
        ({"max_removed_share": 1.5}, "settings.sources.max_removed_share", "range"),
    ],
)
def test_settings_are_validated(settings: dict[str, object], field: str, rule: str) -> None:
    with pytest.raises(PolicyError) as info:
        source_settings(book_policy(**settings))
    assert (field, rule) in [(e.field, e.rule) for e in info.value.errors]


def test_settings_defaults_and_integers_for_ratios() -> None:
    s = source_settings(book_policy(rate_ratio=4))
    assert s.rate_ratio == 4.0 and isinstance(s.rate_ratio, float)
    assert s.window == "30d" and s.min_subjects == 3
