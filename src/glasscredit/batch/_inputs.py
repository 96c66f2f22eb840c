"""What a batch run takes from the ledger besides the events: read once, shipped to all.

The events may come from a lake the ledger never wrote, but what moves a score beyond
them lives in the ledger and is honoured exactly as the local engine honours it:

* exclusions (open disputes, removed records, held bursts) by source and event id, through
  :meth:`Scorer.exclusions`;
* external features (trust, corroborated reports) of the newest snapshot at or before
  the scoring time, through :meth:`Scorer.external`;
* erasures: the ledger keeps only a hash of each erased id (the key ingest uses to
  refuse a resent subject), so an event is dropped when its subject, or a subject it
  names in a ``subject`` attribute, hashes to an erased key, as ingest refuses it;
* the subjects the ledger knows: each is scored, with or without events by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import polars_hash as plh

from glasscredit.policy import Policy
from glasscredit.scoring import Scorer

__all__ = ["ERASED_PREFIX", "LedgerInputs", "erasure_filter", "read_ledger_inputs"]

# store._audit.subject_hash: sha256 of this prefix and the id (a test pins them equal)
ERASED_PREFIX = "glasscredit-erased\x1f"


@dataclass(frozen=True, slots=True)
class LedgerInputs:
    """The ledger's side of a batch run as of ``as_of_us`` (see the module docstring)."""

    as_of_us: int
    subjects: list[str]
    exclusions: pl.DataFrame
    external: pl.DataFrame | None
    erased: frozenset[str]
    #: kind -> the snapshot version the external values were read from (stored scores
    #: pin them, as the ledger's own scoring does)
    versions: dict[str, int] = field(default_factory=dict)


def read_ledger_inputs(scorer: Scorer, as_of_us: int) -> LedgerInputs:
    """Read the exclusions, external values, erasure keys and subjects of ``scorer``'s ledger."""
    versions = scorer.snapshot_versions(as_of_us)
    return LedgerInputs(
        as_of_us,
        scorer.all_subjects(),
        scorer.exclusions(),
        scorer.external(as_of_us, versions=versions),
        frozenset(scorer.ledger.erasures.erased_hashes()),
        versions,
    )


def subject_attributes(policy: Policy) -> dict[str, list[str]]:
    """Per event type: its attributes that name a subject (an endorsee, a report's target)."""
    out = {
        t: sorted(a for a, spec in et.attributes.items() if spec.type == "subject")
        for t, et in policy.event_types.items()
    }
    return {t: a for t, a in sorted(out.items()) if a}


def erasure_filter(policy: Policy, erased: frozenset[str]) -> pl.Expr | None:
    """True for events that name no erased subject (None when nobody was erased)."""
    if not erased:
        return None
    keys = sorted(erased)

    def erased_key(col: pl.Expr) -> pl.Expr:
        return plh.concat_str([pl.lit(ERASED_PREFIX), col]).chash.sha2_256().is_in(keys)

    bad = erased_key(pl.col("subject"))
    for etype, attrs in subject_attributes(policy).items():
        for attr in attrs:
            named = pl.col("attributes").str.json_path_match(f"$.{attr}")
            bad = bad | ((pl.col("type") == etype) & erased_key(named).fill_null(False))
    return ~bad
