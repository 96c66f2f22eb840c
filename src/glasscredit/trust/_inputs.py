"""What trust and report corroboration read from the ledger, as of a time, in one place.

The SQL lives here and nowhere else in ``trust``: everything downstream is a pure
function of these frames. Events count as the feature kernel says they do
(:func:`glasscredit.features.countable_events`: recorded and occurred by ``as_of``,
within retention, not excluded by a dispute or a held burst), so a disputed
endorsement or report stops counting for trust exactly as it does for every feature.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select

from glasscredit.features import EXCLUSION_SCHEMA, countable_events
from glasscredit.policy import MONTH_US
from glasscredit.store import Ledger
from glasscredit.store._tables import event_exclusions, events, subjects

__all__ = ["TrustInputs", "load_trust_inputs"]

_COLUMNS = (
    "seq",
    "event_id",
    "subject",
    "source",
    "type",
    "occurred_at_us",
    "recorded_at_us",
    "attributes",
)


@dataclass(frozen=True, slots=True)
class TrustInputs:
    """Countable inputs as of ``as_of_us``.

    Attributes
    ----------
    subjects:
        ``subject``, ``first_seen_us`` (ledger), ``first_event_us`` (earliest event
        about them, null when none), ``first_source`` (the source of that event: who
        brought the subject in), ``identity_level`` (max countable
        ``identity.verified`` level, 0 when none), ``clean_months`` (whole months from
        the later of the first countable event and the last countable negative event).
    endorsements:
        ``event_id``, ``endorser``, ``endorsed``, ``occurred_at_us``.
    reports:
        ``event_id``, ``reporter``, ``target``, ``source``, ``category``,
        ``occurred_at_us``.
    """

    as_of_us: int
    subjects: pl.DataFrame
    endorsements: pl.DataFrame
    reports: pl.DataFrame


def load_trust_inputs(ledger: Ledger, as_of_us: int) -> TrustInputs:
    """Read the endorsement, report, identity and history inputs as of ``as_of_us``."""
    policy = ledger.policy
    negative = [t for t, s in policy.event_types.items() if s.polarity == "negative"]
    wanted = sorted(
        {"endorsement", "report.misconduct", "identity.verified", *negative}
        & set(policy.event_types)
    )
    cols = [getattr(events.c, c) for c in _COLUMNS]
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(*cols).where(
                events.c.type.in_(wanted),
                events.c.recorded_at_us <= as_of_us,
                events.c.occurred_at_us <= as_of_us,
            )
        ).all()
        firsts = conn.execute(
            select(events.c.subject, events.c.source, func.min(events.c.occurred_at_us))
            .where(events.c.recorded_at_us <= as_of_us, events.c.occurred_at_us <= as_of_us)
            .group_by(events.c.subject, events.c.source)
        ).all()
        known = conn.execute(
            select(subjects.c.subject, subjects.c.first_seen_us).where(
                subjects.c.first_seen_us <= as_of_us
            )
        ).all()
        excl = conn.execute(
            select(
                event_exclusions.c.event_id, event_exclusions.c.from_us, event_exclusions.c.until_us
            )
        ).all()
    schema = {
        "seq": pl.Int64,
        "event_id": pl.String,
        "subject": pl.String,
        "source": pl.String,
        "type": pl.String,
        "occurred_at_us": pl.Int64,
        "recorded_at_us": pl.Int64,
        "attributes": pl.String,
    }
    raw = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    exclusions = pl.DataFrame([tuple(r) for r in excl], schema=EXCLUSION_SCHEMA, orient="row")
    counted = (
        countable_events(raw, policy, as_of_us, exclusions).select(*_COLUMNS, "_negative").collect()
    )
    attr = pl.col("attributes").str.json_path_match
    endorsements = counted.filter(pl.col("type") == "endorsement").select(
        "event_id",
        attr("$.endorser").alias("endorser"),
        pl.col("subject").alias("endorsed"),
        "occurred_at_us",
    )
    reports = counted.filter(pl.col("type") == "report.misconduct").select(
        "event_id",
        attr("$.reporter").alias("reporter"),
        pl.col("subject").alias("target"),
        "source",
        attr("$.category").alias("category"),
        "occurred_at_us",
    )
    level = (
        counted.filter(pl.col("type") == "identity.verified")
        .group_by("subject")
        .agg(attr("$.level").cast(pl.Int64, strict=False).max().alias("identity_level"))
    )
    last_neg = (
        counted.filter(pl.col("_negative"))
        .group_by("subject")
        .agg(pl.col("occurred_at_us").max().alias("_last_negative_us"))
    )
    first = (
        pl.DataFrame(
            [tuple(r) for r in firsts],
            orient="row",
            schema={"subject": pl.String, "first_source": pl.String, "_first_us": pl.Int64},
        )
        .sort(["subject", "_first_us", "first_source"])
        .group_by("subject", maintain_order=True)
        .first()
    )
    who = pl.DataFrame(
        [tuple(r) for r in known],
        orient="row",
        schema={"subject": pl.String, "first_seen_us": pl.Int64},
    )
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
