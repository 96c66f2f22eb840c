"""The stored population by tier (the console's distribution), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glasscredit import app as uc
from glasscredit.config import Settings
from glasscredit.exceptions import ValidationError
from tests._history import load_history
from tests.conftest import FakeClock, event


@pytest.fixture
def ctx(db_url: str, clock: FakeClock) -> Iterator[uc.Context]:
    with uc.Context.open(Settings(database_url=db_url), clock=clock) as c:
        yield c


def test_tiers_count_each_subjects_newest_score_now_and_per_month(
    ctx: uc.Context, clock: FakeClock
) -> None:
    clock.set("2026-05-01T00:00:00Z")
    uc.ingest_records(ctx, [event("x1", subject="x"), event("y1", subject="y")])  # type: ignore[list-item]
    uc.score(ctx)
    clock.set("2026-08-01T00:00:00Z")
    late = event("x2", subject="x", type_="loan.defaulted", occurred_at="2026-07-01T00:00:00Z")
    uc.ingest_records(ctx, [late, event("z1", subject="z", occurred_at="2026-07-02T00:00:00Z")])  # type: ignore[list-item]
    uc.score(ctx)
    clock.set("2026-09-01T00:00:00Z")
    pop = uc.population(ctx, months=6)

    newest = {s: uc.current_score(ctx, s) for s in ("x", "y", "z")}
    assert pop.subjects == 3
    for t in pop.tiers:
        expected = sum(1 for s in newest.values() if t.min <= s.score <= t.max)
        assert t.subjects == expected, t
        assert t.share == pytest.approx(expected / 3)
    assert [t.tier for t in pop.tiers] == [t.name for t in ctx.policy.tiers]

    assert len(pop.months) == 6
    assert all(a.end_us == b.start_us for a, b in zip(pop.months, pop.months[1:], strict=False))
    assert pop.months[-1].end_us == clock() + 1, "a score as of now is in the last month"
    # the scores of 2026-05-01 fall in one month, those of 2026-08-01 in another
    scored_at = {uc.parse_time("2026-05-01T00:00:00Z"): 2, uc.parse_time("2026-08-01T00:00:00Z"): 3}
    for at, n in scored_at.items():
        (month,) = [m for m in pop.months if m.start_us <= at < m.end_us]
        assert month.subjects == n
        assert sum(t.subjects for t in month.tiers) == n
    assert sum(m.subjects for m in pop.months) == 5


def test_an_empty_ledger_has_an_empty_population(ctx: uc.Context) -> None:
    uc.init_ledger(ctx)
    pop = uc.population(ctx, months=2)
    assert pop.subjects == 0 and all(t.subjects == 0 and t.share == 0.0 for t in pop.tiers)
    assert [m.subjects for m in pop.months] == [0, 0]


@pytest.mark.parametrize("months", [0, 121, -3])
def test_months_out_of_range_are_refused(ctx: uc.Context, months: int) -> None:
    with pytest.raises(ValidationError, match=r"months: 1 to 120 months \[range\]"):
        uc.population(ctx, months=months)


def test_a_score_as_of_now_is_in_the_last_month(ctx: uc.Context, clock: FakeClock) -> None:
    load_history(ctx.ledger, [event("x1", subject="x")])  # six months back: history
    uc.score(ctx)  # as of now, exactly
    pop = uc.population(ctx, months=3)
    assert [m.subjects for m in pop.months] == [0, 0, 1]
    clock.now_us += 1
    assert [m.subjects for m in uc.population(ctx, months=3).months] == [0, 0, 1]
