"""Red-team attacks on trust: sybil regions joined to the honest graph by attack edges.

An attack edge is a mutual endorsement between a sybil and an honest subject (the
honest subject accepted it). The target is an account that every sybil endorses and
that endorses them back; its control twin is opened the same way and endorsed by
nobody. Variants: edges at random, edges on the seeds themselves, a region grown over
a year, a region dated years back by a colluding community, a region whose accounts a
colluding lender verified at the highest identity level.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glasscredit.policy import DAY_US, iso
from glasscredit.simulate._plan import (
    COLLUDER,
    COLLUDING_COMMUNITY,
    Attack,
    AttackContext,
    Plan,
    mutual,
    open_accounts,
    under_bounds,
)
from glasscredit.simulate._scenarios import _region_edges
from glasscredit.simulate._world import World
from glasscredit.trust import compute_trust

__all__ = ["TRUST_ATTACKS", "sybil_events"]

YEAR_US = 365 * DAY_US


def _internal_edges(rng: np.random.Generator, n: int, mean_degree: float) -> list[tuple[int, int]]:
    a, b = _region_edges(
        rng, 0, np.array([n], dtype=np.int64), round(n * mean_degree / 2), 0.0, 2.5
    )
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keys = np.unique(lo[lo != hi] * n + hi[lo != hi])
    return [(int(k // n), int(k % n)) for k in keys]


def sybil_events(
    rng: np.random.Generator,
    tag: str,
    n: int,
    honest_ends: list[str],
    t: int,
    *,
    source: str = "community",
    opened_by: str = "bank",
    opened_at: int | None = None,
    level: int = 1,
    id_source: str | None = None,
) -> tuple[list[str], str, str, list[dict[str, Any]]]:
    """(sybil ids, target, control twin, events) of a region of ``n`` sybils.

    Sybils endorse each other (mean degree 10, heavy-tailed); each honest end gets one
    attack edge to a random sybil; the target is endorsed mutually by every sybil.
    """
    ids = [f"{tag}-s{i:04d}" for i in range(n)]
    target, twin = f"{tag}-target", f"{tag}-twin"
    opened = t if opened_at is None else opened_at
    out = open_accounts([*ids, target, twin], opened_by, opened, level=level, id_source=id_source)
    for i, j in _internal_edges(rng, n, 10.0):
        out += mutual(ids[i], ids[j], source, t, tag)
    for s in ids:
        out += mutual(s, target, source, t, tag)
    for k, h in enumerate(honest_ends):
        out += mutual(ids[int(rng.integers(0, n))], h, source, t + k, f"{tag}-atk")
    return ids, target, twin, out


def _honest_ends(ctx: AttackContext, w: World, k: int) -> list[str]:
    picks = ctx.rng.choice(len(w.honest), size=k, replace=False)
    return [w.honest[int(i)] for i in picks]


def _region(
    w: World, ctx: AttackContext, tag: str, edges: int, ends: list[str] | None = None, **kw: Any
) -> Plan:
    t = ctx.at(w, 0, 2)
    ids, target, twin, events = sybil_events(
        ctx.rng, tag, ctx.n(1_000), ends or _honest_ends(ctx, w, edges), t, **kw
    )
    w.ingest(events)
    ctx.live(w, 0)
    return Plan([target], [twin], f"1,000 accounts, {edges} attack edges", sybils=ids)


def sybil_region(w: World, ctx: AttackContext) -> Plan:
    return _region(w, ctx, "syb", 10)


def sybil_region_100(w: World, ctx: AttackContext) -> Plan:
    return _region(w, ctx, "syc", min(100, ctx.n(100), len(w.honest) // 4))


def sybil_at_seeds(w: World, ctx: AttackContext) -> Plan:
    """The attacker reads the code: attack edges on the seeds themselves."""
    seeds = compute_trust(w.ledger, w.clock(), store=False).seeds
    ends = [
        seeds[int(i)] for i in ctx.rng.choice(len(seeds), size=min(10, len(seeds)), replace=False)
    ]
    plan = _region(w, ctx, "sys", len(ends), ends)
    return Plan(plan.targets, plan.controls, plan.cost + " on seeds", plan.sybils)


def sybil_year(w: World, ctx: AttackContext) -> Plan:
    """The region opens in month 0 and grows its endorsements and attack edges over a
    year, a twelfth a month, so nothing about it is fresh when it is scored."""
    t = ctx.at(w, 0, 1)
    ids, target, twin, events = sybil_events(
        ctx.rng, "syy", ctx.n(1_000), _honest_ends(ctx, w, 10), t
    )
    opens = [e for e in events if e["type"] != "endorsement"]
    endorse = [e for e in events if e["type"] == "endorsement"]
    w.ingest(opens)
    parts = np.array_split(np.arange(len(endorse)), 12)
    for m in range(12):
        tm = ctx.at(w, m, 3)
        batch = [dict(endorse[i], occurred_at=iso(tm)) for i in parts[m]]
        w.ingest(batch)
        ctx.live(w, m)
    return Plan(
        [target], [twin], "1,000 accounts, 10 attack edges, grown over 12 months", sybils=ids
    )


def sybil_backdated(w: World, ctx: AttackContext) -> Plan:
    """A colluding community dates the region's endorsements three years back and a
    colluding lender dates its accounts five years back (as far back as the policy's
    backdating bounds let in: at the bound under a policy that has them)."""
    t = ctx.at(w, 0, 2)
    ids, target, twin, events = sybil_events(
        ctx.rng,
        "syd",
        ctx.n(1_000),
        _honest_ends(ctx, w, 10),
        t - 3 * YEAR_US,
        source=COLLUDING_COMMUNITY,
        opened_by=COLLUDER,
        opened_at=t - 5 * YEAR_US,
    )
    events, moved = under_bounds(w, events)
    w.ingest(events)
    ctx.live(w, 0)
    return Plan(
        [target],
        [twin],
        "1,000 accounts, 10 attack edges, dated 3-5 years back",
        sybils=ids,
        detail={"dated_at_bound": moved},
    )


def sybil_self_seeded(w: World, ctx: AttackContext) -> Plan:
    """A colluding lender verifies the region at identity level 3, its accounts dated
    five years back (or at the policy's backdating bound) with a clean history:
    would-be seeds inside the region."""
    t = ctx.at(w, 0, 2)
    ids, target, twin, events = sybil_events(
        ctx.rng,
        "syi",
        ctx.n(1_000),
        _honest_ends(ctx, w, 10),
        t,
        opened_by=COLLUDER,
        opened_at=t - 5 * YEAR_US,
        level=3,
    )
    w.ingest(under_bounds(w, events)[0])
    ctx.live(w, 0)
    return Plan([target], [twin], "1,000 accounts verified at level 3 by one lender", sybils=ids)


TRUST_ATTACKS = [
    Attack(
        "sybil_region", "sybil", 1, "gain5", sybil_region, "1,000 sybils, 10 random attack edges"
    ),
    Attack("sybil_at_seeds", "sybil", 1, "gain5", sybil_at_seeds, "attack edges on 10 seeds"),
    Attack("sybil_year", "sybil", 12, "gain5", sybil_year, "region grown over 12 months"),
    Attack("sybil_backdated", "sybil", 1, "gain5", sybil_backdated, "region dated years back"),
    Attack(
        "sybil_self_seeded",
        "sybil",
        1,
        "gain5",
        sybil_self_seeded,
        "a colluding lender verifies sybils at level 3",
    ),
    Attack(
        "sybil_region_100",
        "sybil",
        1,
        "gain5",
        sybil_region_100,
        "1,000 sybils, 100 attack edges (the AUC case)",
    ),
]
