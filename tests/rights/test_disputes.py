"""Disputes freeze a record at once, resolve both ways, and lapse in the subject's favour."""

from __future__ import annotations

import json

from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import (
    list_disputes,
    open_dispute,
    resolve_dispute,
    source_notices,
    source_stats,
)
from glasscredit.scoring import Scorer, rescore, score_history, verify_score
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

T0 = "2026-09-01T00:00:00Z"


def _setup(ledger: Ledger, clock: FakeClock) -> int:
    clock.set(T0)
    assert load_history(ledger, s1_events()).accepted == 16
    t0 = parse_timestamp(T0)
    rep = rescore(Scorer(ledger), t0, t0, subjects_in=["s1"])
    assert rep.scores == [600]  # 645 - 45 for the default (see _helpers)
    return t0


def test_disputed_event_stops_counting_at_once(ledger: Ledger, clock: FakeClock) -> None:
    t0 = _setup(ledger, clock)
    t1 = t0 + DAY_US
    res = open_dispute(
        ledger, "s1", "s1-default", "I never had this loan", now_us=t1, actor="subject"
    )
    # defaults_7y 1 -> 0: -35 -> +10, so the score rises by exactly 45: 600 -> 645
    assert (res.score_before, res.score_after) == (600, 645)
    assert res.notice is not None and res.notice["delta"] == 45
    assert res.notice["features"]["defaults_7y"]["events"][0]["event_id"] == "s1-default"
    assert res.notice["features"]["defaults_7y"]["events"][0]["change"] == "stopped counting"
    assert res.dispute.status == "open" and res.dispute.deadline_us == t1 + 30 * DAY_US
    # the source is told, the audit row names who acted and carries no reason text
    assert [n["kind"] for n in source_notices(ledger, "bank")] == ["opened"]
    rows = [e for e in ledger.audit.entries() if e.action.startswith("dispute")]
    assert [(r.actor, r.action) for r in rows] == [("subject", "dispute.open")]
    assert "loan" not in json.dumps(rows[0].details)
    assert ledger.verify_audit().ok


def test_upheld_counts_again_and_past_scores_still_reproduce(
    ledger: Ledger, clock: FakeClock
) -> None:
    t0 = _setup(ledger, clock)
    d = open_dispute(
        ledger, "s1", "s1-default", "not mine", now_us=t0 + DAY_US, actor="subject"
    ).dispute
    res = resolve_dispute(
        ledger, d.dispute_id, "upheld", now_us=t0 + 5 * DAY_US, actor="operator:ana"
    )
    assert (res.score_before, res.score_after) == (645, 600)  # the 45 points come back
    assert res.dispute.status == "upheld" and res.dispute.resolved_by == "operator:ana"
    scorer = Scorer(ledger)
    stored = score_history(scorer, "s1")
    assert [s.score for s in stored] == [600, 645, 600]
    assert all(verify_score(scorer, s.score_id)["identical"] for s in stored)
    assert [(n["kind"], n["outcome"]) for n in source_notices(ledger, "bank")] == [
        ("opened", None),
        ("resolved", "upheld"),
    ]


def test_removed_never_counts_again(ledger: Ledger, clock: FakeClock) -> None:
    t0 = _setup(ledger, clock)
    d = open_dispute(
        ledger, "s1", "s1-default", "paid in full", now_us=t0 + DAY_US, actor="subject"
    ).dispute
    res = resolve_dispute(
        ledger, d.dispute_id, "removed", now_us=t0 + 2 * DAY_US, actor="operator:ana"
    )
    assert res.score_after == 645 and res.notice is None  # no change on removal
    later = t0 + 200 * DAY_US
    assert Scorer(ledger).explain("s1", later).features[4].points == 10  # defaults_7y 0
    stats = source_stats(ledger)["bank"]
    # 16 bank events, 1 dispute, resolved as removed: rates 1/16 and 1/1
    assert stats["dispute_rate"] == 1 / 16 and stats["overturn_rate"] == 1.0


def test_deadline_resolves_in_the_subjects_favour(ledger: Ledger, clock: FakeClock) -> None:
    t0 = _setup(ledger, clock)
    d = open_dispute(ledger, "s1", "s1-late", "was on time", now_us=t0, actor="subject").dispute
    # 29 days later another dispute opens: the first is not yet due
    open_dispute(ledger, "s1", "s1-default", "not mine", now_us=t0 + 29 * DAY_US, actor="subject")
    assert [x.status for x in list_disputes(ledger, subject="s1")] == ["open", "open"]
    # at exactly 30 days, any dispute action first lapses the overdue one as removed
    d2 = list_disputes(ledger, subject="s1")[1]
    res = resolve_dispute(
        ledger, d2.dispute_id, "upheld", now_us=t0 + 30 * DAY_US, actor="operator:ana"
    )
    assert [(x.dispute_id, x.status, x.resolved_by) for x in res.expired] == [
        (d.dispute_id, "removed", "system:deadline")
    ]
    first = list_disputes(ledger, subject="s1")[0]
    assert first.status == "removed" and first.resolved_at_us == t0 + 30 * DAY_US
    assert ledger.verify_audit().ok
