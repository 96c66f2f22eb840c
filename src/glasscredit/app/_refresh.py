"""Refresh: recompute trust and reports, then rescore exactly the subjects that moved.

One call for what an operator runs on a schedule: the trust snapshot, the corroborated
reports (whose reporter weights come from the same trust) and ``score --changed``, all
as of the same time. The change notices name the snapshot versions it made.
"""

from __future__ import annotations

from collections.abc import Callable

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._scoring import rescore_report, score_run_view
from glasscredit.app._scoring_views import ScoreRun
from glasscredit.app._trust import ReportsSummary, TrustSummary, compute_reports, compute_trust

__all__ = ["Refresh", "refresh"]

#: phase ("trust", "reports", "scoring"), done, total (0: not known yet)
RefreshProgress = Callable[[str, int, int], None]


class Refresh(AppModel):
    """What a refresh recomputed and what it rescored (``run.causes``: why)."""

    as_of_us: int
    trust: TrustSummary
    reports: ReportsSummary
    run: ScoreRun


def refresh(
    ctx: Context, *, as_of_us: int | None = None, progress: RefreshProgress | None = None
) -> Refresh:
    """Recompute trust and reports as of a time (default now), then store new scores for
    the subjects whose points or inputs moved, with notices naming the cause."""
    t = ctx.as_of(as_of_us)
    tick = progress or (lambda phase, done, total: None)
    tick("trust", 0, 0)
    trust = compute_trust(ctx, as_of_us=t)
    tick("reports", 0, 0)
    reports = compute_reports(ctx, as_of_us=t)
    tick("scoring", 0, 0)
    report = rescore_report(
        ctx, t, only_changed=True, progress=lambda done, total: tick("scoring", done, total)
    )
    return Refresh(as_of_us=t, trust=trust, reports=reports, run=score_run_view(ctx, report))
