"""Every stored score of a generated history reproduces exactly from the ledger."""

from __future__ import annotations

import random

from glasscredit.policy import DAY_US, from_us, parse_timestamp
from glasscredit.rights import erase_subject, list_disputes, open_dispute, resolve_dispute
from glasscredit.scoring import Scorer, rescore, verify_score
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

TYPES = [
    "payment.on_time",
    "payment.on_time",
    "payment.late",
    "bill.paid",
    "bill.missed",
    "loan.repaid",
    "loan.defaulted",
    "contract.fulfilled",
    "contract.breached",
    "rental.returned",
    "identity.verified",
    "account.opened",
]


def test_generated_history_reproduces(ledger: Ledger, clock: FakeClock) -> None:
    rng = random.Random(7)
    subjects = [f"g{i}" for i in range(6)]
    t = parse_timestamp("2026-01-01T00:00:00Z")
    n = 0
    disputed: list[int] = []
    for month in range(8):  # eight monthly rounds: events, disputes, resolutions, scores
        clock.now_us = t
        batch = []
        for s in subjects:
            for _ in range(rng.randint(1, 4)):
                n += 1
                when = from_us(t - rng.randint(1, 900) * DAY_US).isoformat()
                batch.append(event(f"e{n}", s, rng.choice(TYPES), when.replace("+00:00", "Z")))
        # each round's reports reach back up to 900 days: history, as an approved backfill
        assert load_history(ledger, batch).accepted == len(batch)
        rescore(Scorer(ledger), t, t)
        if month % 2 == 1:
            s = rng.choice(subjects)
            eid = next(e.event_id for e in ledger.events_of(s))
            disputed.append(
                open_dispute(
                    ledger, s, eid, "wrong", now_us=t + DAY_US, actor="subject"
                ).dispute.dispute_id
            )
        if month % 4 == 3:  # the others lapse at their deadline, 30 days on
            resolve_dispute(
                ledger,
                disputed[-1],
                ["upheld", "removed"][month // 4],
                now_us=t + 2 * DAY_US,
                actor="operator",
            )
        t += 30 * DAY_US
    erase_subject(ledger, "g5", now_us=t, actor="operator")
    scorer = Scorer(ledger)
    ids = [s.score_id for g in ledger.all_subjects() for s in ledger.scores.history(g)]
    # 8 rounds x 6 subjects, plus one per dispute action; g5's own scores are erased
    assert len(ids) >= 8 * 5
    # opened in months 1, 3, 5, 7; 3 and 7 resolved at once; 1 and 5 lapse 30 days on
    assert sorted((d.status, d.resolved_by) for d in list_disputes(ledger)) == [
        ("removed", "operator"),
        ("removed", "system:deadline"),
        ("removed", "system:deadline"),
        ("upheld", "operator"),
    ]
    bad = [r for r in (verify_score(scorer, i) for i in ids) if not r["identical"]]
    assert bad == []
    assert ledger.verify_audit().ok
