"""Scoring as of a past time is a read over what the ledger knows now: on a backfilled
ledger it reflects the history (not the empty-file score), and it never stores a score
or writes a change notice against the current one."""

from __future__ import annotations

import pytest

from glasscredit import app
from glasscredit.exceptions import ValidationError
from glasscredit.policy import DAY_US, iso
from glasscredit.store import Ledger
from tests.clocks._helpers import NOW_US, clocked_policy
from tests.conftest import FakeClock, event

PAST = NOW_US - 120 * DAY_US


def _history() -> list[dict[str, object]]:
    """A year of on-time payments and paid bills, ending before PAST."""
    out = []
    for m in range(12):
        at = iso(PAST - (m + 1) * 30 * DAY_US)
        out.append(event(f"p{m}", occurred_at=at))
        out.append(event(f"b{m}", type_="bill.paid", occurred_at=at))
    out.append(event("acct", type_="account.opened", occurred_at=iso(PAST - 400 * DAY_US)))
    return out


def test_as_of_past_on_a_backfilled_ledger_is_a_read_with_the_history(db_url: str) -> None:
    clock = FakeClock()
    with Ledger(db_url, clocked_policy(), clock=clock) as led:
        ctx = app.Context.of_ledger(led)
        empty = app.explain(ctx, "s1", as_of_us=PAST) if led.has_subject("s1") else None
        assert empty is None
        bf = app.approve_backfill(
            ctx,
            source="bank",
            occurred_from=iso(PAST - 500 * DAY_US),
            occurred_to=iso(PAST),
            known_from=iso(PAST - 500 * DAY_US),  # the bank knew each fact as it happened
            approved_by="ops",
            reason="the bank's records of the past year",
        )
        assert led.ingest(_history(), backfill=bf.backfill_id).accepted == 25
        now_score = app.score_subject(ctx, "s1")  # stored, current
        past = app.explain(ctx, "s1", as_of_us=PAST)
        counted = {e.event_id for evs in past.events.values() for e in evs}
        assert {"p0", "b0", "acct"} <= counted  # the history counts as of the past
        # the empty-file score: the same subject read with the ledger as it was then
        stored_view = ctx.scorer.explain("s1", PAST)  # c = t: what a score stored then saw
        assert stored_view.score < past.score
        run = app.score(ctx, as_of_us=PAST)
        assert run.historical and run.stored == 0 and run.changed == 0 and run.subjects == 1
        hist = app.history(ctx, "s1")
        assert [s.score_id for s in hist.scores] == [now_score.score_id]  # nothing stored
        assert hist.notices == []
        assert app.current_score(ctx, "s1").score == now_score.score
        with pytest.raises(ValidationError) as err:
            app.score_subject(ctx, "s1", as_of_us=PAST)
        assert err.value.errors[0].rule == "past"
        assert led.verify_audit().ok


def test_a_new_persons_first_months_count_live(db_url: str) -> None:
    """Honest behaviour is not caught: live events of a new subject count at once."""
    clock = FakeClock(NOW_US - 90 * DAY_US)
    with Ledger(db_url, clocked_policy(), clock=clock) as led:
        ctx = app.Context.of_ledger(led)
        for m in range(3):
            at = NOW_US - (90 - 30 * m) * DAY_US
            clock.now_us = at + DAY_US  # reported the next day
            assert led.ingest([event(f"new{m}", subject="n1", occurred_at=iso(at))]).accepted
        clock.now_us = NOW_US
        exp = app.explain(ctx, "n1")
        counted = {e.event_id for evs in exp.events.values() for e in evs}
        assert counted == {"new0", "new1", "new2"} and exp.not_counted == []
