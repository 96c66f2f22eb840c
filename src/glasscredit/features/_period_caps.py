"""Per-period caps of ``count`` features in batch, without sorting the events.

A per-period cap keeps the first ``max`` events of each (subject, period) that meet the
feature's condition; the single-subject path marks them with a running count over the
events in time order, which in batch needs the capped types sorted (most events: on-time
payments, bills, rentals), the costliest step of the kernel. A ``count`` feature only
needs how many were kept: per (subject, period) ``min(n, max)``, summed per subject, a
pair of ``group_by`` with no sort. Other aggregates over capped events (which events
are kept matters to them) keep the sorted running count.
"""

from __future__ import annotations

import polars as pl

from glasscredit.policy import FeatureSpec

__all__ = ["foldable", "period_counts"]


def foldable(features: list[FeatureSpec]) -> list[FeatureSpec]:
    """The capped features whose value is the number of events kept: ``count``."""
    return [
        f
        for f in features
        if f.is_event_aggregate
        and f.agg == "count"
        and f.max_per_period is not None
        and not f.max_per_ledger_period
        # min_sources.known_for counts a second aggregate over the same capped flags
        and (f.min_sources is None or f.min_sources.known_for is None)
    ]


def period_counts(lf: pl.LazyFrame, features: list[FeatureSpec]) -> list[pl.LazyFrame]:
    """subject and one Float64 count per feature, from the UNCAPPED ``_in_<f>`` flags.

    One frame per distinct period length; subjects with no such event are absent.
    """
    periods: dict[int, list[FeatureSpec]] = {}
    for f in features:
        assert f.max_per_period is not None
        periods.setdefault(f.max_per_period.period_us, []).append(f)
    out = []
    for period_us, fs in periods.items():
        flags = [pl.col(f"_in_{f.name}") for f in fs]
        per_period = (
            lf.filter(pl.any_horizontal(flags))
            .group_by("subject", (pl.col("occurred_at_us") // period_us).alias("_period"))
            .agg(
                [
                    flag.sum().clip(upper_bound=f.max_per_period.max).alias(f.name)
                    for flag, f in zip(flags, fs, strict=True)
                    if f.max_per_period is not None
                ]
            )
        )
        out.append(
            per_period.group_by("subject").agg([pl.col(f.name).sum().cast(pl.Float64) for f in fs])
        )
    return out
