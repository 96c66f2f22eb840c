"""The scored population as stored: how many subjects sit in each tier, now and per month.

Read from stored scores only (nothing is scored here): a month's population is each
subject's newest stored score whose as-of time falls in that month, the same population
monitoring compares (:func:`glasscredit.model.period_population`). The operator's console
draws it; the figures are counts, never anyone's score.
"""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._scoring_views import TierCount
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.model import period_population
from glasscredit.policy import MONTH_US, iso

__all__ = ["MonthTiers", "Population", "population"]


class MonthTiers(AppModel):
    """One month's stored population by tier (``start_us`` inclusive, ``end_us`` exclusive)."""

    start: str
    end: str
    start_us: int
    end_us: int
    subjects: int
    tiers: list[TierCount]


class Population(AppModel):
    """Every subject's newest stored score by tier, and the same month by month."""

    as_of: str
    subjects: int
    tiers: list[TierCount]
    months: list[MonthTiers]


def _counts(ctx: Context, scores: list[int]) -> list[TierCount]:
    n = len(scores)
    out = []
    for t in sorted(ctx.policy.tiers, key=lambda x: x.min):
        k = sum(1 for s in scores if t.min <= s <= t.max)
        out.append(
            TierCount(tier=t.name, min=t.min, max=t.max, subjects=k, share=k / n if n else 0.0)
        )
    return out


def population(ctx: Context, *, months: int = 12, as_of_us: int | None = None) -> Population:
    """The stored population by tier as of now (or ``as_of_us``) and for the last ``months``.

    Months are the policy's 30-day months counted back from the as-of time, oldest first;
    each holds the scores as of a time after its start and up to its end (the last one
    ends at the as-of time, included).
    """
    if not 1 <= months <= 120:
        raise ValidationError([FieldError("months", "range", "1 to 120 months")])
    end = ctx.as_of(as_of_us)
    latest = period_population(ctx.ledger, 0, end + 1)["score"].to_list()
    periods = []
    for i in range(months, 0, -1):
        # (end - i months, end - (i - 1) months]: a score as of the as-of time is in the last
        lo, hi = end - i * MONTH_US + 1, end - (i - 1) * MONTH_US + 1
        scores = period_population(ctx.ledger, lo, hi)["score"].to_list()
        periods.append(
            MonthTiers(
                start=iso(lo),
                end=iso(hi),
                start_us=lo,
                end_us=hi,
                subjects=len(scores),
                tiers=_counts(ctx, scores),
            )
        )
    return Population(
        as_of=iso(end), subjects=len(latest), tiers=_counts(ctx, latest), months=periods
    )
