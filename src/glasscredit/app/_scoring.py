"""Scoring use cases: score (all, changed, some), explain, what-if, next tier, history, verify.

Times are epoch microseconds; ``None`` means now, by the context's clock. What-if
actions are the ones the policy declares (``whatif_actions``), never event types chosen
here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from glasscredit.app._base import AppModel, JsonValue
from glasscredit.app._context import Context
from glasscredit.app._rights2 import person_statement
from glasscredit.app._scoring_views import (
    Explanation,
    NextTier,
    ScoreBasis,
    ScoreNotice,
    ScoreRun,
    ScoreVerification,
    StoredScore,
    TierCount,
    WhatIf,
)
from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.policy import iso, locale_texts, parse_duration
from glasscredit.scoring import (
    Explanation as DomainExplanation,
)
from glasscredit.scoring import (
    RescoreReport,
    path_to_next_tier,
    rescore,
    score_as_of_past,
    score_history,
    score_notices,
    whatif,
)
from glasscredit.scoring import verify_score as _verify_score
from glasscredit.store import SnapshotVersion
from glasscredit.store import StoredScore as StoredRecord

__all__ = [
    "ScoreHistory",
    "WhatIfAction",
    "WhatIfActions",
    "current_score",
    "explain",
    "explanation_view",
    "history",
    "next_tier",
    "plain_names",
    "score",
    "score_run_view",
    "score_subject",
    "verify_score",
    "what_if",
    "what_if_actions",
]

ScoreProgress = Callable[[int, int], None]
_PERCENTILES = (10, 25, 50, 75, 90)


class WhatIfAction(AppModel):
    """A realistic action the policy offers to a what-if (``--action NAME=N``)."""

    name: str
    description: str
    type: str
    source: str
    every: str


class WhatIfActions(AppModel):
    actions: list[WhatIfAction]


class ScoreHistory(AppModel):
    """Every stored score of a subject and the change notices between them."""

    scores: list[StoredScore]
    notices: list[ScoreNotice]


def plain_names(ctx: Context) -> dict[str, str]:
    """The policy's plain words for its dimensions and tiers, keyed by their names,
    for front doors that print an explanation (a person reads labels, not keys)."""
    names = {n: d.label for n, d in ctx.policy.dimensions.items() if d.label}
    names.update(locale_texts(ctx.policy).tiers)
    return names


def explanation_view(ctx: Context, exp: DomainExplanation) -> Explanation:
    """The typed explanation, with the score range the policy's tiers cover."""
    return Explanation.model_validate({**exp.as_dict(), "range": ctx.policy.score_range})


def score_run_view(ctx: Context, report: RescoreReport) -> ScoreRun:
    n = report.subjects
    dist = [
        TierCount(
            tier=t.name,
            min=t.min,
            max=t.max,
            subjects=report.tiers.get(t.name, 0),
            share=report.tiers.get(t.name, 0) / n if n else 0.0,
        )
        for t in sorted(ctx.policy.tiers, key=lambda x: x.min)
    ]
    pct = np.percentile(report.scores, _PERCENTILES).tolist() if report.scores else []
    return ScoreRun(
        as_of_us=report.as_of_us,
        subjects=n,
        stored=report.stored,
        changed=report.changed,
        tiers=dict(report.tiers),
        distribution=dist,
        percentiles={f"p{p}": float(v) for p, v in zip(_PERCENTILES, pct, strict=False)},
        unchanged=report.unchanged,
        causes=dict(sorted(report.causes.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def score(
    ctx: Context,
    *,
    as_of_us: int | None = None,
    subjects: Sequence[str] | None = None,
    only_changed: bool = False,
    progress: ScoreProgress | None = None,
) -> ScoreRun:
    """Score and store: every subject, the given ones, or (``only_changed``) those whose
    inputs changed since their last score: new events, a recomputed trust or reports
    snapshot, a dispute, hold or release, another policy or points table. Of those,
    only subjects whose points or inputs digest moved get a new score; each change
    notice names its causes.

    A named subject the ledger does not hold is a ``NotFoundError`` (nothing is stored).
    As of a past time it is a read (``historical``): scores over what the ledger knows
    now, never stored, so they replace no current score and write no change notice.
    """
    unknown = [s for s in subjects or () if not ctx.ledger.has_subject(s)]
    if unknown:
        raise NotFoundError(
            f"subject: {', '.join(map(repr, unknown[:5]))} not in the ledger [exists]"
        )
    now = ctx.now()
    if as_of_us is not None and as_of_us < now:
        past = score_as_of_past(
            ctx.scorer,
            as_of_us,
            now,
            subjects_in=list(subjects) if subjects else None,
            chunk_subjects=50_000,
            progress=progress,
        )
        return score_run_view(ctx, past).model_copy(update={"historical": True})
    report = rescore_report(
        ctx, ctx.as_of(as_of_us), subjects=subjects, only_changed=only_changed, progress=progress
    )
    return score_run_view(ctx, report)


def score_subject(ctx: Context, subject: str, *, as_of_us: int | None = None) -> StoredScore:
    """Score one subject as of a time (default now), store it, and return the stored score.

    A past time is a read, never stored: refused here (``explain`` answers it).
    """
    if as_of_us is not None and as_of_us < ctx.now():
        raise ValidationError(
            [
                FieldError(
                    "as_of",
                    "past",
                    "a score as of a past time is a read and is never stored: "
                    "ask for the explanation as of that time",
                )
            ]
        )
    score(ctx, as_of_us=as_of_us, subjects=[subject])
    return current_score(ctx, subject)


def _basis(
    ctx: Context, stored: StoredRecord, versions: Mapping[str, list[SnapshotVersion]]
) -> ScoreBasis:
    """What ``stored`` rests on: the subject's newest event position it could see, and per
    external snapshot the version the scorer read: what the score pinned in its detail
    (``q``, ``v``), or for older scores the newest as of its time among those made by
    when it was computed (the rule ``verify_score`` reproduces for them)."""
    pinned, newest = stored.detail.get("v"), stored.detail.get("q")
    if isinstance(pinned, dict) and isinstance(newest, int):  # what the score pinned
        kinds = {str(k): int(v) for k, v in pinned.items()}
        return ScoreBasis(ledger_seq=newest, snapshots={k: kinds.get(k) for k in versions})
    chosen: dict[str, int | None] = {}
    for kind, vs in versions.items():
        fit = [
            v for v in vs if v.as_of_us <= stored.as_of_us and v.made_at_us <= stored.computed_at_us
        ]
        chosen[kind] = max(fit, key=lambda v: (v.as_of_us, v.version)).version if fit else None
    seq = ctx.ledger.feed.position_of(stored.subject, recorded_by_us=stored.as_of_us)
    return ScoreBasis(ledger_seq=seq, snapshots=chosen)


def _snapshot_versions(ctx: Context) -> dict[str, list[SnapshotVersion]]:
    """Every version of each snapshot kind the policy's external features read."""
    return {k: ctx.ledger.snapshots.versions(k) for k in ctx.scorer.external_kinds}


def current_score(ctx: Context, subject: str) -> StoredScore:
    """The subject's latest stored score (``NotFoundError`` if never scored), with the
    ledger position and snapshot versions it reflects."""
    stored = score_history(ctx.scorer, subject)
    if not stored:
        raise NotFoundError(f"subject: {subject!r} has no stored score [scored]")
    statement = person_statement(ctx, subject)
    basis = _basis(ctx, stored[-1], _snapshot_versions(ctx))
    return StoredScore.model_validate(
        {**stored[-1].as_dict(), "statement": statement, "reflects": basis}
    )


def rescore_report(
    ctx: Context,
    as_of_us: int,
    *,
    computed_at_us: int | None = None,
    subjects: Sequence[str] | None = None,
    only_changed: bool = False,
    progress: ScoreProgress | None = None,
) -> RescoreReport:
    """Score and store (chunks of 50,000 subjects: a progress bar moves every few seconds)."""
    return rescore(
        ctx.scorer,
        as_of_us,
        ctx.as_of(computed_at_us),
        subjects_in=list(subjects) if subjects else None,
        only_changed=only_changed,
        chunk_subjects=50_000,
        progress=progress,
    )


def explain(ctx: Context, subject: str, *, as_of_us: int | None = None) -> Explanation:
    """One subject's score decomposed exactly: points, reasons, events, perks.

    As of a past time, over what the ledger knows now (a backfilled history counts).
    """
    now = ctx.now()
    t = ctx.as_of(as_of_us)
    return explanation_view(ctx, ctx.scorer.explain(subject, t, ledger_us=max(now, t)))


def what_if_actions(ctx: Context) -> WhatIfActions:
    """The actions the policy offers to a what-if."""
    return WhatIfActions(
        actions=[
            WhatIfAction(
                name=a.name, description=a.description, type=a.type, source=a.source, every=a.every
            )
            for a in ctx.policy.whatif_actions
        ]
    )


def _action_events(
    ctx: Context, subject: str, start_us: int, actions: Mapping[str, int]
) -> list[dict[str, JsonValue]]:
    """The hypothetical events of ``actions`` (name -> how many times), one per period."""
    out: list[dict[str, JsonValue]] = []
    offered = sorted(a.name for a in ctx.policy.whatif_actions)
    for name, times in actions.items():
        try:
            spec = ctx.policy.action(name)
        except KeyError:
            raise ValidationError(
                [
                    FieldError(
                        f"action.{name}",
                        "declared_action",
                        f"the policy offers no such action (offered: {', '.join(offered)})",
                    )
                ]
            ) from None
        if times < 0:
            raise ValidationError(
                [FieldError(f"action.{name}", "non_negative", f"{times} is below zero")]
            )
        step = parse_duration(spec.every)
        out.extend(
            {
                "event_id": f"whatif-{name}-{i}",
                "subject": subject,
                "source": spec.source,
                "type": spec.type,
                "occurred_at": iso(start_us + (i + 1) * step),
                "attributes": dict(spec.attributes),
            }
            for i in range(times)
        )
    return out


def what_if(
    ctx: Context,
    subject: str,
    *,
    as_of_us: int | None = None,
    set_values: Mapping[str, float | None] | None = None,
    actions: Mapping[str, int] | None = None,
    events: Sequence[Mapping[str, JsonValue]] = (),
    horizon: str | None = None,
) -> WhatIf:
    """The score under hypothetical feature values, policy actions and events."""
    t = ctx.as_of(as_of_us)
    extra = _action_events(ctx, subject, t, actions or {})
    extra.extend(dict(e) for e in events)
    if horizon is not None:
        try:
            parse_duration(horizon)
        except ValueError as exc:
            raise ValidationError([FieldError("horizon", "duration", str(exc))]) from exc
    res = whatif(
        ctx.scorer, subject, t, add_events=extra, set_values=dict(set_values or {}), horizon=horizon
    )
    return WhatIf.model_validate(res)


def next_tier(ctx: Context, subject: str, *, as_of_us: int | None = None) -> NextTier:
    """The smallest realistic changes that reach the next tier, and how long they take."""
    return NextTier.model_validate(path_to_next_tier(ctx.scorer, subject, ctx.as_of(as_of_us)))


def history(ctx: Context, subject: str) -> ScoreHistory:
    """Every stored score of a subject, with the change notices between them."""
    if not ctx.ledger.has_subject(subject):
        raise NotFoundError(f"subject: {subject!r} is not in the ledger [exists]")
    versions = _snapshot_versions(ctx)
    return ScoreHistory(
        scores=[
            StoredScore.model_validate({**s.as_dict(), "reflects": _basis(ctx, s, versions)})
            for s in score_history(ctx.scorer, subject)
        ],
        notices=[ScoreNotice.model_validate(n) for n in score_notices(ctx.scorer, subject)],
    )


def verify_score(ctx: Context, score_id: int) -> ScoreVerification:
    """Recompute a stored score from the ledger: identical, or the exact difference."""
    return ScoreVerification.model_validate(_verify_score(ctx.scorer, score_id))
