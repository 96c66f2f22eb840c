"""The scoring worker follows the ledger's sequence: every subject whose events arrive is
scored once more, no one else, nothing twice, and a restart picks up what it missed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from glasscredit import app as uc
from glasscredit.store import Ledger
from tests._history import load_history
from tests.api.conftest import seed_events
from tests.conftest import FakeClock, event


@pytest.fixture
def ctx(ledger: Ledger) -> Iterator[uc.Context]:
    with uc.Context.of_ledger(ledger) as c:
        yield c


def _scores(ctx: uc.Context, subject: str) -> int:
    return len(uc.history(ctx, subject).scores)


def test_steps_score_exactly_the_subjects_with_new_events(
    ctx: uc.Context, clock: FakeClock
) -> None:
    load_history(ctx.ledger, seed_events(), actor="ingest")
    start = uc.follow_step(ctx)  # the worker's start: everything the cursor calls stale
    assert start.subjects == ["alice", "bob"] and start.position == ctx.ledger.feed.head()
    idle = uc.follow_step(ctx, start.position)
    assert idle.subjects == [] and idle.position == start.position
    clock.now_us += 1_000_000
    uc.ingest_records(
        ctx,
        [
            event("a9", subject="alice", occurred_at="2026-08-30T00:00:00Z"),
            event("c1", subject="carol", occurred_at="2026-08-30T00:00:00Z"),
        ],  # type: ignore[list-item]
    )
    step = uc.follow_step(ctx, idle.position)
    assert step.subjects == ["alice", "carol"] and step.position > idle.position
    assert (_scores(ctx, "alice"), _scores(ctx, "bob"), _scores(ctx, "carol")) == (2, 1, 1)
    # a restart (position None) finds nothing stale: no event is the reason for two scores
    assert uc.follow_step(ctx).subjects == []
    # an event scored by someone else before the worker sees it is not scored again
    uc.ingest_records(ctx, [event("b9", subject="bob", occurred_at="2026-08-30T00:00:00Z")])  # type: ignore[list-item]
    uc.score(ctx, subjects=["bob"])
    assert uc.follow_step(ctx, step.position).subjects == []
    assert _scores(ctx, "bob") == 2


def test_a_small_limit_walks_the_backlog_in_order(ctx: uc.Context) -> None:
    load_history(ctx.ledger, seed_events(), actor="ingest")
    seen: list[str] = []
    position = 0
    while True:
        step = uc.follow_step(ctx, position, limit=2)
        if step.position == position:
            break
        seen += step.subjects
        position = step.position
    assert sorted(seen) == ["alice", "bob"] and position == ctx.ledger.feed.head()


def test_the_worker_thread_scores_arrivals_and_stops(ctx: uc.Context) -> None:
    load_history(ctx.ledger, seed_events(), actor="ingest")
    stop = threading.Event()
    done = threading.Event()
    worker_ctx = uc.Context(ctx.settings, ctx.policy, ctx.clock, ledger=ctx.ledger)

    def run() -> None:
        uc.follow(worker_ctx, stop, interval_s=0.01)
        done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        for _ in range(2000):  # poll (up to about 20 s on a loaded machine)
            if ctx.ledger.scores.current("bob") is not None:
                break
            stop.wait(0.01)
        assert ctx.ledger.scores.current("alice") is not None
        assert ctx.ledger.scores.current("bob") is not None
    finally:
        stop.set()
        t.join(timeout=30)
        worker_ctx.close()
    assert done.is_set()
