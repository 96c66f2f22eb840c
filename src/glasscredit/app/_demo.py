"""The demo: a generated population ingested, trust computed, everyone scored, one explained."""

from __future__ import annotations

from collections.abc import Callable

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._ledger import (
    AuditVerification,
    IngestResult,
    LedgerCounts,
    ingest_result,
    ledger_counts,
    verify_audit,
)
from glasscredit.app._scoring import explanation_view, rescore_report, score_run_view
from glasscredit.app._scoring_views import Explanation, ScoreRun
from glasscredit.app._trust import TrustSummary, trust_summary
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import iso
from glasscredit.simulate import (
    DEFAULT_END_US,
    PopulationSpec,
    history_start,
    iter_source_batches,
)
from glasscredit.store import IngestReport
from glasscredit.trust import compute_trust as _compute_trust

__all__ = ["DemoResult", "demo"]


class DemoResult(AppModel):
    """Everything the demo did, step by step."""

    subjects: int
    seed: int
    ingest: IngestResult
    counts: LedgerCounts
    audit: AuditVerification
    trust: TrustSummary
    scores: ScoreRun
    example: Explanation


_REASON = "the demo population's history, known to each source as it happened"


def _load_history(
    ctx: Context, spec: PopulationSpec, progress: Callable[[int], None] | None
) -> IngestReport:
    """Each source's history as an approved backfill (one per source, reused when the
    demo runs again), known from when it occurred: the ledger's clock stays true."""
    from glasscredit.app._backfills import approve_backfill

    led = ctx.ledger
    lo, hi = history_start(spec), spec.end_us
    ids = {
        b.source: b.backfill_id
        for b in led.backfills.all()
        if b.reason == _REASON and b.occurred_from_us == lo and b.occurred_to_us == hi
    }
    total = IngestReport()
    for source, rows in iter_source_batches(spec):
        if source not in ids:
            ids[source] = approve_backfill(
                ctx,
                source=source,
                occurred_from=iso(lo),
                occurred_to=iso(hi),
                known_from=iso(lo),
                approved_by="demo",
                reason=_REASON,
            ).backfill_id
        done = total.input

        def tick(n: int, done: int = done) -> None:
            if progress:
                progress(done + n)

        r = led.ingest(rows, actor="demo", backfill=ids[source], progress=tick)
        total.input += r.input
        total.accepted += r.accepted
        total.duplicates += r.duplicates
        total.conflicts += r.conflicts
        total.invalid += r.invalid
        total.errors += r.errors
        total.subjects |= r.subjects
        total.batches += r.batches
    return total


def demo(
    ctx: Context,
    *,
    subjects: int = 10_000,
    seed: int = 42,
    ingest_progress: Callable[[int], None] | None = None,
    score_progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Generate a population, load each source's history as an approved backfill,
    compute trust, score what changed, explain one.

    Run twice, it stores nothing twice: the events are duplicates and no subject has new
    events to score.
    """
    if subjects < 1:
        raise ValidationError([FieldError("subjects", "positive", f"{subjects} is below 1")])
    led = ctx.ledger
    spec = PopulationSpec(subjects=subjects, seed=seed, end_us=min(DEFAULT_END_US, ctx.now()))
    report = _load_history(ctx, spec, ingest_progress)
    counts, audit = ledger_counts(ctx), verify_audit(ctx)
    as_of = ctx.now()
    trust = trust_summary(_compute_trust(led, as_of))
    # computed now, after the trust snapshot it reads was made (verify reads the
    # snapshot versions made by the score's computed_at)
    scored = rescore_report(
        ctx, as_of, computed_at_us=ctx.now(), only_changed=True, progress=score_progress
    )
    example = min(report.subjects) if report.subjects else ctx.scorer.all_subjects()[0]
    return DemoResult(
        subjects=subjects,
        seed=seed,
        ingest=ingest_result(report),
        counts=counts,
        audit=audit,
        trust=trust,
        scores=score_run_view(ctx, scored),
        example=explanation_view(ctx, ctx.scorer.explain(example, as_of)),
    )
