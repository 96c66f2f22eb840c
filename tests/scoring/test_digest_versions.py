"""Stored scores verify in their own digest version: 1 and 2 (old), 3 (new, per source)."""

from __future__ import annotations

from sqlalchemy import update

from glasscredit.features import id_hash_sums
from glasscredit.policy import parse_timestamp
from glasscredit.scoring import Scorer, rescore, verify_score
from glasscredit.scoring._digest import digest_v1, digest_v2, digest_v3
from glasscredit.scoring._history import score_history
from glasscredit.store import Ledger
from glasscredit.store._tables import scores
from tests._history import load_history
from tests.conftest import FakeClock, event

AS_OF = "2026-09-01T00:00:00Z"


def _stored(ledger: Ledger, clock: FakeClock) -> tuple[Scorer, int]:
    clock.set(AS_OF)
    load_history(
        ledger,
        [
            event("p1", occurred_at="2026-05-01T08:00:00Z"),
            event("p2", occurred_at="2026-05-02T08:00:00Z"),
            event("late", type_="payment.late", days_late=12, occurred_at="2026-06-01T00:00:00Z"),
        ],
    ).check()
    sc = Scorer(ledger)
    t = parse_timestamp(AS_OF)
    rescore(sc, t, t)
    return sc, score_history(sc, "s1")[-1].score_id


def _set_digest(ledger: Ledger, score_id: int, digest: str) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(
            update(scores).where(scores.c.score_id == score_id).values(inputs_digest=digest)
        )


def test_new_scores_store_version_3_and_verify(ledger: Ledger, clock: FakeClock) -> None:
    sc, sid = _stored(ledger, clock)
    stored = score_history(sc, "s1")[-1]
    assert stored.inputs_digest.startswith("v3") and len(stored.inputs_digest) == 64
    keys = ["bank\x1fp1", "bank\x1fp2", "bank\x1flate"]  # source, separator, id
    assert stored.inputs_digest == digest_v3(*id_hash_sums(keys), None)
    assert verify_score(sc, sid)["identical"]
    _set_digest(ledger, sid, digest_v3(2, 1, 1, None))
    out = verify_score(sc, sid)
    assert not out["identical"]
    assert [d for d in out["differences"] if d.startswith("inputs_digest")]


def test_a_version_2_score_still_verifies(ledger: Ledger, clock: FakeClock) -> None:
    """As stored before ids were per source: the hash sums of the bare ids."""
    sc, sid = _stored(ledger, clock)
    _set_digest(ledger, sid, digest_v2(*id_hash_sums(["p1", "late", "p2"]), None))
    assert verify_score(sc, sid)["identical"]
    _set_digest(ledger, sid, digest_v2(*id_hash_sums(["p1", "late"]), None))
    assert not verify_score(sc, sid)["identical"]


def test_version_3_names_which_of_two_events_with_one_id_counted() -> None:
    """Two sources' events with one id: version 2 cannot tell which one counted."""
    bank, rentals = ["bank\x1fx1"], ["rentals\x1fx1"]
    assert digest_v3(*id_hash_sums(bank), None) != digest_v3(*id_hash_sums(rentals), None)
    assert digest_v2(*id_hash_sums(["x1"]), None) == digest_v2(*id_hash_sums(["x1"]), None)


def test_a_version_1_score_still_verifies(ledger: Ledger, clock: FakeClock) -> None:
    sc, sid = _stored(ledger, clock)
    # as a score stored before version 2 holds it: sha256 of the sorted ids, no externals
    _set_digest(ledger, sid, digest_v1(["p2", "late", "p1"], None))
    assert verify_score(sc, sid)["identical"]
    # the same score whose inputs were other events: the digest names the difference
    _set_digest(ledger, sid, digest_v1(["late", "p1"], None))
    out = verify_score(sc, sid)
    assert not out["identical"]
    assert out["differences"] == [
        "inputs_digest: the events that count differ from those at scoring"
    ]


def test_digest_of_nothing_is_empty_in_every_version() -> None:
    assert digest_v1([], None) == digest_v2(0, 0, 0, None) == digest_v3(0, 0, 0, None) == ""
    assert digest_v3(0, 0, 0, "0.5").startswith("v3")
    assert digest_v1([], "0.5") != "" and digest_v2(0, 0, 0, "0.5").startswith("v2")
    assert len(digest_v1(["a"], None)) == 64 and not digest_v1(["a"], None).startswith("v")
