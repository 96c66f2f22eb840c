"""Rescoring in many chunks (each stored while the next computes) equals one chunk."""

from __future__ import annotations

from glasscredit.policy import parse_timestamp
from glasscredit.scoring import Scorer, rescore
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

AS_OF = "2026-09-01T00:00:00Z"
LATER = "2026-10-01T00:00:00Z"


def _rows(ledger: Ledger) -> list[tuple[object, ...]]:
    stored = [s for subject in ledger.all_subjects() for s in ledger.scores.history(subject)]
    return [
        (s.score_id, s.subject, s.score, s.tier, s.inputs_digest, s.detail)
        for s in sorted(stored, key=lambda s: s.score_id)
    ]


def test_chunked_rescore_stores_what_one_chunk_stores(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(
        ledger,
        [
            event(f"{s}-{i}", subject=s, occurred_at=f"2026-0{1 + i}-02T10:00:00Z")
            for s in ("s1", "s2", "s3", "s4", "s5")
            for i in range(int(s[1]))
        ],
    ).check()
    t = parse_timestamp(AS_OF)
    sc = Scorer(ledger)
    one = rescore(sc, t, t)
    first = _rows(ledger)
    many = rescore(sc, t, t, chunk_subjects=2)  # three chunks: s1-s2, s3-s4, s5
    again = _rows(ledger)[len(first) :]
    assert (many.subjects, many.stored, many.changed) == (one.subjects, one.stored, 0) == (5, 5, 0)
    assert many.tiers == one.tiers and many.scores == one.scores
    # the same scores, in subject order, with consecutive ids after the first run's
    assert [r[1:] for r in again] == [r[1:] for r in first]
    assert [r[0] for r in again] == list(range(6, 11))
    with ledger.scores.writing() as tx:  # the cursor points at the newest score of each
        cursor = dict(tx.previous(ledger.all_subjects()).select("subject", "prev_score_id").rows())
    assert cursor == {f"s{i}": 5 + i for i in range(1, 6)}
    assert ledger.scores.stale_subjects() == []
    # new late payments for s2 and s5 (in different chunks): a notice for each, nobody else
    clock.set(LATER)
    ledger.ingest(
        [
            event(
                f"late-{s}",
                subject=s,
                type_="payment.late",
                days_late=40,
                occurred_at="2026-09-15T00:00:00Z",
            )
            for s in ("s2", "s5")
        ]
    ).check()
    t2 = parse_timestamp(LATER)
    third = rescore(sc, t2, t2, chunk_subjects=2)
    assert third.changed == 2
    notices = [
        (s, n.prev_score_id) for s in ledger.all_subjects() for n in ledger.scores.notices(s)
    ]
    assert notices == [("s2", 7), ("s5", 10)]
