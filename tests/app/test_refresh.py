"""``refresh``: trust and reports recomputed, then exactly the moved subjects rescored.

The graph is tests/trust/test_wiring_snapshot.py's path a - b - c - d with seed ``a``;
the assertions hold for any trust values: a subject is stored again only if its trust
value or its events moved, each notice of a trust move names the snapshot version, and
every stored score verifies.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glasscredit import app
from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.scoring import score_history, score_notices, verify_score
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event

AS_OF = "2026-09-01T00:00:00Z"
HOUR_US = DAY_US // 24
OLD = "2023-01-01T00:00:00Z"


def _mutual(a: str, b: str, when: str = "2026-01-01T00:00:00Z") -> list[dict[str, object]]:
    return [
        event(f"e-{a}-{b}", subject=b, type_="endorsement", endorser=a, occurred_at=when),
        event(f"e-{b}-{a}", subject=a, type_="endorsement", endorser=b, occurred_at=when),
    ]


@pytest.fixture
def ctx(ledger: Ledger) -> Iterator[app.Context]:
    c = app.Context.of_ledger(ledger)
    try:
        yield c
    finally:
        c.close()


def _trust(ledger: Ledger, version: int) -> dict[str, float]:
    got = ledger.snapshots.values("trust", 0, version=version)
    assert got is not None
    return dict(got.iter_rows())


def test_refresh_rescores_who_moved_and_names_why(
    ctx: app.Context, ledger: Ledger, clock: FakeClock
) -> None:
    clock.set(AS_OF)
    load_history(  # the graph's past, through an approved backfill per source
        ledger,
        [
            event("a-id", subject="a", type_="identity.verified", level=3, occurred_at=OLD),
            event("b-id", subject="b", type_="identity.verified", level=2, occurred_at=OLD),
            *_mutual("a", "b"),
            *_mutual("b", "c"),
            *_mutual("c", "d"),
        ],
    ).check()
    phases: list[str] = []
    first = app.refresh(ctx, progress=lambda phase, done, total: phases.append(phase))
    assert phases[:3] == ["trust", "reports", "scoring"]
    assert first.as_of_us == parse_timestamp(AS_OF)
    assert first.run.stored == 4 and first.trust.subjects == 4
    v1 = ledger.snapshots.versions("trust")[-1].version
    # a new mutual endorsement a - d (live) an hour later, refreshed an hour after that
    clock.set("2026-09-01T01:00:00Z")
    ledger.ingest(_mutual("a", "d", when="2026-09-01T00:30:00Z")).check()
    clock.now_us = parse_timestamp(AS_OF) + 2 * HOUR_US
    second = app.refresh(ctx)
    v2 = ledger.snapshots.versions("trust")[-1].version
    old, new = _trust(ledger, v1), _trust(ledger, v2)
    moved = {s for s in "abcd" if old.get(s) != new.get(s)} | {"a", "d"}  # a, d: new events
    scorer = ctx.scorer
    stored_again = {s for s in "abcd" if len(score_history(scorer, s)) == 2}
    assert stored_again == moved
    assert second.run.stored == len(moved)
    cause = f"trust recomputed (snapshot v{v2})"
    for s in "abcd":
        notices = score_notices(scorer, s)
        assert len(notices) <= 1
        if notices and old.get(s) != new.get(s):
            assert cause in notices[0]["causes"]
    assert sum(second.run.causes.values()) >= second.run.changed
    assert all(
        verify_score(scorer, x.score_id)["identical"]
        for s in "abcd"
        for x in score_history(scorer, s)
    )
    # nothing moved since: a third refresh stores nothing
    clock.now_us += HOUR_US
    assert app.refresh(ctx).run.stored == 0
