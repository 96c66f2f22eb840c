"""What the policy offers, as the service publishes it: tiers, perks, sources.

Read from the policy only (no database): the tiers and the perks a score can reach,
and each source with the event types it may report.
"""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context

__all__ = ["PerkRule", "SourceView", "Sources", "TierBand", "TiersAndPerks", "sources", "tiers"]


class TierBand(AppModel):
    name: str
    min: int
    max: int


class PerkRule(AppModel):
    """A perk and what it takes: a score, dimension shares, no recent negative event."""

    name: str
    description: str
    min_score: int
    min_dimension_percent: dict[str, float]
    no_negative_within: str | None


class TiersAndPerks(AppModel):
    range: tuple[int, int]
    tiers: list[TierBand]
    perks: list[PerkRule]


class SourceView(AppModel):
    name: str
    description: str
    types: list[str]


class Sources(AppModel):
    sources: list[SourceView]


def tiers(ctx: Context) -> TiersAndPerks:
    """The policy's tiers (lowest first) and perks."""
    p = ctx.policy
    return TiersAndPerks(
        range=p.score_range,
        tiers=[
            TierBand(name=t.name, min=t.min, max=t.max)
            for t in sorted(p.tiers, key=lambda t: t.min)
        ],
        perks=[
            PerkRule(
                name=k.name,
                description=k.description,
                min_score=k.min_score,
                min_dimension_percent=dict(k.min_dimension_percent),
                no_negative_within=k.no_negative_within,
            )
            for k in p.perks
        ],
    )


def sources(ctx: Context) -> Sources:
    """The policy's sources and the event types each may report."""
    return Sources(
        sources=[
            SourceView(name=n, description=s.description, types=list(s.types))
            for n, s in sorted(ctx.policy.sources.items())
        ]
    )
