"""Trust use cases: the trust snapshot, report corroboration, burst holds, the red team."""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import DAY_US
from glasscredit.simulate import run_redteam
from glasscredit.trust import TrustSnapshot as DomainTrustSnapshot
from glasscredit.trust import compute_reports as _compute_reports
from glasscredit.trust import compute_trust as _compute_trust
from glasscredit.trust import explain_reports as _explain_reports
from glasscredit.trust import hold_bursts, scan_bursts
from glasscredit.trust import release_burst as _release_burst

__all__ = [
    "BurstRelease",
    "BurstScan",
    "BurstView",
    "RedTeamAttack",
    "RedTeamResult",
    "ReportVerdictView",
    "ReportsExplanation",
    "ReportsSummary",
    "TrustSummary",
    "compute_reports",
    "compute_trust",
    "explain_reports",
    "find_bursts",
    "red_team",
    "release_burst",
    "trust_summary",
]


class TrustSummary(AppModel):
    """A trust snapshot in numbers (the values themselves feed scoring).

    ``alert`` is set when the snapshot lost more than ``settings.trust.max_seed_loss`` of
    the seeds of the one in force: it was then not stored (``stored`` false, audited as
    ``snapshot.trust.kept``) unless forced.
    """

    as_of_us: int
    subjects: int
    seeds: int
    edges: int
    iterations: int
    dropped: dict[str, int]
    median: float
    reached: int
    reference: float
    eligible: int
    communities_without_seed: int
    previous_seeds: int | None
    seeds_lost: int
    alert: str | None
    stored: bool


class ReportsSummary(AppModel):
    as_of_us: int
    targets: int
    corroborated: int


class ReportVerdictView(AppModel):
    """One misconduct report's fate: counted or not, the rule that decided, its weight."""

    event_id: str
    reporter: str
    counted: bool
    reason: str
    weight: float
    group: str | None


class ReportsExplanation(AppModel):
    subject: str
    value: float
    groups: int
    reports: list[ReportVerdictView]


class BurstView(AppModel):
    """A flagged (source, bucket): many positive events for many subjects at once."""

    ref: str
    source: str
    bucket_start_us: int
    subjects: int
    events: int


class BurstScan(AppModel):
    bursts: list[BurstView]
    held: int


class BurstRelease(AppModel):
    ref: str
    events: int


class RedTeamAttack(AppModel):
    """Points one attack moves under glasscredit and under a naive raw-count scorer."""

    name: str
    glasscredit: float
    naive: float
    cost: str
    detail: dict[str, float | int | str]


class RedTeamResult(AppModel):
    n_honest: int
    trust_auc: float
    sybils_below_95: float
    attacks: list[RedTeamAttack]


def trust_summary(snapshot: DomainTrustSnapshot) -> TrustSummary:
    return TrustSummary.model_validate(snapshot.summary())


def compute_trust(
    ctx: Context, *, as_of_us: int | None = None, force: bool = False
) -> TrustSummary:
    """Compute trust from the endorsement graph as of a time and store it for scoring
    (unless it lost too many seeds: then ``alert`` says so; ``force`` stores it anyway)."""
    return trust_summary(_compute_trust(ctx.ledger, ctx.as_of(as_of_us), force=force))


def compute_reports(ctx: Context, *, as_of_us: int | None = None) -> ReportsSummary:
    """Corroborate every misconduct report and store the values scoring reads."""
    t = ctx.as_of(as_of_us)
    snap = _compute_reports(ctx.ledger, t)
    return ReportsSummary(
        as_of_us=t,
        targets=len(snap.targets),
        corroborated=sum(1 for v in snap.values.values() if v > 0),
    )


def explain_reports(
    ctx: Context, subject: str, *, as_of_us: int | None = None
) -> ReportsExplanation:
    """Why each report about ``subject`` counts or not."""
    verdict = _explain_reports(ctx.ledger, subject, ctx.as_of(as_of_us))
    return ReportsExplanation(
        subject=subject,
        value=verdict.value,
        groups=verdict.groups,
        reports=[ReportVerdictView.model_validate(v.as_dict()) for v in verdict.reports],
    )


def find_bursts(ctx: Context, *, days: int = 7, hold: bool = False) -> BurstScan:
    """Flag sources that sent many positive events for many subjects; hold them if asked."""
    if days < 1:
        raise ValidationError([FieldError("days", "positive", f"{days} is below 1")])
    now = ctx.now()
    found = scan_bursts(ctx.ledger, now - days * DAY_US, now)
    held = hold_bursts(ctx.ledger, found, now) if hold else 0
    return BurstScan(bursts=[BurstView.model_validate(b.as_dict()) for b in found], held=held)


def release_burst(ctx: Context, ref: str) -> BurstRelease:
    """Release a held burst after review: its events count again."""
    return BurstRelease(ref=ref, events=_release_burst(ctx.ledger, ref, ctx.now()))


def red_team(ctx: Context, *, honest: int = 10_000, seed: int = 0) -> RedTeamResult:
    """Run the attack scenarios against the policy and a naive raw-count scorer (no ledger)."""
    report = run_redteam(ctx.policy, n_honest=honest, seed=seed)
    return RedTeamResult(
        n_honest=report.n_honest,
        trust_auc=report.auc,
        sybils_below_95=report.sybils_below_95,
        attacks=[
            RedTeamAttack(
                name=a.name, glasscredit=a.glasscredit, naive=a.naive, cost=a.cost, detail=a.detail
            )
            for a in report.attacks
        ],
    )
