"""The Scorer's kept connection: later commits are seen, threads agree, close is clean."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from glasscredit.exceptions import NotFoundError
from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import erase_subject, open_dispute
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

T = parse_timestamp("2026-09-01T00:00:00Z")


def _values(sc: Scorer, subject: str) -> dict[str, float | None]:
    return {f.name: f.value for f in sc.explain(subject, T).features}


def test_a_kept_connection_sees_what_is_committed_after_it(
    ledger: Ledger, clock: FakeClock
) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, [event("p1", occurred_at="2026-05-01T08:00:00Z")]).check()
    sc = Scorer(ledger)
    assert _values(sc, "s1")["on_time_payments_24m"] == 1.0
    with pytest.raises(NotFoundError):
        sc.explain("s9", T)
    # an ingest, a new subject and a dispute after the first explain: all seen at once
    load_history(
        ledger,
        [
            event("p2", occurred_at="2026-06-01T08:00:00Z"),
            event("late", type_="payment.late", occurred_at="2026-07-01T00:00:00Z"),
            event("q1", subject="s9", occurred_at="2026-06-01T08:00:00Z"),
        ],
    ).check()
    assert _values(sc, "s1")["on_time_payments_24m"] == 2.0
    assert _values(sc, "s9")["on_time_payments_24m"] == 1.0
    open_dispute(ledger, "s1", "late", "not mine", now_us=T - DAY_US, actor="subject")
    assert _values(sc, "s1")["late_payments_24m"] == 0.0
    erase_subject(ledger, "s9", now_us=T, actor="operator:dpo", scorer=sc)
    with pytest.raises(NotFoundError):
        sc.explain("s9", T)


def test_threads_share_a_scorer(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(
        ledger,
        [
            event(f"p{i}", subject=f"s{i % 3}", occurred_at="2026-05-01T08:00:00Z")
            for i in range(30)
        ],
    ).check()
    sc = Scorer(ledger)
    alone = {s: sc.explain(s, T).as_dict() for s in ("s0", "s1", "s2")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(
            pool.map(lambda i: (f"s{i % 3}", sc.explain(f"s{i % 3}", T).as_dict()), range(24))
        )
    assert all(exp == alone[s] for s, exp in got)


def test_close_then_read_again(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, [event("p1", occurred_at="2026-05-01T08:00:00Z")]).check()
    sc = Scorer(ledger)
    first = sc.explain("s1", T).as_dict()
    sc.close()
    sc.close()  # twice is harmless
    assert sc.explain("s1", T).as_dict() == first


def test_one_subjects_external_values_are_the_stores(ledger: Ledger, clock: FakeClock) -> None:
    """The reader builds one subject's external frame itself (no frame per kind, no
    join): it must be the frame ``SnapshotStore.external`` gives for that subject, which
    the digest spells column by column (a kind with a version but no row for the subject
    is a null column, a kind with no version no column at all)."""
    clock.set("2026-09-01T00:00:00Z")
    load_history(
        ledger, [event("p1", occurred_at="2026-05-01T08:00:00Z"), event("p2", subject="s2")]
    ).check()
    cols = [("trust", "trust"), ("corroborated_reports", "reports")]
    reader = ledger.subject_reader([], cols)

    def same(subject: str, **pins: dict[str, int]) -> None:
        mine = reader.read(subject, T, **pins).external  # type: ignore[arg-type]
        store = ledger.snapshots.external(cols, T, [subject], **pins)  # type: ignore[arg-type]
        if store is None:
            assert mine is None
        else:
            assert mine is not None and mine.equals(store), (subject, mine, store)

    try:
        same("s1")  # no snapshot of either kind
        v1 = ledger.snapshots.append("trust", T - DAY_US, {"s1": 0.25}, made_at_us=T, actor="t")
        same("s1")  # one kind, with the subject's value
        same("s2")  # one kind, without it: the column, no row
        ledger.snapshots.append("reports", T - DAY_US, {"s2": 3.0}, made_at_us=T, actor="t")
        for subject in ("s1", "s2", "s9"):  # s1: trust only, s2: reports only, s9: neither
            same(subject)
        same("s2", versions={"trust": v1.version})
        same("s1", versions={})
        sc = Scorer(ledger)
        for subject in ("s1", "s2", "s9"):  # the events frame is the batch reader's
            got = reader.read(subject, T).events.sort("seq")
            assert got.equals(sc.events([subject], T).sort("seq")), subject
        # the explanation's digest is the batch digest over the same inputs
        for subject in ("s1", "s2"):
            exp = sc.explain(subject, T)
            got = sc.score_chunk([subject], T).digests.row(0, named=True)["inputs_digest"]
            assert exp.inputs_digest == got
    finally:
        reader.close()
