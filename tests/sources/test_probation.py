"""Source probation on a real ledger (SQLite file and PostgreSQL): what it holds, for
how long, whom it spares, release, reproducibility, explanation, audit and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app
from glasscredit.exceptions import ConflictError, NotFoundError, ValidationError
from glasscredit.policy import DAY_US, MONTH_US, iso
from glasscredit.sources import SourceFlag, apply_probations, probations_from_flags
from glasscredit.store import PROBATION_REASON, Ledger
from glasscredit.trust._inputs import load_trust_inputs
from tests.conftest import FakeClock, event
from tests.sources._book import T, book_policy

YEAR_US = 12 * MONTH_US


def _ingest_at(
    led: Ledger, clock: FakeClock, days_ago: float, evs: list[dict[str, object]]
) -> None:
    clock.now_us = T - int(days_ago * DAY_US)
    when = iso(clock.now_us)
    assert led.ingest([{**e, "occurred_at": when} for e in evs]).accepted == len(evs)


def _fill(led: Ledger, clock: FakeClock, *, colluding: bool) -> None:
    """Five old bank customers who also rent; with ``colluding``, six accounts a lender
    opened, verified and paid for, and ``y``: a real bank customer who also borrows
    from the lender (two independent sources)."""
    _ingest_at(
        led,
        clock,
        500,
        [event(f"open-c{i}", f"c{i}", "account.opened") for i in range(5)]
        + [event(f"ride-c{i}", f"c{i}", "rental.returned") for i in range(5)]
        + [event("open-y", "y", "account.opened"), event("ride-y", "y", "rental.returned")],
    )
    for d in range(115, 0, -10):
        _ingest_at(led, clock, d, [event(f"pay-c{i}-{d}", f"c{i}") for i in range(5)])
    if colluding:
        _ingest_at(
            led,
            clock,
            20,
            [event(f"open-x{i}", f"x{i}", "account.opened", source="lender") for i in range(6)]
            + [
                event(f"id-x{i}", f"x{i}", "identity.verified", source="lender", level=3)
                for i in range(6)
            ],
        )
        _ingest_at(
            led,
            clock,
            10,
            [event(f"pay-x{i}", f"x{i}", source="lender") for i in range(6)]
            + [event("pay-y", "y", source="lender")],
        )
    clock.now_us = T


@pytest.fixture
def led(db_url: str, clock: FakeClock) -> Ledger:
    return Ledger(db_url, book_policy(), clock=clock)


def _value(ctx: gc.Context, subject: str, feature: str, at: int | None = None) -> float | None:
    exp = gc.explain(ctx, subject, as_of_us=at)
    return next(f.value for f in exp.features if f.name == feature)


def test_flags_put_the_lender_on_probation_and_its_cohort_waits_a_year(
    led: Ledger, clock: FakeClock
) -> None:
    with led:
        _fill(led, clock, colluding=True)
        ctx = gc.Context.of_ledger(led)
        before = {s: gc.explain(ctx, s).score for s in ("x0", "y")}
        assert _value(ctx, "x0", "on_time_payments_24m") == 1
        res = gc.source_report(ctx, probation=True)
        assert res.placed == ["lender"]
        (p,) = res.probations
        flags = ["source:lender:sole_cohort", "source:lender:young"]
        assert (p.source, p.flags, p.until) == ("lender", flags, None)
        assert p.since == iso(T - 30 * DAY_US)  # the flag's window: its evidence is held
        # every positive event of the lender about its six accounts (open, id, payment)
        assert (res.held, p.subjects_held, p.events_held) == (18, 6, 18)
        exp = gc.explain(ctx, "x0")
        assert _value(ctx, "x0", "on_time_payments_24m") == 0
        assert _value(ctx, "x0", "identity_level") in (None, 0)
        assert exp.score < before["x0"]
        held = {n["event_id"]: n for n in exp.not_counted}
        assert set(held) == {"open-x0", "id-x0", "pay-x0"}
        why = held["pay-x0"]["why"]
        assert why.startswith(f"lender has been on probation since {iso(T - 30 * DAY_US)[:10]}")
        assert "many new people whose good record comes from it alone" in why
        assert "counts once the ledger has known it for 1 year" in why
        assert f"counts from {iso(T - 10 * DAY_US + YEAR_US)[:10]}" in why
        # y also has a bank and a rental platform: the lender's payment counts
        assert gc.explain(ctx, "y").score == before["y"]
        assert [n for n in gc.explain(ctx, "y").not_counted] == []
        # seasoned: a year after the ledger knew each event, it counts
        later = T - 10 * DAY_US + YEAR_US
        assert _value(ctx, "x0", "on_time_payments_24m", later) == 1
        assert _value(ctx, "x0", "on_time_payments_24m", later - DAY_US) == 0
        assert gc.explain(ctx, "x0", as_of_us=later).not_counted == []
        # a second scan holds nothing twice
        assert apply_probations(led, T).held == 0


def test_release_restores_from_then_on_and_stored_scores_reproduce(
    led: Ledger, clock: FakeClock
) -> None:
    with led:
        _fill(led, clock, colluding=True)
        ctx = gc.Context.of_ledger(led)
        stored = gc.score_subject(ctx, "x0")  # stored at T, before the probation
        clock.now_us = T + DAY_US
        gc.source_report(ctx, probation=True)
        on_probation = gc.score_subject(ctx, "x0")
        assert on_probation.score < stored.score
        assert gc.verify_score(ctx, stored.score_id).identical  # the hold starts after it
        clock.now_us = T + 2 * DAY_US
        released = gc.release_probation(ctx, "lender")
        assert released.closed == 18 and released.probation.until == iso(T + 2 * DAY_US)
        assert released.probation.events_held == 0
        assert gc.explain(ctx, "x0").score == stored.score
        assert gc.explain(ctx, "x0", as_of_us=T + DAY_US).score == on_probation.score
        for s in (stored, on_probation):
            assert gc.verify_score(ctx, s.score_id).identical
        assert [p.until for p in gc.probations(ctx).probations] == [iso(T + 2 * DAY_US)]
        with pytest.raises(NotFoundError, match="not on probation"):
            gc.release_probation(ctx, "lender")
        actions = [
            e.action
            for e in led.audit.entries()
            if "probation" in e.action or "source_" in e.action
        ]
        assert actions == ["source_probation", "probation_hold", "source_release"]
        (placed,) = led.audit.entries(action="source_probation")
        assert placed.details["flags"] == ["source:lender:sole_cohort", "source:lender:young"]
        assert placed.details["source"] == "lender" and placed.actor == "operator"
        assert led.verify_audit().ok


def test_a_second_independent_source_lifts_the_hold(led: Ledger, clock: FakeClock) -> None:
    with led:
        _fill(led, clock, colluding=True)
        ctx = gc.Context.of_ledger(led)
        gc.place_probation(ctx, "lender", reason="review", since=iso(T - 60 * DAY_US))
        assert _value(ctx, "x1", "on_time_payments_24m") == 0
        clock.now_us = T + DAY_US
        led.ingest([{**event("bank-x1", "x1"), "occurred_at": iso(clock.now_us)}])
        scan = apply_probations(led, clock.now_us)
        assert (scan.held, scan.lifted) == (0, 3)
        assert _value(ctx, "x1", "on_time_payments_24m") == 2
        assert _value(ctx, "x2", "on_time_payments_24m") == 0
        assert led.verify_audit().ok


def test_manual_probation_refusals_name_field_and_rule(led: Ledger, clock: FakeClock) -> None:
    with led:
        _fill(led, clock, colluding=False)
        ctx = gc.Context.of_ledger(led)
        with pytest.raises(ValidationError) as info:
            gc.place_probation(ctx, "nosuch", reason=" ", since=iso(T + DAY_US))
        assert {(e.field, e.rule) for e in info.value.errors} == {
            ("source", "unknown_source"),
            ("reason", "length"),
            ("since", "future"),
        }
        gc.place_probation(ctx, "bank", reason="a partner's audit")
        with pytest.raises(ConflictError):
            gc.place_probation(ctx, "bank", reason="again")
        # bank's customers all rent too: no one is known to the bank alone, nothing held
        assert gc.probations(ctx).probations[0].events_held == 0


def test_an_honest_ledger_puts_no_source_on_probation(led: Ledger, clock: FakeClock) -> None:
    with led:
        _fill(led, clock, colluding=False)
        res = gc.source_report(gc.Context.of_ledger(led), probation=True)
        assert (res.flags, res.placed, res.held, res.probations) == ([], [], 0, [])
        assert led.audit.entries(action="source_probation") == []


def _policy_file(tmp_path: Path) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(book_policy().to_json(), encoding="utf-8")
    return str(path)


def test_cli_place_list_release_and_errors(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    """The CLI runs on the system clock (after ``T``): a probation since a past date
    holds what the ledger knew since then and has not yet known a year."""
    with Ledger(db_url, book_policy(), clock=clock) as led:
        _fill(led, clock, colluding=True)
    pol = _policy_file(tmp_path)
    common = ["--db", db_url, "--policy", pol]
    bad = CliRunner().invoke(app, ["probation", "place", "nosuch", "--reason", "", *common])
    assert bad.exit_code == 3
    assert "source" in bad.output and "unknown_source" in bad.output and "length" in bad.output
    since = iso(T - 60 * DAY_US)
    out = CliRunner().invoke(
        app,
        ["probation", "place", "lender", "--reason", "flagged", "--since", since, *common],
    )
    assert out.exit_code == 0, out.output
    assert "18 event(s) held until seasoned" in out.output
    data = json.loads(CliRunner().invoke(app, ["probation", "list", "--json", *common]).output)[
        "probations"
    ][0]
    assert data["source"] == "lender" and data["events_held"] == 18
    assert data["since"] == since
    listed = CliRunner().invoke(app, ["probation", "list", *common])
    assert listed.exit_code == 0 and "probation 1 lender since" in listed.output
    assert "18 event(s) of 6 subject(s) held now" in listed.output
    report = CliRunner().invoke(app, ["sources", "--json", *common])
    assert [p["source"] for p in json.loads(report.output)["probations"]] == ["lender"]
    released = CliRunner().invoke(app, ["probation", "release", "lender", *common])
    assert released.exit_code == 0 and "18 hold(s) closed" in released.output
    again = CliRunner().invoke(app, ["probation", "release", "lender", *common])
    assert again.exit_code == 4 and "not on probation" in again.output


def test_exclusion_rows_carry_the_probation(led: Ledger, clock: FakeClock) -> None:
    with led:
        _fill(led, clock, colluding=True)
        gc.source_report(gc.Context.of_ledger(led), probation=True)
        rows = led.exclusions.of_subject("x0")
        assert {r["reason"] for r in rows} == {PROBATION_REASON}
        assert {r["ref"] for r in rows} == {"probation:1"}
        by_id = {r["event_id"]: r for r in rows}
        assert by_id["pay-x0"]["from_us"] == T - 10 * DAY_US
        assert by_id["pay-x0"]["until_us"] == T - 10 * DAY_US + YEAR_US


def test_identity_from_the_probation_source_makes_no_seed(led: Ledger, clock: FakeClock) -> None:
    """x0 verified at level 3 by the identity provider and by the lender: two sources,
    until the lender is on probation (a check from another partner does not take x0
    out of the lender's cohort: x0's history still comes from the lender alone)."""
    with led:
        _fill(led, clock, colluding=True)
        _ingest_at(
            led, clock, 5, [event("idp-x0", "x0", "identity.verified", source="idcheck", level=3)]
        )
        clock.now_us = T

        def level() -> int:
            subjects = load_trust_inputs(led, T).subjects
            return int(subjects.filter(subjects["subject"] == "x0")["identity_level"][0])

        assert level() == 3
        gc.place_probation(
            gc.Context.of_ledger(led), "lender", reason="review", since=iso(T - 60 * DAY_US)
        )
        assert level() < 3
        assert "id-x0" in {
            n["event_id"] for n in gc.explain(gc.Context.of_ledger(led), "x0").not_counted
        }


def test_a_long_standing_customer_known_to_the_source_alone_is_not_held(
    led: Ledger, clock: FakeClock
) -> None:
    """z has been the lender's customer (and nobody else's) for 600 days: a probation
    seasons what is new to the source, not its established customers."""
    with led:
        _ingest_at(
            led,
            clock,
            600,
            [
                event("open-z", "z", "account.opened", source="lender"),
                event("pay-z-old", "z", source="lender"),
            ],
        )
        _fill(led, clock, colluding=True)
        _ingest_at(led, clock, 5, [event("pay-z-new", "z", source="lender")])
        clock.now_us = T
        ctx = gc.Context.of_ledger(led)
        before = gc.explain(ctx, "z").score
        change = gc.place_probation(ctx, "lender", reason="review", since=iso(T - 60 * DAY_US))
        assert change.held == 18  # the six new accounts' openings, checks and payments
        assert gc.explain(ctx, "z").score == before and gc.explain(ctx, "z").not_counted == []


def test_a_burst_of_reports_puts_no_source_on_probation(led: Ledger, clock: FakeClock) -> None:
    """A rate flag on a negative type (reports, defaults) is no evidence against what a
    source vouches for: disputes and corroboration answer it."""
    with led:
        flag = SourceFlag("bank", "rate", "payment.late", 9.0, 1.0, 3.0, "late payments up")
        assert probations_from_flags(led, [flag], T) == []
        pumped = SourceFlag("bank", "rate", "payment.on_time", 9.0, 1.0, 3.0, "payments up")
        assert [p.source for p in probations_from_flags(led, [pumped], T)] == ["bank"]
