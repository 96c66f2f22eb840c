"""Source accountability use case: per-source baselines, reputation and flags.

Reading the report changes nothing; ``record`` is the operator acting on it: each flag
is written to the audit log (action ``source_flag``) with its evidence, so what was
seen, when and by whom is in the chain. ``probation`` acts further: every source flagged
with a kind of ``PROBATION_KINDS`` is put on probation (``app._probation``), and every
probation in force holds what arrived since (the routine's scan).
"""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.app._probation import ProbationView, probation_view
from glasscredit.sources import CLOCK, apply_probations, probations_from_flags
from glasscredit.sources import source_report as _source_report

__all__ = ["SourceAccountability", "SourceBaselineView", "SourceFlagView", "source_report"]


class SourceFlagView(AppModel):
    """A source departing from its baseline or its peers, with the evidence."""

    ref: str
    source: str
    kind: str
    type: str | None
    value: float
    reference: float
    threshold: float
    why: str
    numbers: dict[str, float | int | None]
    subjects: list[str]
    subjects_total: int
    event_ids: list[str]
    events_total: int


class SourceBaselineView(AppModel):
    """One source's numbers in the window and its baseline (docs/sources.md)."""

    source: str
    group: str
    events: int
    events_baseline: int
    rates: dict[str, dict[str, float]]
    positive_per_subject: dict[str, dict[str, float]]
    sole_cohort: dict[str, float | int | None]
    first_report_age: dict[str, float | int | None]
    reputation: dict[str, float | int | None]
    newcomers: dict[str, float | int | None]


class SourceAccountability(AppModel):
    """Every source's baseline and the flags raised, as of a time."""

    as_of: str
    window: str
    baseline: str
    sources: list[SourceBaselineView]
    flags: list[SourceFlagView]
    recorded: int  # audit rows written (record=True)
    probations: list[ProbationView]  # every probation, with what each holds now
    placed: list[str]  # sources put on probation by this run (probation=True)
    held: int  # events held by this run's scan (probation=True)


def source_report(
    ctx: Context,
    *,
    as_of_us: int | None = None,
    record: bool = False,
    probation: bool = False,
    actor: str = "operator",
) -> SourceAccountability:
    """Measure every source against its own past and its peers, on the ledger's clock.

    ``record``: the operator acts on the flags: one audit row per flag with its
    evidence (the numbers, the subjects and events behind them). ``probation``: the
    flagged sources go on probation and every probation holds what arrived (as of now:
    a probation is a decision taken now, never a past read).
    """
    t = ctx.as_of(as_of_us)
    ledger = ctx.ledger
    events = ledger.event_frame(recorded_by_us=t).select(
        "event_id", "subject", "source", "type", CLOCK
    )
    report = _source_report(events, ledger.disputes.status_counts(), ctx.policy, t)
    recorded = 0
    if record:
        now = ctx.now()
        for flag in report.flags:
            ledger.audit.note(
                "source_flag", {**flag.as_dict(), "as_of_us": t}, at_us=now, actor=actor
            )
            recorded += 1
    placed: list[str] = []
    held = 0
    if probation:
        now = ctx.now()
        if t != now:
            events = ledger.event_frame(recorded_by_us=now)
            report = _source_report(events, ledger.disputes.status_counts(), ctx.policy, now)
        placed = [p.source for p in probations_from_flags(ledger, report.flags, now, actor=actor)]
        held = apply_probations(ledger, now, actor=actor).held
    now = ctx.now()
    data = report.as_dict()
    return SourceAccountability(
        as_of=data["as_of"],
        window=data["window"],
        baseline=data["baseline"],
        sources=[SourceBaselineView.model_validate(s) for s in data["sources"]],
        flags=[SourceFlagView.model_validate(f) for f in data["flags"]],
        recorded=recorded,
        probations=[probation_view(ctx, p, now) for p in ledger.probations.all()],
        placed=placed,
        held=held,
    )
