"""The red-team and fairness reports, run on request and kept for the operator and auditors.

Each run is stored as one row of the audit chain (``report.red_team``,
``report.fairness``): who ran it, when, with what, and its result, so the newest one
is read by anyone allowed to, whichever worker answers, and can never be edited
afterwards. The fairness audit's protected attributes arrive with the request, are
written to a private temporary file for :func:`glasscredit.app.audit_scores` and
removed: only the per-group aggregates the audit reports are kept, never a subject's
attribute.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from glasscredit.app._base import AppModel, JsonValue
from glasscredit.app._context import Context
from glasscredit.app._score_audit import ScoreAudit, audit_scores
from glasscredit.app._trust import RedTeamResult, red_team
from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.policy import iso

__all__ = [
    "REPORT_ACTIONS",
    "StoredFairness",
    "StoredRedTeam",
    "check_groups",
    "latest_fairness",
    "latest_red_team",
    "run_fairness_report",
    "run_red_team_report",
]

#: the audit actions the reports are stored under, by kind
REPORT_ACTIONS = {"red_team": "report.red_team", "fairness": "report.fairness"}


class StoredRedTeam(AppModel):
    """A stored red-team run: when, by whom, with what, and what it found."""

    audit_seq: int
    at: str
    by: str
    honest: int
    seed: int
    result: RedTeamResult


class StoredFairness(AppModel):
    """A stored fairness audit of the stored scores (aggregates only)."""

    audit_seq: int
    at: str
    by: str
    result: ScoreAudit


def run_red_team_report(
    ctx: Context, *, honest: int, seed: int, actor: str = "operator"
) -> StoredRedTeam:
    """Run the attack scenarios against the policy and store the result (audited)."""
    result = red_team(ctx, honest=honest, seed=seed)
    details = {"honest": honest, "seed": seed, "result": result.as_json()}
    row = ctx.ledger.audit.note(REPORT_ACTIONS["red_team"], details, at_us=ctx.now(), actor=actor)
    return StoredRedTeam(
        audit_seq=row.seq, at=iso(row.at_us), by=row.actor, honest=honest, seed=seed, result=result
    )


def run_fairness_report(
    ctx: Context,
    groups: Sequence[Mapping[str, JsonValue]],
    *,
    protected: Sequence[str],
    cutoff: float,
    since_us: int,
    until_us: int | None = None,
    min_group_size: int | None = None,
    actor: str = "operator",
) -> StoredFairness:
    """Audit the stored scores by the given groups and store the aggregates (audited).

    ``groups``: one row per subject, ``subject`` and each protected attribute.
    """
    frame = check_groups(groups, protected)
    fd, name = tempfile.mkstemp(prefix="glasscredit-groups-", suffix=".parquet")
    os.close(fd)
    path = Path(name)
    try:
        frame.write_parquet(path)
        result = audit_scores(
            ctx,
            str(path),
            protected=protected,
            cutoff=cutoff,
            since_us=since_us,
            until_us=until_us,
            min_group_size=min_group_size,
        )
    finally:
        path.unlink(missing_ok=True)  # the attributes are read for the audit, never kept
    row = ctx.ledger.audit.note(
        REPORT_ACTIONS["fairness"], {"result": result.as_json()}, at_us=ctx.now(), actor=actor
    )
    return StoredFairness(audit_seq=row.seq, at=iso(row.at_us), by=row.actor, result=result)


def check_groups(
    groups: Sequence[Mapping[str, JsonValue]], protected: Sequence[str]
) -> pl.DataFrame:
    """The groups as a table, or a ``ValidationError`` naming what is missing (checked
    before a run is started, so a bad request is refused at once, not in a log)."""
    try:
        frame = pl.DataFrame(list(groups), infer_schema_length=None)
    except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        raise ValidationError([FieldError("groups", "table", str(exc)[:300])]) from exc
    missing = [c for c in ("subject", *protected) if c not in frame.columns]
    if missing:
        raise ValidationError(
            [FieldError(f"groups.{c}", "column_present", "no row names it") for c in missing]
        )
    if len(frame.columns) < 2:
        raise ValidationError(
            [FieldError("groups", "at_least_one", "name at least one protected attribute")]
        )
    return frame


def _newest(ctx: Context, kind: str) -> tuple[int, int, str, dict[str, JsonValue]]:
    rows = ctx.ledger.audit.entries(action=REPORT_ACTIONS[kind])
    if not rows:
        raise NotFoundError(f"report: no {kind} report has been run [exists]")
    r = rows[-1]
    return r.seq, r.at_us, r.actor, r.details


def latest_red_team(ctx: Context) -> StoredRedTeam:
    """The newest stored red-team run (``NotFoundError`` when none was run)."""
    seq, at, by, d = _newest(ctx, "red_team")
    return StoredRedTeam.model_validate({"audit_seq": seq, "at": iso(at), "by": by, **d})


def latest_fairness(ctx: Context) -> StoredFairness:
    """The newest stored fairness audit (``NotFoundError`` when none was run)."""
    seq, at, by, d = _newest(ctx, "fairness")
    return StoredFairness.model_validate({"audit_seq": seq, "at": iso(at), "by": by, **d})
