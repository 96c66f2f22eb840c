"""Erasure leaves no readable trace of the subject, and the audit chain still verifies."""

from __future__ import annotations

from sqlalchemy import inspect

from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import erase_subject, export_subject, open_dispute, source_stats
from glasscredit.scoring import Scorer, rescore
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events

T0 = parse_timestamp("2026-09-01T00:00:00Z")
WHO = "erase-me-7"


def _all_text(ledger: Ledger) -> str:
    names = inspect(ledger.engine).get_table_names()
    assert "events" in names and "erasures" in names
    return "\n".join(repr(r) for t in names for r in ledger.execute_sql(f"SELECT * FROM {t}"))


def test_erasure_leaves_no_trace_and_chain_verifies(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(
        ledger,
        s1_events(WHO)
        + s1_events("s2")
        + [event("vouch", "s2", "endorsement", "2026-06-01T00:00:00Z", endorser=WHO)],
    )
    rescore(Scorer(ledger), T0, T0)
    open_dispute(
        ledger, WHO, f"{WHO}-late", "my bank made a mistake", now_us=T0 + DAY_US, actor="subject"
    )
    assert WHO in _all_text(ledger)
    clock.now_us = T0 + 2 * DAY_US
    rep = erase_subject(ledger, WHO, now_us=clock(), actor="operator:dpo")
    # 16 own events, and s2's endorsement that names the erased person
    assert (rep.events, rep.naming_events, rep.rescored) == (16, 1, ["s2"])
    text = _all_text(ledger)
    assert WHO not in text and "my bank made a mistake" not in text
    chain = ledger.verify_audit()
    # the history in two approved backfills (bank's 32 events, community's endorsement),
    # dispute.open and erase; each rescore's ``scores`` row vouches for the scores table;
    # the erased 17 events still count through tombstones
    actions = [e.action for e in ledger.audit.entries()]
    assert chain.ok and chain.rows == len(actions)
    assert [a for a in actions if a != "scores"] == [
        "backfill_approve",
        "ingest",
        "backfill_approve",
        "ingest",
        "dispute.open",
        "erase",
    ]
    assert ledger.counts()["events"] == 16  # s2's own 16 remain
    # the dispute row stays, anonymised: the source's rates survive the erasure
    assert source_stats(ledger)["bank"]["disputes"] == 1
    # every read path refuses the subject; resends are refused at ingest
    assert not ledger.has_subject(WHO)
    again = ledger.ingest(  # live resends of the day before
        [
            event("new-1", WHO, occurred_at="2026-09-02T00:00:00Z"),
            event("new-2", "s2", "endorsement", "2026-09-02T00:00:00Z", endorser=WHO),
        ]
    )
    assert again.accepted == 0 and [(e.field, e.rule) for e in again.errors] == [
        ("subject", "erased"),
        ("attributes.endorser", "erased"),
    ]
    assert Scorer(ledger).all_subjects() == ["s2"]
    try:
        export_subject(ledger, WHO, now_us=clock())
    except Exception as exc:
        assert "unknown or erased" in str(exc)
    else:
        raise AssertionError("the export of an erased subject must be refused")


def test_tampered_row_is_still_located_after_erasure(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events(WHO))
    load_history(ledger, s1_events("s2"))
    erase_subject(ledger, WHO, now_us=T0, actor="operator")
    assert ledger.verify_audit().ok
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE events SET attributes = '{\"amount\":1}' WHERE event_id = 's2-pay-2026-01'"
        )
    # audit rows: 1 and 3 approve the backfills, 2 is the erased batch, 4 is s2's
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == 4 and "s2-pay-2026-01" in rep.problem
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE event_tombstones SET leaf = 'f' || substr(leaf, 2) WHERE id = 1"
        )
    rep = ledger.verify_audit()
    assert not rep.ok and rep.first_bad_seq == 2  # the erased batch is located too
