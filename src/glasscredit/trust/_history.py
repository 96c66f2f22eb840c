"""Months of clean history for seed eligibility: only checked negatives break it.

Before, any countable negative event broke a seed candidate's clean history, an
uncorroborated misconduct report included: a few fresh accounts filing one report each
against many people knocked out the seeds, and with no seeds every honest subject lost
the trust points. A seed must be a real, long-standing person, not a perfect debtor,
so here a negative record breaks the history only when it has been checked:

- **upheld**: a dispute verdict upheld it;
- **corroborated**, for a misconduct report: the report counts under the corroboration
  rules (:func:`glasscredit.trust.corroborate_reports`: independent, earned, trusted
  reporters within the window), with the reporter weights of the *previous* stored
  trust snapshot (the one being computed depends on the seeds: no circle, and the same
  seeds on every engine);
- **corroborated**, for any other negative record: a different source recorded a
  negative record about the same subject within the corroboration window.

Times are the ledger's clock (``known_since_us``, ``at_us``), never the sender's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import polars as pl

from glasscredit.policy import MONTH_US
from glasscredit.trust._reports import ReporterInfo, corroborate_reports
from glasscredit.trust._settings import ReportSettings

__all__ = ["clean_months"]


def _two_source_breaks(negatives: pl.DataFrame, window_us: int) -> pl.DataFrame:
    """``subject``, ``_break_us``: the latest pair of negatives from two sources within
    the window (the later of the two is when the record stood corroborated)."""
    pairs = (
        negatives.select("subject", "source", "at_us")
        .join(negatives.select("subject", "source", "at_us"), on="subject", suffix="_o")
        .filter(
            (pl.col("source") != pl.col("source_o"))
            & ((pl.col("at_us") - pl.col("at_us_o")).abs() <= window_us)
        )
    )
    return pairs.group_by("subject").agg(
        pl.max_horizontal("at_us", "at_us_o").max().alias("_break_us")
    )


def _report_breaks(
    reports: pl.DataFrame,
    candidates: set[str],
    subjects: pl.DataFrame,
    trust: Mapping[str, float],
    earned: Mapping[str, int],
    vouchers: Mapping[str, frozenset[str]],
    ties: frozenset[tuple[str, str]],
    categories: list[str],
    settings: ReportSettings,
    as_of_us: int,
) -> pl.DataFrame:
    """``subject``, ``_break_us``: the latest counted report about each candidate."""
    mine = reports.filter(pl.col("target").is_in(sorted(candidates)))
    empty = pl.DataFrame(schema={"subject": pl.String, "_break_us": pl.Int64})
    if mine.is_empty() or not trust:
        return empty
    known = subjects.filter(pl.col("first_event_us").is_not_null())
    infos = {
        s: ReporterInfo(int(t), str(src), earned.get(s, 0), vouchers.get(s))
        for s, t, src in known.select("subject", "first_event_us", "first_source").iter_rows()
    }
    verdicts = corroborate_reports(
        mine,
        as_of_us=as_of_us,
        trust=trust,
        reporters=infos,
        ties=ties,
        categories=categories,
        settings=settings,
    )
    at = dict(mine.select("event_id", "at_us").iter_rows())
    rows = [
        (target, max(int(at[v.event_id]) for v in tv.reports if v.counted))
        for target, tv in verdicts.items()
        if tv.value > 0
    ]
    if not rows:
        return empty
    return pl.DataFrame(rows, schema={"subject": pl.String, "_break_us": pl.Int64}, orient="row")


def clean_months(
    subjects: pl.DataFrame,
    negatives: pl.DataFrame,
    reports: pl.DataFrame,
    upheld: frozenset[str],
    *,
    candidates: set[str],
    trust: Mapping[str, float],
    earned: Mapping[str, int],
    ties: frozenset[tuple[str, str]],
    categories: list[str],
    settings: ReportSettings,
    as_of_us: int,
    vouchers: Mapping[str, frozenset[str]] | None = None,
) -> npt.NDArray[np.int64]:
    """Whole months, aligned with ``subjects``, from the later of ``known_since_us`` and
    the last checked negative record to ``as_of_us`` (see the module docstring).

    ``candidates``: the subjects whose history is read (the others cannot be seeds
    whatever their history: their identity or degree falls short); the others get the
    months since they became known.
    """
    window = settings.window_us
    negatives = negatives.filter(pl.col("subject").is_in(sorted(candidates)))
    checked = [
        negatives.filter(pl.col("event_id").is_in(sorted(upheld)))
        .group_by("subject")
        .agg(pl.col("at_us").max().alias("_break_us")),
        reports.filter(pl.col("event_id").is_in(sorted(upheld)))
        .group_by(pl.col("target").alias("subject"))
        .agg(pl.col("at_us").max().alias("_break_us")),
        _two_source_breaks(negatives, window),
        _report_breaks(
            reports,
            candidates,
            subjects,
            trust,
            earned,
            vouchers or {},
            ties,
            categories,
            settings,
            as_of_us,
        ),
    ]
    breaks = (
        pl.concat([c.cast({"_break_us": pl.Int64}) for c in checked])
        .group_by("subject")
        .agg(pl.col("_break_us").max())
    )
    since = pl.max_horizontal(pl.col("known_since_us"), pl.col("_break_us"))
    months = (
        subjects.select("subject", "known_since_us")
        .join(breaks, on="subject", how="left", maintain_order="left")
        .select(((as_of_us - since) // MONTH_US).clip(lower_bound=0).fill_null(0))
        .to_series()
    )
    out: npt.NDArray[np.int64] = months.to_numpy().astype(np.int64)
    return out
