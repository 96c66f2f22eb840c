"""Each flag on a small hand-built ledger, and honest sources that raise none."""

from __future__ import annotations

import pytest

from glasscredit.sources import SourceFlag, SourceReport, source_report
from tests.sources._book import Book, T, book_policy, honest_bank


def _flags(
    book: Book, disputes: dict[str, dict[str, int]] | None = None, **settings: object
) -> tuple[SourceReport, dict[str, SourceFlag]]:
    rep = source_report(book.frame(), disputes or {}, book_policy(**settings), T)
    return rep, {f.ref: f for f in rep.flags}


def test_an_honest_steady_bank_raises_nothing() -> None:
    book = Book()
    honest_bank(book)
    rep, flags = _flags(book)
    assert flags == {}
    bank = next(b for b in rep.baselines if b.source == "bank")
    # 10 subjects paying every 3 days: 100 in the window, 300 in the 90 days before
    assert bank.by_type["payment.on_time"] == (100, 300)
    assert bank.per_subject == {"payment.on_time": (100, 10)}
    assert (bank.cohort.size, bank.cohort.share) == (0, 0.0)  # they rent too


def test_a_legitimate_single_large_source_is_not_flagged_without_a_deviation() -> None:
    """The only partner of most of its subjects, growing steadily: large, not deviant."""
    book = Book()
    for i in range(60):  # old customers known to it alone, paying for years
        book.add(f"o{i}", "bank", "account.opened", 1500 + i)
        for d in range(i % 10, 1000, 10):
            book.add(f"o{i}", "bank", "payment.on_time", d + 0.5)
    for k in range(40):  # one new customer every 3 days, new to the ledger too
        day = 120 - 3 * k - 0.25
        book.add(f"n{k}", "bank", "account.opened", day)
        for d in range(int(day) - 1, 0, -10):
            book.add(f"n{k}", "bank", "payment.on_time", d + 0.5)
    rep, flags = _flags(book)
    assert flags == {}
    bank = next(b for b in rep.baselines if b.source == "bank")
    assert bank.cohort.share == 1.0 and bank.cohort.size == 100  # the only source of all
    assert (len(bank.cohort.new_window), bank.cohort.new_baseline) == (10, 30)  # steady
    assert (bank.young.share, bank.young.share_baseline) == (1.0, 1.0)  # steady too


def test_rate_flag_a_type_pumped_against_its_own_baseline() -> None:
    book = Book()
    honest_bank(book)
    for i in range(300):  # 10 more a day for 30 days
        book.add(f"c{i % 10:03d}", "bank", "payment.on_time", 0.05 + i / 10)
    _, flags = _flags(book)
    f = flags.pop("source:bank:rate:payment.on_time")
    assert flags == {}
    # 400 in 30 days = 13.33 a day against 300 in 90 days = 3.33 a day: 4x >= 3x
    assert (f.value, f.reference, f.threshold) == pytest.approx((400 / 30, 300 / 90, 10.0))
    assert f.numbers["window"] == 400 and f.events_total == 400
    assert f.subjects_total == 10 and len(f.subjects) == 5 and len(f.event_ids) == 5
    assert "4.0x its 3.33 a day" in f.why


def _coop(book: Book) -> None:
    """A cooperative bank paying like the bank: 10 payments per subject in the window."""
    for i in range(5):
        for d in range(i % 3, 30, 3):
            book.add(f"c{i:03d}", "coop", "payment.on_time", d + 0.5)


def test_per_subject_flag_against_independent_peers() -> None:
    book = Book()
    honest_bank(book)
    _coop(book)
    for i in range(4):  # the lender pumps 40 payments into each of four bank customers
        for k in range(40):
            book.add(f"c{i:03d}", "lender", "payment.on_time", 0.5 + k * 0.7)
    _, flags = _flags(book)
    f = flags.pop("source:lender:per_subject:payment.on_time")
    assert flags == {}  # no baseline of its own: no rate flag; its subjects are not its own
    # 40 per subject against the median of the bank's 10 and the coop's 10
    assert (f.value, f.reference, f.threshold) == (40.0, 10.0, 30.0)
    assert f.numbers["peers"] == 2
    assert f.subjects == ["c000", "c001", "c002", "c003"] and f.events_total == 160


def test_one_peer_is_not_enough_to_tell_who_departs() -> None:
    book = Book()
    honest_bank(book)
    for i in range(4):
        for k in range(40):
            book.add(f"c{i:03d}", "lender", "payment.on_time", 0.5 + k * 0.7)
    _, flags = _flags(book)
    assert flags == {}
    _, one_is_enough = _flags(book, min_peers=1)
    assert set(one_is_enough) == {"source:lender:per_subject:payment.on_time"}


def test_same_operator_is_no_peer() -> None:
    """lender_app shares lender's group: lender's pump is not measured against it."""
    book = Book()
    _coop(book)
    for i in range(4):
        for k in range(40):
            book.add(f"c{i:03d}", "lender", "payment.on_time", 0.5 + k * 0.7)
        for k in range(2):
            book.add(f"c{i:03d}", "lender_app", "payment.on_time", 0.5 + k)
    _, flags = _flags(book)
    assert not [f for f in flags if "per_subject" in f]


def test_sole_cohort_flag_for_a_new_source_creating_its_own_accounts() -> None:
    book = Book()
    honest_bank(book)
    for i in range(6):  # a colluding lender's accounts: nobody else knows them
        book.add(f"x{i}", "lender", "account.opened", 25 - i)
        for d in (20, 15, 10, 5):
            book.add(f"x{i}", "lender", "payment.on_time", d - i * 0.1)
    book.add("x0", "lender_app", "payment.on_time", 2)  # same operator: still one source
    rep, flags = _flags(book)
    f = flags.pop("source:lender:sole_cohort")
    # 6 of its 6 subjects against the bank's and the rentals' 0% (floor 5%): 1.0 >= 0.15
    assert (f.value, f.reference, f.threshold) == pytest.approx((1.0, 0.0, 0.15))
    assert f.subjects == ["x0", "x1", "x2", "x3", "x4"] and f.subjects_total == 6
    assert f.events_total == 30 and len(f.event_ids) == 5
    assert "no baseline of its own" in f.why
    # lender_app's one subject is acme's too: the same cohort (one group), below min_subjects
    # (and, with no baseline and no peers first reporting anyone, its young share, 100%,
    # is judged against the floor: 2 x 5%)
    assert set(flags) <= {"source:lender_app:sole_cohort", "source:lender:young"}
    lender = next(b for b in rep.baselines if b.source == "lender")
    assert lender.group == "acme" and lender.cohort.size == 6


def test_sole_cohort_flag_against_its_own_baseline() -> None:
    book = Book()
    honest_bank(book)
    book.add("early", "bank", "account.opened", 60)  # one new sole subject in the baseline
    for i in range(8):  # eight in the window
        book.add(f"s{i}", "bank", "account.opened", 20 - i)
        book.add(f"s{i}", "bank", "payment.on_time", 5)
    _, flags = _flags(book)
    f = flags.pop("source:bank:sole_cohort")
    # 8 in 30 days = 0.267 a day against 1 in 90 days = 0.011 a day: 24x >= 3x
    assert (f.value, f.reference) == pytest.approx((8 / 30, 1 / 90))
    assert f.subjects_total == 8
    # the accounts opened are a rate departure of their own (8 against 1)
    assert flags.pop("source:bank:rate:account.opened").numbers["window"] == 8
    # all eight were young at the bank's first report; its baseline has one first
    # report (below min_subjects) and no peer first reported anyone: judged against
    # the share floor (2 x 5%), as a colluder diluting its accounts would be
    young = flags.pop("source:bank:young")
    assert (young.value, young.reference, young.threshold) == pytest.approx((1.0, 0.05, 0.1))
    assert "floor (no baseline, no peers)" in young.why
    assert flags == {}


def test_young_flag_against_its_own_baseline() -> None:
    book = Book()
    honest_bank(book)
    for i in range(10):  # in the baseline, rentals first reports subjects known for years
        book.add(f"r{i}", "bank", "account.opened", 1000 + i)
        book.add(f"r{i}", "rentals", "rental.returned", 40 + i)
    for i in range(5):  # in the window, subjects the ledger has never seen
        book.add(f"z{i}", "rentals", "rental.returned", 10 - i)
    _, flags = _flags(book)
    f = flags.pop("source:rentals:young")
    # rentals' first reports: 5 in the window, all young (z*), against 0 of the 10 in
    # its baseline (r*, known for years): 1.0 >= 2 x max(0, 0.05)
    assert (f.value, f.reference, f.threshold) == pytest.approx((1.0, 0.0, 0.1))
    assert f.subjects == ["z0", "z1", "z2", "z3", "z4"] and len(f.event_ids) == 5
    assert set(flags) <= {"source:rentals:sole_cohort"}


def test_disputes_flag_from_removals() -> None:
    book = Book()
    honest_bank(book)
    rep, flags = _flags(book, {"bank": {"upheld": 2, "removed": 10, "open": 1}})
    f = flags.pop("source:bank:disputes")
    assert flags == {} and f.value == pytest.approx(10 / 12)
    bank = next(b for b in rep.baselines if b.source == "bank")
    assert bank.reputation.as_dict() == {
        "disputes": 13,
        "open": 1,
        "resolved": 12,
        "upheld": 2,
        "removed": 10,
        "upheld_share": pytest.approx(2 / 12),
        "removed_share": pytest.approx(10 / 12),
    }
    _, fewer = _flags(book, {"bank": {"upheld": 9, "removed": 3}})
    assert fewer == {}
    _, too_few = _flags(book, {"bank": {"removed": 9}})  # 9 < min_resolved 10
    assert too_few == {}


def test_thresholds_come_from_the_policy() -> None:
    book = Book()
    honest_bank(book)
    for i in range(300):
        book.add(f"c{i % 10:03d}", "bank", "payment.on_time", 0.05 + i / 10)
    _, flags = _flags(book, rate_ratio=5.0)  # 4x is below 5x
    assert flags == {}
