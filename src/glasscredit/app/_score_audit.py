"""The fairness audit over time, from the scores the ledger stored.

Each calendar month's population is every subject with a score stored as of that month
(their newest one in it); a score at or above the cut-off is an approval. Protected
attributes come from a side file the operator supplies for the audit (``subject`` plus
one column per attribute): they are read for the audit and dropped, never stored, never
a feature, never an input to a score. Subjects without a row in the side file are
counted and left out of the ratios, so a partial file cannot pass for a full one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import polars as pl

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._model import PeriodAudit, read_table
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import iso, to_us

__all__ = ["ScoreAudit", "audit_scores", "month_starts"]


class ScoreAudit(AppModel):
    """Approval and adverse impact by month from stored scores, with intervals."""

    cutoff: float
    min_group_size: int
    attributes: list[str]
    since: str
    until: str
    #: subjects with a stored score in the span, and how many the side file names
    scored_subjects: int
    matched_subjects: int
    months: list[PeriodAudit]


def month_starts(since_us: int, until_us: int) -> list[int]:
    """The first instant of every calendar month (UTC) that overlaps [since, until]."""
    d = datetime.fromtimestamp(since_us / 1e6, UTC)
    cur = datetime(d.year, d.month, 1, tzinfo=UTC)
    out = []
    while to_us(cur) <= until_us:
        out.append(to_us(cur))
        cur = datetime(cur.year + cur.month // 12, cur.month % 12 + 1, 1, tzinfo=UTC)
    return out


def _side_file(path: str, protected: Sequence[str]) -> pl.DataFrame:
    groups = read_table(path)
    protected = protected or [c for c in groups.columns if c != "subject"]
    missing = [c for c in ("subject", *protected) if c not in groups.columns]
    if missing or not protected:
        raise ValidationError(
            [FieldError(f"{path}.{c}", "column_present", "no such column") for c in missing]
            or [FieldError("protected", "at_least_one", "name the attributes to audit")]
        )
    side = groups.select(
        pl.col("subject").cast(pl.String), *[pl.col(c).cast(pl.String) for c in protected]
    )
    dup = side.get_column("subject").is_duplicated()
    if dup.any():
        first = side.filter(dup).get_column("subject")[0]
        raise ValidationError(
            [FieldError(f"{path}.subject", "unique", f"{first!r} has more than one row")]
        )
    return side


def audit_scores(
    ctx: Context,
    protected_file: str,
    *,
    protected: Sequence[str],
    cutoff: float,
    since_us: int,
    until_us: int | None = None,
    min_group_size: int | None = None,
    reference: Mapping[str, str] | None = None,
) -> ScoreAudit:
    """The audit of every month in ``[since, until]`` (default until now) of stored scores;
    ``protected`` empty: every column of the side file but ``subject``."""
    from glasscredit.model import MIN_GROUP_SIZE, audit_over_time

    until = ctx.as_of(until_us)
    if since_us >= until:
        raise ValidationError([FieldError("since", "before_until", "since must be before until")])
    side = _side_file(protected_file, protected)
    protected = [c for c in side.columns if c != "subject"]
    starts = month_starts(since_us, until)
    frames = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else until + 1  # as of until counts
        rows = ctx.ledger.scores.in_period(max(start, since_us), end)
        newest = rows.sort("score_id").group_by("subject").last()
        label = datetime.fromtimestamp(start / 1e6, UTC).strftime("%Y-%m")
        frames.append(newest.select("subject", "score").with_columns(pl.lit(label).alias("month")))
    scored = pl.concat(frames) if frames else pl.DataFrame()
    n_scored = scored.get_column("subject").n_unique() if scored.height else 0
    joined = scored.join(side, on="subject", how="inner") if scored.height else scored
    matched = joined.get_column("subject").n_unique() if joined.height else 0
    size = MIN_GROUP_SIZE if min_group_size is None else min_group_size
    months = (
        audit_over_time(
            joined.get_column("score").to_numpy(),
            {c: joined.get_column(c).fill_null("missing").to_list() for c in protected},
            joined.get_column("month").to_list(),
            cutoff,
            min_group_size=size,
            reference=dict(reference or {}),
        )
        if joined.height
        else []
    )
    return ScoreAudit(
        cutoff=cutoff,
        min_group_size=size,
        attributes=list(protected),
        since=iso(since_us),
        until=iso(until),
        scored_subjects=n_scored,
        matched_subjects=matched,
        months=[PeriodAudit.model_validate(m) for m in months],
    )
