"""Retention as of a date, and tampering with a rights audit row, located."""

from __future__ import annotations

from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import open_dispute
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events


def test_expired_negative_stops_counting_as_time_passes(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-08-01T00:00:00Z")  # recorded before both as-of times below
    load_history(ledger, [event("old", "s1", "loan.defaulted", "2019-09-01T00:00:00Z")])
    scorer = Scorer(ledger)
    # 7 years = 7 x 365.2425 days = 2,556.6975 days; 2019-09-01 -> 2026-09-01 is 2,557
    # days (2020 and 2024 are leap years), so it expires at 2026-08-31T16:44:24Z
    before = scorer.explain("s1", parse_timestamp("2026-08-31T16:44:23Z"))
    after = scorer.explain("s1", parse_timestamp("2026-08-31T16:44:25Z"))
    pts = [{f.name: f.points for f in e.features}["defaults_7y"] for e in (before, after)]
    assert pts == [-35, 10]
    assert after.score - before.score == 45


def test_tampered_dispute_audit_row_is_located(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events())
    open_dispute(ledger, "s1", "s1-late", "on time", now_us=clock() + DAY_US, actor="subject")
    [seq] = [e.seq for e in ledger.audit.entries(action="dispute.open")]
    assert seq > 1 and ledger.verify_audit().ok  # the ingest row, scores, then the dispute
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE audit_log SET actor = 'operator' WHERE seq = {seq}")
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == seq and "edited" in rep.problem
