"""The naive scorer every attack is measured against: the same points table, raw counts.

It is what a system without glasscredit's defences would compute from the same ledger:
every event counts as its sender dated it (``occurred_at`` only, no hold, no cap of any
kind), the connections feature is the raw number of endorsements received relative to
the median honest count, the reports feature is the raw number of reports, and a
disputed record stops counting as soon as it is disputed until a verdict keeps it (the
first round's freeze). Points come from the policy's own table, so both scorers are on
the same scale.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from glasscredit.features import EXCLUSION_SCHEMA, compute_features
from glasscredit.policy import Policy, policy_from_dict
from glasscredit.scoring import score_frame

__all__ = ["naive_scores", "uncapped"]


def uncapped(policy: Policy) -> Policy:
    """The naive scorer's policy: the same table with no caps of any kind."""
    data = policy.model_dump(mode="json", by_alias=True)
    for f in data["features"]:
        for key in _DEFENCES:
            if f.get(key) is not None:
                f[key] = None
    return policy_from_dict(data)


#: a feature's fields that limit what it counts (caps, per-period caps on either clock,
#: the two-source rule, discounts of late-reported events): all off for the naive scorer
_DEFENCES = (
    "cap",
    "max_per_period",
    "max_per_periods",
    "caps",
    "min_sources",
    "lag_discount",
    "ledger_caps",
    "max_per_ledger_period",
)


def _attr(name: str) -> pl.Expr:
    return pl.col("attributes").str.json_path_match(f"$.{name}")


def naive_scores(
    events: pl.DataFrame,
    policy: Policy,
    as_of_us: int,
    disputes: list[tuple[str, str, int, int | None]],
    honest: list[str],
    subjects: list[str] | None = None,
) -> dict[str, int]:
    """Every subject's naive score as of ``as_of_us`` (and of ``subjects``, scored as
    empty files when the ledger holds nothing about them).

    ``disputes`` are (event id, source, opened at, closed at or None when still open or
    removed):
    the disputed event does not count from its opening until a verdict that kept it.
    """
    naive = uncapped(policy)
    ev = events.filter(pl.col("occurred_at_us") <= as_of_us)
    roles = policy.trust_events
    received = ev.filter(pl.col("type") == roles.endorsement).group_by("subject").len("n")
    reports = ev.filter(pl.col("type") == roles.report).group_by("subject").len("reports")
    ref_frame = received.filter(pl.col("subject").is_in(honest))
    ref = float(np.median(ref_frame["n"].to_numpy())) if ref_frame.height else 1.0
    external = (
        received.join(reports, on="subject", how="full", coalesce=True)
        .with_columns(
            trust=pl.min_horizontal(pl.col("n").fill_null(0) / max(ref, 1.0), pl.lit(1.0)),
            corroborated_reports=pl.col("reports").cast(pl.Float64),
        )
        .select("subject", "trust", "corroborated_reports")
    )
    excl = pl.DataFrame(
        {
            "event_id": [d[0] for d in disputes],
            "source": [d[1] for d in disputes],
            "from_us": [d[2] for d in disputes],
            "until_us": [d[3] for d in disputes],
        },
        schema=EXCLUSION_SCHEMA,
    )
    # the naive scorer believes the sender's clock: recorded = occurred
    ev = ev.with_columns(
        *(
            pl.col("occurred_at_us").alias(c)
            for c in ("recorded_at_us", "known_at_us")
            if c in ev.columns
        )
    )
    who = None if subjects is None else sorted(set(ev["subject"].to_list()) | set(subjects))
    ff = compute_features(ev, naive, as_of_us, exclusions=excl, external=external, subjects=who)
    scored = score_frame(ff, naive)
    return dict(
        zip(scored.frame["subject"].to_list(), scored.frame["score"].to_list(), strict=True)
    )
