"""The fairness audit by month from stored scores, protected attributes from a side file."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app as cli
from glasscredit.config import Settings
from glasscredit.exceptions import ValidationError
from glasscredit.policy import default_policy, parse_timestamp
from tests._history import load_history
from tests.conftest import FakeClock, event


def _ledger(url: str, clock: FakeClock) -> None:
    """40 verified subjects (a..) and 40 unverified (b..) scored in September and October;
    in October half of the unverified are verified too."""
    with gc.Context(Settings(database_url=url), default_policy(), clock) as ctx:
        clock.set("2026-09-01T00:00:00Z")
        evs = [
            event(f"acct-{s}", s, "account.opened", "2020-01-01T00:00:00Z")
            for s in [*(f"a{i}" for i in range(40)), *(f"b{i}" for i in range(40))]
        ]
        evs += [
            event(f"id-a{i}", f"a{i}", "identity.verified", "2026-08-01T00:00:00Z", level=3)
            for i in range(40)
        ]
        load_history(ctx.ledger, evs).check()  # the bank's records: openings of 2020
        gc.score(ctx, as_of_us=parse_timestamp("2026-09-15T00:00:00Z"))
        clock.set("2026-10-01T00:00:00Z")
        ctx.ledger.ingest(
            [
                event(f"id-b{i}", f"b{i}", "identity.verified", "2026-09-28T00:00:00Z", level=3)
                for i in range(20)
            ]
        )
        gc.score(ctx, as_of_us=parse_timestamp("2026-10-15T00:00:00Z"))


def test_approval_and_adverse_impact_by_month_from_the_stored_scores(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    _ledger(url, clock)
    side = tmp_path / "groups.csv"
    # the side file names 70 of the 80: a0..a34 in group x, every b in group y
    rows = [(f"a{i}", "x") for i in range(35)] + [(f"b{i}", "y") for i in range(40)]
    pl.DataFrame(rows, schema=["subject", "group"], orient="row").write_csv(side)
    with gc.Context(Settings(database_url=url), default_policy(), clock) as ctx:
        led = ctx.ledger
        scores = {s: led.scores.history(s)[-1].score for s in [f"a{i}" for i in range(40)]}
        sep_b = led.scores.history("b0")[0].score
        cutoff = float(min(scores.values()))
        assert sep_b < cutoff  # the unverified score below the verified
        clock.set("2026-11-01T00:00:00Z")
        res = gc.audit_scores(
            ctx,
            str(side),
            protected=["group"],
            cutoff=cutoff,
            since_us=parse_timestamp("2026-09-01T00:00:00Z"),
        )
    assert [m.period for m in res.months] == ["2026-09", "2026-10"]
    assert res.scored_subjects == 80 and res.matched_subjects == 75
    sep, oct_ = res.months
    assert sep.n == oct_.n == 75
    g_sep, g_oct = sep.attributes["group"], oct_.attributes["group"]
    assert g_sep.reference_group == "x" and g_sep.approval_rate_by_group == {"x": 1.0, "y": 0.0}
    assert g_sep.min_adverse_impact_ratio == 0.0 and g_sep.four_fifths_flag
    # in October half of y were verified: y approves 20 of 40, x all 35
    assert g_oct.approval_rate_by_group == {"x": 1.0, "y": 0.5}
    assert g_oct.min_adverse_impact_ratio == pytest.approx(0.5)
    assert oct_.approval_rate == pytest.approx(55 / 75)

    r = CliRunner().invoke(
        cli,
        [
            "model",
            "audit-scores",
            str(side),
            "--protected",
            "group",
            "--cutoff",
            str(cutoff),
            "--since",
            "2026-09-01T00:00:00Z",
            "--until",
            "2026-11-01T00:00:00Z",
            "--db",
            url,
            "--json",
        ],
    )
    assert r.exit_code == 9, r.output  # a month under four fifths
    assert [m["period"] for m in json.loads(r.output)["months"]] == ["2026-09", "2026-10"]


def test_a_side_file_without_the_columns_or_with_a_subject_twice_is_refused(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    clock.set("2026-09-01T00:00:00Z")
    side = tmp_path / "g.csv"
    pl.DataFrame({"subject": ["a", "a"], "group": ["x", "y"]}).write_csv(side)
    with gc.Context(Settings(database_url=url), default_policy(), clock) as ctx:
        since = parse_timestamp("2026-08-01T00:00:00Z")
        for protected, rule in ((["group"], "unique"), (["sex"], "column_present")):
            with pytest.raises(ValidationError) as e:
                gc.audit_scores(ctx, str(side), protected=protected, cutoff=600, since_us=since)
            assert e.value.errors[0].rule == rule


def test_month_starts_are_calendar_months() -> None:
    # the span includes its end: scores stored as of ``until`` count
    got = gc.month_starts(
        parse_timestamp("2026-11-15T00:00:00Z"), parse_timestamp("2027-01-31T23:59:59Z")
    )
    assert got == [
        parse_timestamp(t)
        for t in ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
    ]
