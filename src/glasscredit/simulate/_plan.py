"""What a red-team attack is, what it leaves to measure, and the moves attackers share.

An :class:`Attack` acts on a forked :class:`~glasscredit.simulate._world.World` through
the same doors a deployment opens to partners and subjects (ingest, disputes), and
returns a :class:`Plan`: whose scores to compare, and with what. The runner
(:mod:`._bench`) scores the world with glasscredit and with the naive scorer and
compares each with the baseline world (no attack) at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glasscredit.policy import DAY_US, MONTH_US, Policy, iso, parse_timestamp, policy_from_dict
from glasscredit.simulate._world import World

__all__ = [
    "COLLUDER",
    "COLLUDING_COMMUNITY",
    "Attack",
    "AttackContext",
    "Plan",
    "bench_policy",
    "ev",
    "mutual",
    "open_accounts",
    "under_bounds",
]

#: the partners an attacker controls: accepted by the operator like any other
COLLUDER = "quickpay"
COLLUDING_COMMUNITY = "meetup"


def bench_policy(policy: Policy) -> Policy:
    """``policy`` with two more partners, a lender and a community, that the attacker
    runs (the operator accepted them as it accepts every partner)."""
    data = policy.model_dump(mode="json", by_alias=True)
    bank_like = next(s for s in data["sources"].values() if "payment.on_time" in s["types"])
    community = next(
        s for s in data["sources"].values() if policy.trust_events.endorsement in s["types"]
    )
    data["sources"][COLLUDER] = {"description": "a small lender", "types": bank_like["types"]}
    data["sources"][COLLUDING_COMMUNITY] = {
        "description": "a small community app",
        "types": community["types"],
    }
    return policy_from_dict(data)


def ev(eid: str, subject: str, source: str, type_: str, t: int, **attrs: Any) -> dict[str, Any]:
    """One event in the public contract."""
    return {
        "event_id": eid,
        "subject": subject,
        "source": source,
        "type": type_,
        "occurred_at": iso(int(t)),
        "attributes": attrs,
    }


#: how far inside a bound an attacker who has read the policy dates its events
MARGIN_US = 3_600_000_000


def under_bounds(w: World, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """``rows`` as an attacker who has read the policy sends them in one batch: an event
    dated further back than the policy lets in (its backdating bound for the source and
    type) or lets count (the lateness bound of a positive type) is dated at that bound
    less an hour instead; the rest as intended. Under a policy without bounds, ``rows``
    unchanged. Returns the rows and how many were dated forward."""
    if not rows:
        return rows, 0
    # the batch arrives now, or when its newest event happens if later (World.ingest)
    now = max(w.clock(), *(parse_timestamp(str(r["occurred_at"])) for r in rows))
    back, lag = w.policy.backdate_bounds_us(), w.policy.lag_bounds_us()
    out, moved = [], 0
    for r in rows:
        limits = [b for b in (back.get((r["source"], r["type"])), lag.get(r["type"])) if b]
        t = parse_timestamp(str(r["occurred_at"]))
        if limits and now - t > min(limits) - MARGIN_US:
            r = {**r, "occurred_at": iso(now - min(limits) + MARGIN_US)}
            moved += 1
        out.append(r)
    return out, moved


def mutual(a: str, b: str, source: str, t: int, tag: str) -> list[dict[str, Any]]:
    """A mutual endorsement (two events: each vouches for the other)."""
    return [
        ev(f"{tag}-{a}-{b}", b, source, "endorsement", t, endorser=a),
        ev(f"{tag}-{b}-{a}", a, source, "endorsement", t, endorser=b),
    ]


def open_accounts(
    ids: Iterable[str],
    source: str,
    opened_at: int,
    *,
    level: int = 1,
    id_source: str | None = None,
) -> list[dict[str, Any]]:
    """Accounts as an attacker opens them: an account and a weak identity check."""
    out = []
    for s in ids:
        out.append(ev(f"open-{s}", s, source, "account.opened", opened_at, kind="current"))
        if level:
            out.append(
                ev(
                    f"idv-{s}",
                    s,
                    id_source or source,
                    "identity.verified",
                    opened_at + DAY_US,
                    level=level,
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    """What to measure after an attack.

    ``targets``: the subjects whose score the attack moves (the attacker's accounts, or
    honest victims). ``controls``: twins with the same legitimate history and no attack,
    compared in the same world (new accounts have no baseline); ``None`` compares each
    target with its own score in the baseline world. ``sybils``: accounts whose trust
    is ranked against honest subjects'. ``after``: a last step before scoring (verdicts).
    """

    targets: list[str]
    controls: list[str] | None
    cost: str
    sybils: list[str] = field(default_factory=list)
    detail: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(slots=True)
class AttackContext:
    """The attack's seed, start time and the month routine of the living population."""

    seed: int
    t0: int
    rng: np.random.Generator
    scale: float = 1.0  # tests shrink every attack's size (accounts, reports, events)
    months_done: int = 0

    def n(self, size: int) -> int:
        """``size`` accounts (or events) at this context's scale, at least 3."""
        return max(3, round(size * self.scale))

    def live(self, world: World, month: int) -> None:
        """End month ``month`` (0-based): clock to its end, honest traffic, routine."""
        world.advance(self.t0 + (month + 1) * MONTH_US)
        world.honest_month(month, self.seed)
        world.operate()
        self.months_done = month + 1

    def at(self, world: World, month: int, day: float) -> int:
        """Set the clock to ``day`` days into month ``month``; returns the time."""
        t = self.t0 + month * MONTH_US + int(day * DAY_US)
        world.clock.now_us = max(world.clock.now_us, t)
        return world.clock()


@dataclass(frozen=True, slots=True)
class Attack:
    """One red-team scenario: its class, its target rule and how it acts.

    ``target``: ``gain5`` (the attacker's account gains at most 5 points), ``loss5``
    (an honest victim loses at most 5), ``naive10`` (at most 10% of the naive gain),
    ``zero`` (gains nothing), ``none`` (reported, no target).
    """

    name: str
    klass: str
    months: int
    target: str
    run: Callable[[World, AttackContext], Plan]
    about: str
