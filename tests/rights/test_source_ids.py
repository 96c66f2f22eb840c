"""Id squatting (issue 11, item 7) meets the person's rights: disputes, export, erasure.

``rentals`` sends the id of ``s1``'s late payment (bank's ``s1-late``) before the bank
does. The bank's event is still stored and counts; a dispute must name which of the two
it is about when the id alone does not; the export shows each with its own status.
"""

from __future__ import annotations

import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import erase_subject, export_subject, open_dispute, verify_export
from glasscredit.scoring import Scorer, rescore
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events

T0 = parse_timestamp("2026-09-01T00:00:00Z")


def _squatted(ledger: Ledger, clock: FakeClock, about: str) -> None:
    clock.set("2026-09-01T00:00:00Z")
    squat = event("s1-late", about, "rental.returned_late", "2026-04-01T00:00:00Z")
    assert load_history(ledger, [squat]).accepted == 1  # first: the id is claimed
    rep = load_history(ledger, s1_events())
    assert (rep.accepted, rep.conflicts, rep.duplicates) == (len(s1_events()), 0, 0)


def test_squatting_another_subject_changes_nothing_for_the_victim(
    ledger: Ledger, clock: FakeClock
) -> None:
    _squatted(ledger, clock, "sq")
    # 600 by hand (tests/rights/_helpers.py): the bank's late payment counts as sent
    assert Scorer(ledger).explain("s1", T0).score == 600
    rescore(Scorer(ledger), T0, T0)
    # s1 has one event with the id: no need to name the source
    res = open_dispute(ledger, "s1", "s1-late", "paid on time", now_us=T0 + DAY_US, actor="subject")
    assert (res.dispute.event_id, res.dispute.source) == ("s1-late", "bank")
    assert (res.score_before, res.score_after) == (600, 645)  # as in test_export.py
    # the squatter's event about sq still counts for sq, the dispute did not touch it
    sq = Scorer(ledger).explain("sq", T0 + DAY_US)
    assert [(e["source"], e["event_id"]) for e in sq.provenance["breaches_24m"]] == [
        ("rentals", "s1-late")
    ]


def test_a_shared_id_must_be_disputed_with_its_source(ledger: Ledger, clock: FakeClock) -> None:
    _squatted(ledger, clock, "s1")  # both events are about s1
    rescore(Scorer(ledger), T0, T0)
    with pytest.raises(ValidationError) as err:
        open_dispute(ledger, "s1", "s1-late", "paid on time", now_us=T0 + DAY_US, actor="subject")
    [fe] = err.value.errors
    assert (fe.field, fe.rule) == ("source", "one_event")
    assert "bank, rentals" in fe.message
    res = open_dispute(
        ledger,
        "s1",
        "s1-late",
        "paid on time",
        now_us=T0 + DAY_US,
        actor="subject",
        source="bank",
    )
    assert (res.dispute.event_id, res.dispute.source) == ("s1-late", "bank")
    # rentals' event with the same id still counts: only the bank's stopped counting
    data = export_subject(ledger, "s1", now_us=T0 + 2 * DAY_US)
    status = {(e["source"], e["event_id"]): e["status"] for e in data["events"]}
    assert status["bank", "s1-late"] == "does not count: dispute 1"
    assert status["rentals", "s1-late"] == "counts"
    assert [(x["source"], x["event_id"]) for x in data["exclusions"]] == [("bank", "s1-late")]
    hashes = {(e["source"], e["event_id"]): e["content_hash"] for e in data["events"]}
    assert hashes["bank", "s1-late"] != hashes["rentals", "s1-late"]
    assert verify_export(data)["identical"]


def test_erasing_the_squatters_subject_keeps_the_victims_event(
    ledger: Ledger, clock: FakeClock
) -> None:
    _squatted(ledger, clock, "sq")
    erase_subject(ledger, "sq", now_us=T0, actor="op")
    evs = {(e.source, e.event_id) for e in ledger.events_of("s1")}
    assert ("bank", "s1-late") in evs
    assert Scorer(ledger).explain("s1", T0).score == 600
    assert ledger.verify_audit().ok


def test_the_command_line_asks_for_the_source_and_takes_it(
    ledger: Ledger, clock: FakeClock, db_url: str
) -> None:
    from typer.testing import CliRunner

    from glasscredit.cli import app

    _squatted(ledger, clock, "s1")

    def run(*args: str) -> tuple[int, str]:
        res = CliRunner().invoke(app, ["dispute", "open", *args, "--db", db_url])
        return res.exit_code, res.output

    code, out = run("s1", "s1-late", "--reason", "paid on time")
    assert code == 3 and "source" in out and "bank, rentals" in out  # a usage error
    code, out = run("s1", "s1-late", "--reason", "paid on time", "--source", "rentals", "--json")
    assert code == 0, out
    assert "rentals" in out
