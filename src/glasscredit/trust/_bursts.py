"""Burst detection: a source that suddenly sends many positive events for many subjects.

Per-day caps (``max_per_period``) and total caps already limit what one subject can
pump; a bot farm works around them by spreading the pump across many accounts. The
signature it cannot hide is the *source's*: in one period bucket, many subjects each
receiving many positive events from the same source. Honest partners report a subject
a few times a day at most, so a bucket with ``min_subjects`` subjects each receiving at
least ``min_events_per_subject`` positive events is flagged, and its events are held
out of scoring (``event_exclusions`` rows with reason ``burst_hold``) until an operator
reviews it. Holding the burst, not the subjects, is what keeps the held subjects'
other records counting. Pure function of an event frame: no clock, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from glasscredit.policy import Policy
from glasscredit.trust._settings import BurstSettings

__all__ = ["Burst", "detect_bursts"]


@dataclass(frozen=True, slots=True)
class Burst:
    """One flagged (source, bucket): who received the burst and which events are held."""

    source: str
    bucket_start_us: int
    subjects: int
    events: int
    event_ids: list[str] = field(repr=False)

    @property
    def ref(self) -> str:
        """Stable id of the burst (``event_exclusions.ref``): source and bucket start."""
        return f"burst:{self.source}:{self.bucket_start_us}"

    def as_dict(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "source": self.source,
            "bucket_start_us": self.bucket_start_us,
            "subjects": self.subjects,
            "events": self.events,
        }


def detect_bursts(events: pl.DataFrame, policy: Policy, settings: BurstSettings) -> list[Burst]:
    """Flag every (source, period bucket) with a burst of positive events.

    Parameters
    ----------
    events:
        At least ``event_id, subject, source, type, known_at_us``: buckets are periods
        of the ledger's clock, so a burst dated over past weeks is one burst.
    policy:
        Says which event types are positive; only those can inflate a score.
    settings:
        Bucket length and the two thresholds (see the module docstring).
    """
    positive = [t for t, s in policy.event_types.items() if s.polarity == "positive"]
    period = settings.period_us
    ev = (
        events.lazy()
        .filter(pl.col("type").is_in(positive))
        .with_columns((pl.col("known_at_us") // period * period).alias("_bucket"))
    )
    heavy = (
        ev.group_by("source", "_bucket", "subject")
        .agg(pl.len().alias("_n"))
        .filter(pl.col("_n") >= settings.min_events_per_subject)
    )
    flagged = (
        heavy.group_by("source", "_bucket")
        .agg(pl.len().alias("_subjects"), pl.col("_n").sum().alias("_events"))
        .filter(pl.col("_subjects") >= settings.min_subjects)
    )
    held = (
        ev.join(heavy.select("source", "_bucket", "subject"), on=["source", "_bucket", "subject"])
        .join(flagged.select("source", "_bucket"), on=["source", "_bucket"])
        .group_by("source", "_bucket")
        .agg(pl.col("event_id").sort())
    )
    rows = flagged.join(held, on=["source", "_bucket"]).sort("source", "_bucket").collect()
    return [
        Burst(
            r["source"],
            int(r["_bucket"]),
            int(r["_subjects"]),
            int(r["_events"]),
            list(r["event_id"]),
        )
        for r in rows.iter_rows(named=True)
    ]
