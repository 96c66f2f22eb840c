"""Seed eligibility from the ledger: identity from two sources, ages on the ledger's
clock, and only upheld or corroborated negatives break a clean history."""

from __future__ import annotations

import polars as pl
from tests._history import load_history
from tests.conftest import FakeClock, event

from glasscredit.policy import MONTH_US, parse_timestamp
from glasscredit.rights import open_dispute, resolve_dispute
from glasscredit.store import Ledger
from glasscredit.trust import ReportSettings, compute_trust
from glasscredit.trust._history import clean_months
from glasscredit.trust._inputs import load_trust_inputs

OLD = "2023-01-01T00:00:00Z"
AS_OF = "2026-09-01T00:00:00Z"
DAY = 86_400_000_000


def _identity(level: int, source: str, eid: str | None = None) -> dict[str, object]:
    return event(
        eid or f"a-id-{source}",
        subject="a",
        type_="identity.verified",
        level=level,
        occurred_at=OLD,
        source=source,
    )


def _star(ledger: Ledger, clock: FakeClock, *identity: dict[str, object]) -> None:
    """a, known to the ledger since 2023, mutually endorsed by b, c and d (degree 3)."""
    clock.set(OLD)
    assert ledger.ingest(list(identity)).accepted == len(identity)
    # the endorsements, dated 2023, reach the ledger in June 2026: a backfill whose
    # approval attests the ledger knows them from then (as a live ingest would)
    clock.set("2026-06-01T00:00:00Z")
    evs = [
        e
        for x in "bcd"
        for e in (
            event(f"a{x}", subject=x, type_="endorsement", endorser="a", occurred_at=OLD),
            event(f"{x}a", subject="a", type_="endorsement", endorser=x, occurred_at=OLD),
        )
    ]
    assert load_history(ledger, evs, known_from_us=clock()).accepted == 6


def _seeds(ledger: Ledger, when: str = AS_OF) -> list[str]:
    return compute_trust(ledger, parse_timestamp(when), store=False).seeds


def test_identity_from_one_source_is_never_enough(ledger: Ledger, clock: FakeClock) -> None:
    _star(ledger, clock, _identity(3, "bank"))
    assert _seeds(ledger) == []
    level = load_trust_inputs(ledger, parse_timestamp(AS_OF)).subjects
    assert dict(level.select("subject", "identity_level").iter_rows())["a"] == 0
    # a second source at a lower level: two sources attest level 2, not 3
    clock.set(AS_OF)
    load_history(ledger, [_identity(2, "idcheck")], known_from_us=clock())
    assert _seeds(ledger) == []
    # the second source at level 3: a seed
    load_history(ledger, [_identity(3, "idcheck", "a-id-idcheck-2")], known_from_us=clock())
    assert _seeds(ledger) == ["a"]


def test_a_backdated_identity_does_not_make_a_fresh_account_old(
    ledger: Ledger, clock: FakeClock
) -> None:
    # the same star, but the ledger met a only today: occurred_at says 2023, the ledger's
    # clock says 0 months (the history arrives in a backfill the operator attests the
    # ledger knows from today)
    clock.set(AS_OF)
    today = clock()
    ids = [_identity(3, "bank"), _identity(3, "idcheck")]
    assert load_history(ledger, ids, known_from_us=today).accepted == 2
    load_history(
        ledger,
        [
            e
            for x in "bcd"
            for e in (
                event(f"a{x}", subject=x, type_="endorsement", endorser="a", occurred_at=OLD),
                event(f"{x}a", subject="a", type_="endorsement", endorser=x, occurred_at=OLD),
            )
        ],
        known_from_us=today,
    )
    assert _seeds(ledger) == []


def test_uncorroborated_negatives_do_not_knock_a_seed_out(ledger: Ledger, clock: FakeClock) -> None:
    _star(ledger, clock, _identity(3, "bank"), _identity(3, "idcheck"))
    assert _seeds(ledger) == ["a"]
    clock.set("2026-07-01T00:00:00Z")
    # a fresh account reports a; one source records a late payment: unchecked, a stays
    # (each dated 2023 and known from the day it reaches the ledger: backfills so attested)
    load_history(
        ledger,
        [
            event("z-acct", subject="z", type_="account.opened", occurred_at=OLD),
            event("rep", subject="a", type_="report.misconduct", reporter="z", occurred_at=OLD),
            event("late", subject="a", type_="payment.late", occurred_at=OLD),
        ],
        known_from_us=clock(),
    )
    assert _seeds(ledger) == ["a"]
    # another source, 120 days later (outside the 90-day window): still not corroborated
    clock.set("2026-10-29T00:00:00Z")
    ret = event("ret", subject="a", type_="rental.returned_late", occurred_at=OLD)
    load_history(ledger, [ret], known_from_us=clock())
    assert _seeds(ledger, "2026-11-01T00:00:00Z") == ["a"]
    # a third from the bank, 30 days after the rental one: two sources within the window
    clock.set("2026-11-28T00:00:00Z")
    late2 = event("late2", subject="a", type_="payment.late", occurred_at=OLD)
    load_history(ledger, [late2], known_from_us=clock())
    assert _seeds(ledger, "2026-12-01T00:00:00Z") == []


def test_a_negative_upheld_by_a_verdict_breaks_the_history(
    ledger: Ledger, clock: FakeClock
) -> None:
    _star(ledger, clock, _identity(3, "bank"), _identity(3, "idcheck"))
    clock.set("2026-07-01T00:00:00Z")
    late = event("late", subject="a", type_="payment.late", occurred_at=OLD)
    load_history(ledger, [late], known_from_us=clock())
    assert _seeds(ledger) == ["a"]
    opened = open_dispute(ledger, "a", "late", "I paid", now_us=clock(), actor="subject")
    clock.set("2026-07-10T00:00:00Z")
    resolve_dispute(ledger, opened.dispute.dispute_id, "upheld", now_us=clock(), actor="op")
    # the record was checked and stands: a's clean history restarts when it was recorded
    assert _seeds(ledger) == []
    # 24 months later a is clean again
    assert _seeds(ledger, "2028-07-02T00:00:00Z") == ["a"]


def _subjects() -> pl.DataFrame:
    t = parse_timestamp(OLD)
    return pl.DataFrame(
        {
            "subject": ["a", "r1", "r2", "r3"],
            "known_since_us": [t] * 4,
            "first_event_us": [t, t, t + 100 * DAY, t + 200 * DAY],
            "first_source": ["bank", "s1", "s2", "s3"],
        }
    )


def _reports_about_a(at: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_id": ["x1", "x2", "x3"],
            "reporter": ["r1", "r2", "r3"],
            "target": ["a"] * 3,
            "category": ["fraud"] * 3,
            "occurred_at_us": [at] * 3,
            "at_us": [at] * 3,
        }
    )


def test_reports_break_a_seed_history_only_when_corroborated_by_trusted_reporters() -> None:
    as_of = parse_timestamp(AS_OF)
    filed = as_of - 10 * DAY
    empty = pl.DataFrame(
        schema={"event_id": pl.String, "subject": pl.String, "source": pl.String, "at_us": pl.Int64}
    )

    def months(trust: dict[str, float], earned: dict[str, int]) -> int:
        out = clean_months(
            _subjects(),
            empty,
            _reports_about_a(filed),
            frozenset(),
            candidates={"a"},
            trust=trust,
            earned=earned,
            ties=frozenset(),
            categories=["fraud"],
            settings=ReportSettings(),
            as_of_us=as_of,
        )
        return int(out[0])

    known = (as_of - parse_timestamp(OLD)) // MONTH_US
    earned = dict.fromkeys(["r1", "r2", "r3"], 2)
    # three independent reporters, each trusted and with two established endorsers: counted
    assert months(dict.fromkeys(["r1", "r2", "r3"], 1.0), earned) == 0
    # the same reports from reporters nobody trusts (sybils), or who earned nothing
    assert months(dict.fromkeys(["r1", "r2", "r3"], 0.05), earned) == known
    assert months(dict.fromkeys(["r1", "r2", "r3"], 1.0), {}) == known
    # no stored trust yet (the first snapshot): reports alone never break it
    assert months({}, earned) == known
