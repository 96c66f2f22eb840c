"""What trust and report corroboration read from the store, as of a time, in one place.

The store reads live here and nowhere else in ``trust``: everything downstream is a
pure function of these frames. Events count as the feature kernel says they do
(:func:`glasscredit.features.countable_events`: recorded and occurred by ``as_of``,
within retention, not excluded by a dispute or a held burst), so a disputed
endorsement or report stops counting for trust exactly as it does for every feature.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from glasscredit.features import countable_events
from glasscredit.policy import MONTH_US
from glasscredit.store import EVENT_COLUMNS, Store

__all__ = ["TrustInputs", "load_trust_inputs"]


@dataclass(frozen=True, slots=True)
class TrustInputs:
    """Countable inputs as of ``as_of_us``.

    Attributes
    ----------
    subjects:
        ``subject``, ``first_seen_us`` (ledger), ``first_event_us`` (earliest event
        about them, null when none), ``first_source`` (the source of that event: who
        brought the subject in), ``identity_level`` (max countable level of the
        policy's ``trust_events.identity`` type, 0 when none), ``clean_months`` (whole months from
        the later of the first countable event and the last countable negative event).
    endorsements:
        ``event_id``, ``endorser``, ``endorsed``, ``occurred_at_us`` (events of the
        policy's ``trust_events.endorsement`` type; reports likewise of ``report``).
    reports:
        ``event_id``, ``reporter``, ``target``, ``source``, ``category``,
        ``occurred_at_us``.
    """

    as_of_us: int
    subjects: pl.DataFrame
    endorsements: pl.DataFrame
    reports: pl.DataFrame


def load_trust_inputs(ledger: Store, as_of_us: int) -> TrustInputs:
    """Read the endorsement, report, identity and history inputs as of ``as_of_us``."""
    policy = ledger.policy
    roles = policy.trust_events  # which event types play each role: the policy says
    negative = [t for t, s in policy.event_types.items() if s.polarity == "negative"]
    wanted = sorted(
        {roles.endorsement, roles.report, roles.identity, *negative} & set(policy.event_types)
    )
    raw = ledger.event_frame(types=wanted, recorded_by_us=as_of_us, occurred_by_us=as_of_us).sort(
        "seq"
    )
    exclusions = ledger.exclusions.frame()
    counted = (
        countable_events(raw, policy, as_of_us, exclusions)
        .select(*EVENT_COLUMNS, "_negative")
        .collect()
    )
    attr = pl.col("attributes").str.json_path_match
    endorsements = counted.filter(pl.col("type") == roles.endorsement).select(
        "event_id",
        attr("$.endorser").alias("endorser"),
        pl.col("subject").alias("endorsed"),
        "occurred_at_us",
    )
    reports = counted.filter(pl.col("type") == roles.report).select(
        "event_id",
        attr("$.reporter").alias("reporter"),
        pl.col("subject").alias("target"),
        "source",
        attr("$.category").alias("category"),
        "occurred_at_us",
    )
    level = (
        counted.filter(pl.col("type") == roles.identity)
        .group_by("subject")
        .agg(attr("$.level").cast(pl.Int64, strict=False).max().alias("identity_level"))
    )
    last_neg = (
        counted.filter(pl.col("_negative"))
        .group_by("subject")
        .agg(pl.col("occurred_at_us").max().alias("_last_negative_us"))
    )
    first = (
        ledger.first_events(as_of_us)
        .select("subject", first_source="source", _first_us="first_us")
        .sort(["subject", "_first_us", "first_source"])
        .group_by("subject", maintain_order=True)
        .first()
    )
    who = ledger.subjects_seen(as_of_us)
    since = pl.max_horizontal(pl.col("_first_us"), pl.col("_last_negative_us"))
    subj = (
        who.join(first, on="subject", how="left")
        .join(level, on="subject", how="left")
        .join(last_neg, on="subject", how="left")
        .with_columns(
            pl.col("identity_level").fill_null(0),
            ((as_of_us - since) // MONTH_US).fill_null(0).cast(pl.Int64).alias("clean_months"),
        )
        .select(
            "subject",
            "first_seen_us",
            pl.col("_first_us").alias("first_event_us"),
            "first_source",
            "identity_level",
            "clean_months",
        )
        .sort("subject")
    )
    return TrustInputs(as_of_us, subj, endorsements, reports)
