"""The ``newcomers`` flag: a colluder that spreads fabricated accounts thinly among real
customers (the slow_wide_cohort red team) is judged on the subjects it began vouching
for lately, where its real customers dilute nothing; honest sources are not flagged."""

from __future__ import annotations

from itertools import groupby

import pytest

from glasscredit import app as gc
from glasscredit.exceptions import PolicyError
from glasscredit.policy import DAY_US, iso
from glasscredit.sources import SourceFlag, SourceReport, source_report, source_settings
from glasscredit.store import Ledger
from tests.conftest import FakeClock, event
from tests.sources._book import Book, T, book_policy, honest_bank


def _flags(book: Book) -> tuple[SourceReport, dict[str, SourceFlag]]:
    rep = source_report(book.frame(), {}, book_policy(), T)
    return rep, {f.ref: f for f in rep.flags}


def _lender(book: Book, *, customers: int = 40, alone: bool = False) -> None:
    """An established lender: ``customers`` real customers paid monthly for 600 days,
    who also bank at the bank (``alone``: known to the lender only, a specialist)."""
    for i in range(customers):
        r = f"r{i:02d}"
        book.add(r, "lender", "account.opened", 620)
        for d in range(600 - i % 27, 0, -30):
            book.add(r, "lender", "payment.on_time", d)
            if not alone:
                book.add(r, "bank", "payment.on_time", d - 2)


def _newcomers(book: Book, days: list[int], *, second_source: bool = False) -> None:
    """Accounts the lender opens ``days`` ago and pays monthly (``second_source``: each
    also starts paying at the bank a month later, as honest newcomers do)."""
    for k, day in enumerate(days):
        s = f"x{k}"
        book.add(s, "lender", "account.opened", day)
        book.add(s, "lender", "income.verified", day - 1)
        for d in range(day - 5, 0, -30):
            book.add(s, "lender", "payment.on_time", d)
            if second_source and d < day - 30:
                book.add(s, "bank", "payment.on_time", d - 1)


def test_a_colluder_diluted_in_real_customers_is_flagged_on_its_newcomers() -> None:
    book = Book()
    honest_bank(book)
    _lender(book)
    # 4 settled fakes (acquired between 365 and 90 days ago) and 2 too recent to judge
    _newcomers(book, [300, 250, 200, 150, 40, 35])
    rep, flags = _flags(book)
    lender = next(b for b in rep.baselines if b.source == "lender")
    # its whole sole cohort is 6 of 46 subjects (13%): under 3 x the 5% floor
    assert lender.cohort.share == pytest.approx(6 / 46)
    assert "source:lender:sole_cohort" not in flags
    f = flags.pop("source:lender:newcomers")
    assert flags == {}
    # 4 of its 4 newcomers known to it alone, against the floor (no peer has newcomers)
    # and 0% of its 40 established customers: 1.0 >= 3 x 5%
    assert (f.value, f.reference, f.threshold) == pytest.approx((1.0, 0.05, 0.15))
    assert f.subjects == ["x0", "x1", "x2", "x3"] and f.subjects_total == 4
    assert len(f.event_ids) == 4
    assert f.numbers == {
        "acquired": 4,
        "alone": 4,
        "alone_share": 1.0,
        "established": 40,
        "established_alone_share": 0.0,
    }
    assert "4 of the 4 subjects it began vouching for" in f.why
    assert "0% of its 40 established subjects" in f.why


def test_an_honest_lender_whose_newcomers_acquire_a_second_source_is_not_flagged() -> None:
    book = Book()
    honest_bank(book)
    _lender(book)
    _newcomers(book, [300, 250, 200, 150, 40, 35], second_source=True)
    rep, flags = _flags(book)
    assert flags == {}
    lender = next(b for b in rep.baselines if b.source == "lender")
    assert (lender.newcomers.acquired, lender.newcomers.share) == (4, 0.0)


def test_a_specialist_is_judged_against_its_own_established_customers() -> None:
    """A thin-file specialist: its customers of years are known to it alone, and so are
    its newcomers: no departure from itself, no flag."""
    book = Book()
    honest_bank(book)
    _lender(book, alone=True)
    _newcomers(book, [300, 250, 200, 150])
    _, flags = _flags(book)
    assert flags == {}


def test_an_identity_check_from_another_partner_is_no_second_source() -> None:
    """Only positive *history* (the policy's min_sources types) takes a newcomer out."""
    book = Book()
    honest_bank(book)
    _lender(book)
    _newcomers(book, [300, 250, 200, 150])
    for k in range(4):
        book.add(f"x{k}", "idcheck", "identity.verified", 100)
        book.add(f"x{k}", "community", "endorsement", 90)
    _, flags = _flags(book)
    assert flags["source:lender:newcomers"].value == 1.0


@pytest.mark.parametrize(
    ("settings", "rule"),
    [({"settle": "400d"}, "shorter"), ({"newcomers": "0d"}, "positive")],
)
def test_newcomer_settings_are_validated(settings: dict[str, object], rule: str) -> None:
    with pytest.raises(PolicyError) as info:
        source_settings(book_policy(**settings))
    assert rule in [e.rule for e in info.value.errors]


def test_the_routine_puts_the_colluder_on_probation_and_holds_its_newcomers_only(
    db_url: str, clock: FakeClock
) -> None:
    """On a real ledger: the flag, the probation it leads to, what is held (the fakes'
    records, not the real customers') and what the person is told."""
    rows: list[tuple[int, dict[str, object]]] = []
    for i in range(25):
        r = f"r{i:02d}"
        rows.append((620, event(f"open-{r}", r, "account.opened", source="lender")))
        for d in range(600 - i % 27, 0, -30):
            rows.append((d, event(f"pay-{r}-{d}", r, source="lender")))
            rows.append((d, event(f"bank-{r}-{d}", r, source="bank")))
    for k, day in enumerate([300, 250, 200, 150]):
        x = f"x{k}"
        rows.append((day, event(f"open-{x}", x, "account.opened", source="lender")))
        rows.append((day, event(f"inc-{x}", x, "income.verified", source="lender")))
        for d in range(day - 5, 0, -30):
            rows.append((d, event(f"pay-{x}-{d}", x, source="lender")))
    led = Ledger(db_url, book_policy(), clock=clock)
    with led:
        for day, group in groupby(sorted(rows, key=lambda r: -r[0]), key=lambda r: r[0]):
            clock.now_us = T - day * DAY_US
            evs = [{**e, "occurred_at": iso(clock.now_us)} for _, e in group]
            assert led.ingest(evs).accepted == len(evs)
        clock.now_us = T
        ctx = gc.Context.of_ledger(led)
        before = gc.explain(ctx, "x0").score
        res = gc.source_report(ctx, probation=True)
        assert [f.ref for f in res.flags] == ["source:lender:newcomers"]
        assert res.placed == ["lender"]
        (p,) = res.probations
        assert p.subjects_held == 4  # the four newcomers; none of its 25 customers
        exp = gc.explain(ctx, "x0")
        assert exp.score < before
        held = {n["event_id"]: n for n in exp.not_counted}
        assert {"open-x0", "inc-x0"} <= set(held)
        assert "began reporting lately known to it alone" in held["open-x0"]["why"]
        assert gc.explain(ctx, "r00").not_counted == []
