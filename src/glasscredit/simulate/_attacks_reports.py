"""Red-team attacks by fabricated misconduct reports against honest victims.

Each reporter is an account the attacker controls with at most one attack edge (a
mutual endorsement with an honest subject). Three honest victims, each reported by
every reporter; the loss is each victim's score against its own score in the baseline
world, median over the victims. Variants: one reporter filing a hundred reports, fifty
fresh reporters, fifty reporters aged a year, reports spread over a year (one window at
a time), fifty reporters vouched for by one account that two honest subjects accepted,
accounts and reports dated years back by a colluding community, reporters inside a
sybil region, and seed knockout (one report against each seed).
"""

from __future__ import annotations

from typing import Any

from glasscredit.policy import DAY_US
from glasscredit.simulate._attacks_trust import YEAR_US, sybil_events
from glasscredit.simulate._plan import (
    COLLUDER,
    COLLUDING_COMMUNITY,
    Attack,
    AttackContext,
    Plan,
    ev,
    mutual,
    open_accounts,
    under_bounds,
)
from glasscredit.simulate._world import World
from glasscredit.trust import compute_trust

__all__ = ["REPORT_ATTACKS"]

_CATEGORIES = ("fraud", "non_payment", "no_show", "property_damage")


def _victims(w: World, ctx: AttackContext, k: int = 3) -> list[str]:
    picks = ctx.rng.choice(len(w.honest), size=k, replace=False)
    return [w.honest[int(i)] for i in picks]


def _report(tag: str, n: int, victim: str, reporter: str, source: str, t: int) -> dict[str, Any]:
    return ev(
        f"{tag}-r{n}",
        victim,
        source,
        "report.misconduct",
        t,
        reporter=reporter,
        category=_CATEGORIES[n % len(_CATEGORIES)],
        evidence=f"case-{tag}-{n}",
    )


def _reporters(
    w: World,
    ctx: AttackContext,
    tag: str,
    n: int,
    t: int,
    *,
    opened_by: str | list[str] = "bank",
    source: str = "community",
    opened_at: int | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """``n`` accounts, each with one attack edge to a distinct honest subject."""
    ids = [f"{tag}-p{i:03d}" for i in range(n)]
    ends = ctx.rng.choice(len(w.honest), size=n, replace=False)
    out: list[dict[str, Any]] = []
    for i, r in enumerate(ids):
        bank = opened_by if isinstance(opened_by, str) else opened_by[i % len(opened_by)]
        opened = (t if opened_at is None else opened_at) + i * 3_600_000_000
        out += open_accounts([r], bank, opened)
        out += mutual(r, w.honest[int(ends[i])], source, opened + DAY_US, tag)
    return ids, out


def _file(w: World, tag: str, reporters: list[str], victims: list[str], source: str, t: int) -> int:
    rows = [
        _report(tag, k * len(victims) + j, v, r, source, t + k * 60_000_000)
        for k, r in enumerate(reporters)
        for j, v in enumerate(victims)
    ]
    w.ingest(rows)
    return len(rows)


def lone_reporter(w: World, ctx: AttackContext) -> Plan:
    """One account with one attack edge files 100 reports over the month."""
    victims = _victims(w, ctx)
    t = ctx.at(w, 0, 1)
    ids, events = _reporters(w, ctx, "lr", 1, t)
    w.ingest(events)
    for day in range(25):  # four reports a day, as the days pass
        td = ctx.at(w, 0, 2 + day)
        w.ingest(
            _report("lr", 4 * day + k, victims[k % 3], ids[0], "community", td + k)
            for k in range(4)
        )
    ctx.live(w, 0)
    return Plan(victims, None, "1 account, 100 reports")


def fresh_reporters(w: World, ctx: AttackContext) -> Plan:
    victims = _victims(w, ctx)
    t = ctx.at(w, 0, 2)
    ids, events = _reporters(
        w, ctx, "fr", ctx.n(50), t, opened_by=["bank", "lender", "credit_union"]
    )
    w.ingest(events + _cliques(ids, "community", t + 2 * DAY_US, "fr"))
    _file(w, "fr", ids, victims, "community", ctx.at(w, 0, 5))
    ctx.live(w, 0)
    return Plan(victims, None, "50 fresh accounts in blocks of 4, 1 attack edge each")


def _cliques(ids: list[str], source: str, t: int, tag: str, size: int = 4) -> list[dict[str, Any]]:
    """Mutual endorsements inside consecutive blocks of ``size`` reporters: each has
    ``size - 1`` endorsers of its own (no attack edge needed), and blocks are not tied
    to each other, so each block is an independent group."""
    out: list[dict[str, Any]] = []
    for b in range(0, len(ids), size):
        block = ids[b : b + size]
        for i, x in enumerate(block):
            for y in block[i + 1 :]:
                out += mutual(x, y, source, t, f"{tag}-k")
    return out


def _aged_blocks(w: World, ctx: AttackContext, tag: str, month: int, ids: list[str]) -> None:
    """Open the blocks of four due in ``month`` (block b in month b % 9), at a bank that
    changes with the block, each member with one attack edge and its block's endorsements."""
    banks = ["bank", "lender", "credit_union"]
    mine = [ids[b : b + 4] for b in range(0, len(ids), 4) if (b // 4) % 9 == month]
    for k, block in enumerate(mine):
        t = ctx.at(w, month, 1 + 3 * k)
        rows = open_accounts(block, banks[(month + k) % 3], t)
        ends = ctx.rng.choice(len(w.honest), size=len(block), replace=False)
        for r, h in zip(block, ends, strict=True):
            rows += mutual(r, w.honest[int(h)], "community", t + DAY_US, tag)
        rows += _cliques(block, "community", t + 2 * DAY_US, tag)
        w.ingest(rows)


def aged_reporters(w: World, ctx: AttackContext) -> Plan:
    """Fifty reporters in blocks of four, opened over nine months at three banks, each
    with one attack edge and three aged endorsers inside its block; all report in month
    12: old enough for every freshness rule, endorsed enough to weigh."""
    victims = _victims(w, ctx)
    ids = [f"ar-p{i:03d}" for i in range(ctx.n(50))]
    for m in range(12):
        _aged_blocks(w, ctx, "ar", m, ids)
        if m == 11:
            _file(w, "ar", ids, victims, "community", ctx.at(w, 11, 10))
        ctx.live(w, m)
    return Plan(victims, None, "50 accounts aged 3-12 months in blocks of 4, 1 attack edge each")


def spread_reporters(w: World, ctx: AttackContext) -> Plan:
    """The same reporters, each reporting three months after it opened: a few reports
    a month over the year, never many at once."""
    victims = _victims(w, ctx)
    ids = [f"sr-p{i:03d}" for i in range(ctx.n(50))]
    for m in range(12):
        _aged_blocks(w, ctx, "sr", m, ids)
        due = [r for i, r in enumerate(ids) if (i // 4) % 9 + 3 == m]
        if due:
            _file(w, f"sr{m}", due, victims, "community", ctx.at(w, m, 27))
        ctx.live(w, m)
    return Plan(victims, None, "50 accounts in blocks of 4, reports spread over 9 months")


def vouched_reporters(w: World, ctx: AttackContext) -> Plan:
    """One voucher account that two honest subjects accepted (two attack edges: it is
    established) endorses fifty reporters opened over nine months at three banks, each
    with one attack edge of its own: every reporter has two established endorsers, its
    own honest one and the voucher. All report in month 12."""
    victims = _victims(w, ctx)
    voucher = "vr-voucher"
    t = ctx.at(w, 0, 1)
    ends = ctx.rng.choice(len(w.honest), size=2, replace=False)
    rows = open_accounts([voucher], "bank", t)
    for h in ends:
        rows += mutual(voucher, w.honest[int(h)], "community", t + DAY_US, "vr")
    w.ingest(rows)
    ids = [f"vr-p{i:03d}" for i in range(ctx.n(50))]
    banks = ["bank", "lender", "credit_union"]
    for m in range(12):
        mine = [ids[b : b + 4] for b in range(0, len(ids), 4) if (b // 4) % 9 == m]
        for k, block in enumerate(mine):
            tb = ctx.at(w, m, 2 + 3 * k)
            rows = open_accounts(block, banks[(m + k) % 3], tb)
            own = ctx.rng.choice(len(w.honest), size=len(block), replace=False)
            for r, h in zip(block, own, strict=True):
                rows += mutual(r, w.honest[int(h)], "community", tb + DAY_US, "vr")
                rows += mutual(r, voucher, "community", tb + 2 * DAY_US, "vr")
            w.ingest(rows)
        if m == 11:
            _file(w, "vr", ids, victims, "community", ctx.at(w, 11, 10))
        ctx.live(w, m)
    return Plan(victims, None, "1 voucher (2 attack edges) + 50 reporters (1 each), 12 months")


def backdated_reporters(w: World, ctx: AttackContext) -> Plan:
    """A colluding community dates fifty reporters' accounts three years back, their
    attack edges and their blocks' endorsements two years back, and their reports over
    the last three months (each as far back as the policy's backdating bounds let in:
    at the bound under a policy that has them)."""
    victims = _victims(w, ctx)
    t = ctx.at(w, 0, 2)
    ids, events = _reporters(
        w,
        ctx,
        "br",
        ctx.n(50),
        t - 3 * YEAR_US,
        opened_by=COLLUDER,
        source=COLLUDING_COMMUNITY,
    )
    cliques = _cliques(ids, COLLUDING_COMMUNITY, t - 2 * YEAR_US, "br")
    rows, moved = under_bounds(w, events + cliques)
    w.ingest(rows)
    rows = [
        _report("br", k * 3 + j, v, r, COLLUDING_COMMUNITY, t - (1 + k) * 2 * DAY_US)
        for k, r in enumerate(ids)
        for j, v in enumerate(victims)
    ]
    rows, later = under_bounds(w, rows)
    w.ingest(rows)
    ctx.live(w, 0)
    return Plan(
        victims,
        None,
        "50 accounts and reports dated back by a colluding community",
        detail={"dated_at_bound": moved + later},
    )


def sybil_reporters(w: World, ctx: AttackContext) -> Plan:
    """Fifty reporters inside a 1,000-account sybil region behind 10 attack edges."""
    victims = _victims(w, ctx)
    t = ctx.at(w, 0, 2)
    ends = [w.honest[int(i)] for i in ctx.rng.choice(len(w.honest), size=10, replace=False)]
    ids, _, _, events = sybil_events(ctx.rng, "sp", ctx.n(1_000), ends, t)
    w.ingest(events)
    _file(w, "sp", ids[: ctx.n(50)], victims, "community", ctx.at(w, 0, 6))
    ctx.live(w, 0)
    return Plan(victims, None, "1,000 sybils (10 attack edges), 50 of them report")


def seed_knockout(w: World, ctx: AttackContext) -> Plan:
    """Fresh accounts (one attack edge each) file one report against every seed, so
    that seeds lose their clean history and trust starts nowhere."""
    t = ctx.at(w, 0, 2)
    seeds = compute_trust(w.ledger, t, store=False).seeds
    ids, events = _reporters(
        w, ctx, "sk", ctx.n(100), t, opened_by=["bank", "lender", "credit_union"]
    )
    w.ingest(events)
    t2 = ctx.at(w, 0, 4)
    rows = [
        _report("sk", i, s, ids[i % len(ids)], "community", t2 + i * 1_000_000)
        for i, s in enumerate(seeds)
    ]
    w.ingest(rows)
    ctx.live(w, 0)
    return Plan(list(seeds), None, f"100 fresh accounts, {len(seeds)} reports (one per seed)")


REPORT_ATTACKS = [
    Attack("lone_reporter", "reports", 1, "loss5", lone_reporter, "1 reporter, 100 reports"),
    Attack("fresh_reporters", "reports", 1, "loss5", fresh_reporters, "50 fresh reporters"),
    Attack("aged_reporters", "reports", 12, "loss5", aged_reporters, "50 reporters aged 12 months"),
    Attack("spread_reporters", "reports", 12, "loss5", spread_reporters, "reports over 12 months"),
    Attack(
        "vouched_reporters",
        "reports",
        12,
        "loss5",
        vouched_reporters,
        "50 reporters vouched for by one account with two attack edges",
    ),
    Attack(
        "backdated_reporters",
        "reports",
        1,
        "loss5",
        backdated_reporters,
        "reporters and reports dated back by a colluding community",
    ),
    Attack(
        "sybil_reporters", "reports", 1, "loss5", sybil_reporters, "reporters in a sybil region"
    ),
    Attack("seed_knockout", "reports", 1, "loss5", seed_knockout, "one report against each seed"),
]
