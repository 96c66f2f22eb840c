"""Red-team attacks through a partner the attacker runs (or a careless one).

The cohort is accounts the colluding lender opened; its control twins were opened the
same way and received nothing more. The gain is the cohort's median score minus the
twins', under each scorer. Variants: a one-day burst, a drip at exactly the per-day
cap, a steady year of honest-looking history, the same history dated back and loaded
at once, identity and income verified by that lender alone, a backdated burst, account
age backdated, and id squatting (claiming another source's event id first).
"""

from __future__ import annotations

from typing import Any

from glasscredit.policy import DAY_US, MONTH_US
from glasscredit.simulate._attacks_trust import YEAR_US
from glasscredit.simulate._plan import COLLUDER, Attack, AttackContext, Plan, ev, open_accounts
from glasscredit.simulate._world import World

__all__ = ["SOURCE_ATTACKS"]

HOUR_US = 3_600_000_000


def _cohort(w: World, tag: str, n: int, t: int, *, twins: int = 50) -> tuple[list[str], list[str]]:
    cohort = [f"{tag}-c{i:04d}" for i in range(n)]
    twin = [f"{tag}-t{i:03d}" for i in range(twins)]
    w.ingest(open_accounts([*cohort, *twin], COLLUDER, t))
    return cohort, twin


def _pay(tag: str, s: str, k: int, t: int) -> dict[str, Any]:
    return ev(f"{tag}-{s}-{k}", s, COLLUDER, "payment.on_time", t, amount=0.01)


def bot_farm(w: World, ctx: AttackContext) -> Plan:
    """1,000 fresh accounts, 30 tiny payments each in one day (the first round's (d))."""
    t = ctx.at(w, 0, 1)
    cohort, twins = _cohort(w, "bf", ctx.n(1_000), t, twins=ctx.n(50))
    day = ctx.at(w, 0, 10)
    w.ingest(_pay("bf", s, k, day + k * 600_000_000) for s in cohort for k in range(30))
    ctx.live(w, 0)
    return Plan(cohort, twins, "1,000 accounts x 30 events in a day", detail=_held(w))


def bot_drip(w: World, ctx: AttackContext) -> Plan:
    """300 accounts paid twice a day (the per-day cap) for 25 days: under every burst
    threshold (fewer than 10 a day each), the total cap reached."""
    t = ctx.at(w, 0, 1)
    cohort, twins = _cohort(w, "bd", ctx.n(300), t, twins=ctx.n(50))
    for d in range(25):
        td = ctx.at(w, 0, 2 + d)
        w.ingest(_pay("bd", s, 2 * d + k, td + k * HOUR_US) for s in cohort for k in range(2))
        w.operate()
    ctx.live(w, 0)
    return Plan(cohort, twins, "300 accounts x 2 events a day x 25 days", detail=_held(w))


def steady_year(w: World, ctx: AttackContext) -> Plan:
    """For a year the lender reports, for accounts it opened, what an honest lender
    would: a few payments a month, a loan repaid a quarter, an income check."""
    cohort, twins = _cohort(w, "sy", ctx.n(200), ctx.at(w, 0, 1), twins=ctx.n(50))
    for m in range(12):
        tm = ctx.at(w, m, 5)
        rows = [_pay("sy", s, m * 3 + k, tm - k * 7 * DAY_US) for s in cohort for k in range(3)]
        if m % 3 == 2:
            rows += [
                ev(f"sy-{s}-loan{m}", s, COLLUDER, "loan.repaid", tm + DAY_US, amount=500.0)
                for s in cohort
            ]
        if m == 0:
            rows += [
                ev(f"sy-{s}-inc", s, COLLUDER, "income.verified", tm, band="3000_5999")
                for s in cohort
            ]
        w.ingest(rows)
        ctx.live(w, m)
    return Plan(cohort, twins, "200 accounts, 12 months of honest-looking history")


def backdated_history(w: World, ctx: AttackContext) -> Plan:
    """The same history, dated over the last two years and loaded at once, with the
    accounts dated eight years back (that opening refused by the backdating bound, the
    accounts are opened now, as the twins are)."""
    t = ctx.at(w, 0, 2)
    cohort = [f"bh-c{i:04d}" for i in range(ctx.n(200))]
    refused = w.ingest(open_accounts(cohort, COLLUDER, t - 8 * YEAR_US)).rejected
    cohort, twins = _cohort(w, "bh", len(cohort), t, twins=ctx.n(50))
    rows = []
    for s in cohort:
        rows += [_pay("bh", s, k, t - (k + 1) * MONTH_US // 2) for k in range(48)]
        rows += [
            ev(
                f"bh-{s}-loan{k}",
                s,
                COLLUDER,
                "loan.repaid",
                t - (k + 1) * 6 * MONTH_US,
                amount=1e3,
            )
            for k in range(3)
        ]
        rows.append(
            ev(f"bh-{s}-inc", s, COLLUDER, "income.verified", t - MONTH_US, band="ge_10000")
        )
    refused += w.ingest(rows).rejected
    ctx.live(w, 0)
    return Plan(
        cohort,
        twins,
        "200 accounts, 2 years of history dated back, loaded at once",
        detail={"events_refused": refused},
    )


def sole_identity(w: World, ctx: AttackContext) -> Plan:
    """The lender alone verifies its accounts' identity at level 3 and their income."""
    t = ctx.at(w, 0, 2)
    cohort, twins = _cohort(w, "si", ctx.n(200), t, twins=ctx.n(50))
    w.ingest(
        [ev(f"si-{s}-id3", s, COLLUDER, "identity.verified", t + HOUR_US, level=3) for s in cohort]
        + [
            ev(f"si-{s}-inc", s, COLLUDER, "income.verified", t + HOUR_US, band="ge_10000")
            for s in cohort
        ]
    )
    ctx.live(w, 0)
    return Plan(cohort, twins, "200 accounts verified (identity 3, income) by one lender")


def backdated_burst(w: World, ctx: AttackContext) -> Plan:
    """The burst of ``bot_farm`` dated 20 days before it is sent: outside the window a
    scan by ``occurred_at`` looks at."""
    t = ctx.at(w, 0, 1)
    cohort, twins = _cohort(w, "bb", ctx.n(1_000), t, twins=ctx.n(50))
    now = ctx.at(w, 0, 25)
    day = now - 20 * DAY_US
    w.ingest(_pay("bb", s, k, day + k * 600_000_000) for s in cohort for k in range(30))
    ctx.live(w, 0)
    return Plan(cohort, twins, "1,000 accounts x 30 events dated 20 days back", detail=_held(w))


def backdated_age(w: World, ctx: AttackContext) -> Plan:
    """Fresh accounts whose opening the lender dates eight years back, then (the
    opening refused by the backdating bound) a week back, at the bound; their identity
    is checked now, as the twins' is."""
    t = ctx.at(w, 0, 2)
    cohort = [f"ba-c{i:04d}" for i in range(ctx.n(200))]
    twins = [f"ba-t{i:03d}" for i in range(ctx.n(50))]
    old = w.ingest(open_accounts(cohort, COLLUDER, t - 8 * YEAR_US, level=0))
    week_ago = t - 7 * DAY_US + HOUR_US
    w.ingest(
        [ev(f"open7-{s}", s, COLLUDER, "account.opened", week_ago, kind="current") for s in cohort]
        + [ev(f"idv-{s}", s, COLLUDER, "identity.verified", t + DAY_US, level=1) for s in cohort]
        + open_accounts(twins, COLLUDER, t)
    )
    ctx.live(w, 0)
    return Plan(
        cohort,
        twins,
        "200 accounts opened 'eight years ago' (then a week ago)",
        detail={"openings_refused": old.rejected},
    )


def id_squat(w: World, ctx: AttackContext) -> Plan:
    """The attacker's lender sends, first, a harmless event under the id that an honest
    bank will use for the attacker's loan default; the twins' defaults are not squatted
    and the clean twins had none. glasscredit: attacker minus defaulting twins; naive
    (one global id space, first come wins): clean twins minus defaulting twins."""
    t = ctx.at(w, 0, 2)
    squat = [f"iq-a{i:03d}" for i in range(ctx.n(50))]
    twins = [f"iq-t{i:03d}" for i in range(ctx.n(50))]
    clean = [f"iq-k{i:03d}" for i in range(ctx.n(50))]
    w.ingest(open_accounts([*squat, *twins, *clean], "bank", t - 5 * DAY_US))
    w.ingest(ev(f"bank-default-{s}", s, COLLUDER, "account.opened", t, kind="other") for s in squat)
    rep = w.ingest(
        ev(f"bank-default-{s}", s, "bank", "loan.defaulted", t + DAY_US, amount=900.0)
        for s in [*squat, *twins]
    )
    ctx.live(w, 0)
    return Plan(
        squat,
        twins,
        "one event per squatted id",
        detail={"defaults_refused": rep.rejected, "naive_controls": ",".join(clean)},
    )


def _held(w: World) -> dict[str, float | int | str]:
    return {"bursts_flagged": len(w.bursts), "events_held": w.bursts_held}


SOURCE_ATTACKS = [
    Attack("bot_farm", "source", 1, "naive10", bot_farm, "one-day burst through one source"),
    Attack("bot_drip", "source", 1, "naive10", bot_drip, "a drip at the per-day cap"),
    Attack("steady_year", "source", 12, "naive10", steady_year, "a year of steady history"),
    Attack("backdated_history", "source", 1, "naive10", backdated_history, "history dated back"),
    Attack("sole_identity", "source", 1, "naive10", sole_identity, "identity from one source"),
    Attack("backdated_burst", "source", 1, "naive10", backdated_burst, "a burst dated back"),
    Attack("backdated_age", "source", 1, "naive10", backdated_age, "account age dated back"),
    Attack("id_squat", "ids", 1, "zero", id_squat, "another source's event id claimed first"),
]
