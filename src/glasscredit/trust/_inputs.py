"""What trust and report corroboration read from the store, as of a time, in one place.

The store reads live here and nowhere else in ``trust``: everything downstream is a
pure function of these frames. Events count as the feature kernel says they do
(:func:`glasscredit.features.countable_events`: recorded and occurred by ``as_of``,
within retention, not excluded by a dispute or a held burst), so a disputed
endorsement or report stops counting for trust exactly as it does for every feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from glasscredit.features import countable_events
from glasscredit.store import EVENT_COLUMNS, Store
from glasscredit.trust._settings import trust_settings

__all__ = ["SEEDS_KIND", "TrustInputs", "load_trust_inputs"]

#: the stored snapshot of the seeds each trust snapshot started from
SEEDS_KIND = "trust_seeds"


@dataclass(frozen=True, slots=True)
class TrustInputs:
    """Countable inputs as of ``as_of_us``.

    Attributes
    ----------
    subjects:
        ``subject``, ``first_seen_us`` (ledger), ``known_since_us`` (since when the
        ledger has known the subject, on its own clock: the earliest ``known_at`` of
        their events, what every age rule reads, never the sender's ``occurred_at``),
        ``first_event_us`` (the same earliest ``known_at``, null when none counts yet),
        ``first_source`` (the source of that event: who brought the subject in),
        ``identity_level`` (the highest level of the policy's
        ``trust_events.identity`` type that at least ``min_identity_sources`` distinct
        sources attest, 0 when none: one source is never enough). A caller that knows
        each subject's months of clean history (a simulation) may add ``clean_months``;
        otherwise they are read from ``negatives`` (``trust/_history.py``).
    endorsements:
        ``event_id``, ``endorser``, ``endorsed``, ``occurred_at_us`` (events of the
        policy's ``trust_events.endorsement`` type; reports likewise of ``report``).
    reports:
        ``event_id``, ``reporter``, ``target``, ``source``, ``category``,
        ``occurred_at_us``, ``at_us`` (the ledger's clock).
    negatives:
        ``event_id``, ``subject``, ``source``, ``at_us`` (the ledger's clock) of the
        countable negative records other than reports.
    upheld:
        Ids of negative events (reports included) that a dispute verdict upheld.
    previous_trust:
        The stored trust a read as of ``as_of_us`` takes (subject -> normalised), empty
        when none: the reporter weights with which reports about seed candidates are
        corroborated.
    previous_seeds:
        The seeds stored with that trust (None when none were stored).
    categories:
        The report categories the policy admits.
    """

    as_of_us: int
    subjects: pl.DataFrame
    endorsements: pl.DataFrame
    reports: pl.DataFrame
    negatives: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={
                "event_id": pl.String,
                "subject": pl.String,
                "source": pl.String,
                "at_us": pl.Int64,
            }
        )
    )
    upheld: frozenset[str] = frozenset()
    previous_trust: dict[str, float] = field(default_factory=dict)
    previous_seeds: frozenset[str] | None = None
    categories: tuple[str, ...] = ()


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
        # the ledger's clock of each event (the sender's occurred_at is not it)
        .with_columns(pl.col("known_at_us").alias("at_us"))
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
        "at_us",
    )
    negatives = counted.filter(pl.col("_negative") & (pl.col("type") != roles.report)).select(
        "event_id", "subject", "source", "at_us"
    )
    sources = trust_settings(policy).min_identity_sources
    level = (
        counted.filter(pl.col("type") == roles.identity)
        .with_columns(attr("$.level").cast(pl.Int64, strict=False).alias("_level"))
        .group_by("subject", "source")
        .agg(pl.col("_level").max())
        .drop_nulls("_level")
        # the level that `sources` distinct sources attest: the n-th highest per source
        .group_by("subject")
        .agg(pl.col("_level").sort(descending=True).get(sources - 1, null_on_oob=True))
        .select("subject", pl.col("_level").alias("identity_level"))
    )
    # who brought each subject in, and when the ledger first knew of them: both on the
    # ledger's clock (known_at), so a backdated first event neither ages an account
    # nor changes which source brought it in
    first = (
        ledger.first_events(as_of_us)
        .select("subject", first_source="source", _first_us="known_us")
        .sort(["subject", "_first_us", "first_source"])
        .group_by("subject", maintain_order=True)
        .first()
    )
    who = ledger.subjects_seen(as_of_us)
    subj = (
        who.join(first, on="subject", how="left")
        .join(level, on="subject", how="left")
        .with_columns(pl.col("identity_level").fill_null(0))
        .select(
            "subject",
            "first_seen_us",
            pl.coalesce("_first_us", "first_seen_us").alias("known_since_us"),
            pl.col("_first_us").alias("first_event_us"),
            "first_source",
            "identity_level",
        )
        .sort("subject")
    )
    upheld = ledger.exclusions.resolved([roles.report, *negative], "upheld", as_of_us)
    previous = ledger.snapshots.values("trust", as_of_us)
    seeds = ledger.snapshots.values(SEEDS_KIND, as_of_us)
    return TrustInputs(
        as_of_us,
        subj,
        endorsements,
        reports,
        negatives,
        frozenset(upheld["event_id"].to_list()),
        {} if previous is None else dict(previous.iter_rows()),
        None if seeds is None else frozenset(seeds["subject"].to_list()),
        tuple(
            str(c) for c in (policy.event_types[roles.report].attributes["category"].values or [])
        )
        if roles.report in policy.event_types
        else (),
    )
