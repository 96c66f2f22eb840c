"""Red-team attacks by a colluding lender that has read the source flags and probation.

The flags judge a source against its own baseline (``settings.sources``: at least
``min_subjects`` new sole-source subjects or first reports in a window, ``3x`` a rate)
or, without a baseline, against its peers (a sole-source share ``3x`` the peers' median,
floored at 5%: 15%). So the attacker runs a real lending business beside its fake
accounts, with real customers who also bank elsewhere:

* ``slow_cohort``: an established lender (two years of real customers' history, loaded
  as an approved backfill) adds fewer fake accounts per window than ``min_subjects``,
  each paid for monthly like its real customers, for a year;
* ``slow_wide_cohort``: the same among 2,000 real customers (its share stays under 15%);
* ``diluted_cohort``: a new lender (no baseline) opens its fake accounts in its first
  month among enough real customers that their share stays under 15%, verified (identity
  3, income) and paid like its real customers (1,600 real customers for 250 accounts).

The cohort is the fake accounts, its twins are opened by the same lender at the same
times and receive nothing more; the gain is the cohort's median score minus the twins'.
"""

from __future__ import annotations

from typing import Any

from glasscredit.policy import DAY_US, MONTH_US
from glasscredit.simulate._attacks_trust import YEAR_US
from glasscredit.simulate._plan import COLLUDER, Attack, AttackContext, Plan, ev, open_accounts
from glasscredit.simulate._world import World

__all__ = ["ADAPTIVE_ATTACKS"]

_REASON = "the lender's real customers' history, known to it as it happened"


def _customers(w: World, n: int) -> list[str]:
    """``n`` honest subjects (each already known to a bank): the lender's real customers."""
    step = max(1, len(w.honest) // max(1, n))
    return w.honest[::step][:n]


def _pay(tag: str, s: str, k: int, t: int) -> dict[str, Any]:
    return ev(f"{tag}-{s}-{k}", s, COLLUDER, "payment.on_time", t, amount=40.0)


def _backfill_business(w: World, customers: list[str], tag: str, until_us: int) -> None:
    """Two years of the real customers' monthly payments, through an approved backfill
    known from when each happened (a partner that joins brings its history)."""
    first = until_us - 2 * YEAR_US
    approval = w.ledger.backfills.approve(
        source=COLLUDER,
        occurred_from_us=first,
        occurred_to_us=until_us,
        known_from_us=first,
        approved_by="simulation",
        reason=_REASON,
        at_us=w.clock(),
    )
    rows = [
        _pay(tag, s, m, first + m * MONTH_US + (i % 27) * DAY_US)
        for m in range(23)
        for i, s in enumerate(customers)
    ]
    w.ledger.ingest(rows, actor="partner", backfill=approval.backfill_id)


def _slow(w: World, ctx: AttackContext, tag: str, real: int) -> Plan:
    customers = _customers(w, ctx.n(real))
    _backfill_business(w, customers, f"{tag}-real", ctx.at(w, 0, 0))
    cohort: list[str] = []
    twins: list[str] = []
    per_month, twins_per_month = ctx.n(15), max(1, ctx.n(4))
    for m in range(12):
        t = ctx.at(w, m, 1)
        new = [f"{tag}-c{m:02d}{i:03d}" for i in range(per_month)]
        new_twins = [f"{tag}-t{m:02d}{i:03d}" for i in range(twins_per_month)]
        rows = open_accounts([*new, *new_twins], COLLUDER, t)
        rows += [
            ev(f"{tag}-{s}-inc", s, COLLUDER, "income.verified", t + DAY_US, band="3000_5999")
            for s in new
        ]
        w.ingest(rows)  # sent when they happen (within any backdating bound)
        pay_day = ctx.at(w, m, 20)
        rows = [_pay(f"{tag}-real", s, 100 + m, pay_day) for s in customers]
        rows += [_pay(tag, s, m, pay_day) for s in cohort]  # the older fake accounts
        cohort += new
        twins += new_twins
        w.ingest(rows)
        ctx.live(w, m)
    return Plan(cohort, twins, f"{real:,} real customers, 15 fake accounts a month for 12 months")


def slow_cohort(w: World, ctx: AttackContext) -> Plan:
    """An established lender (1,000 real customers) opens 15 fake accounts a month (under
    ``min_subjects`` = 20 a window) for a year; every account, real or fake, is paid for
    once a month; each fake account's income is verified when it opens."""
    return _slow(w, ctx, "sc", 1_000)


def slow_wide_cohort(w: World, ctx: AttackContext) -> Plan:
    """``slow_cohort`` with 2,000 real customers: its 228 sole-source accounts stay near
    10% of its subjects, under 3x the peers' 5% floor, all year."""
    return _slow(w, ctx, "sw", 2_000)


def diluted_cohort(w: World, ctx: AttackContext) -> Plan:
    """A new lender's first month: 1,600 real customers paid once, and 200 fake accounts
    verified at identity level 3 with their income and paid once like the real customers
    (with the 50 twins, 250 of its 1,850 subjects, 13.5%: under 3x the peers' 5% floor)."""
    t = ctx.at(w, 0, 2)
    customers = _customers(w, ctx.n(1_600))
    cohort = [f"dc-c{i:04d}" for i in range(ctx.n(200))]
    twins = [f"dc-t{i:03d}" for i in range(ctx.n(50))]
    rows = open_accounts([*cohort, *twins], COLLUDER, t)
    rows += [
        ev(f"dc-{s}-id3", s, COLLUDER, "identity.verified", t + DAY_US, level=3) for s in cohort
    ]
    rows += [
        ev(f"dc-{s}-inc", s, COLLUDER, "income.verified", t + DAY_US, band="ge_10000")
        for s in cohort
    ]
    w.ingest(rows)  # sent when they happen (within any backdating bound)
    pay_day = ctx.at(w, 0, 20)
    w.ingest([_pay("dc", s, 0, pay_day) for s in [*customers, *cohort]])
    ctx.live(w, 0)
    return Plan(cohort, twins, "1,600 real customers, 200 fake accounts in the first month")


ADAPTIVE_ATTACKS = [
    Attack(
        "slow_cohort", "source", 12, "naive10", slow_cohort, "fewer new accounts than a flag needs"
    ),
    Attack(
        "slow_wide_cohort",
        "source",
        12,
        "naive10",
        slow_wide_cohort,
        "slow, among twice the real customers",
    ),
    Attack(
        "diluted_cohort",
        "source",
        1,
        "naive10",
        diluted_cohort,
        "fake accounts diluted in real customers",
    ),
]
