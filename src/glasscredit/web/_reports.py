"""The console's reports: fairness by month, the model card, the red team on demand.

The fairness audit reads the stored scores and the operator's side file of protected
attributes (``GLASSCREDIT_FAIRNESS_GROUPS``; read for the audit, never stored). The
model card is the card of the points table in force (bins, points, each row's
rationale), rendered from Markdown by markdown-it-py with raw HTML off. The red team
takes seconds, so a page view never runs it: an operator's form does, and the answer is
that response alone (nothing is stored).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt

from glasscredit import app as uc
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.web._core import Page, form_of, guarded, page, render

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
READ = uc.AccessRule(roles=("operator", "auditor"))
ACT = uc.AccessRule(roles=("operator",))
MONTHS = 12
REDTEAM_MAX = 5_000


def _card_html(markdown: str) -> str:
    """The card's Markdown as HTML, its headings two levels down (under the page's h1 and h2)."""
    shifted = "\n".join("##" + ln if ln.startswith("#") else ln for ln in markdown.splitlines())
    html: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(shifted)
    return html


def _cutoff(p: Page, raw: str | None) -> int:
    """The audit's cut-off: asked for, else the lowest score any perk needs."""
    if raw:
        if not raw.isascii() or not raw.isdigit() or not 350 <= int(raw) <= 950:
            raise ValidationError([FieldError("cutoff", "score", "a score from 350 to 950")])
        return int(raw)
    perks = [perk.min_score for perk in p.ctx.policy.perks]
    return min(perks) if perks else p.ctx.policy.score_range[0]


def _fairness(p: Page, cutoff: int) -> tuple[uc.ScoreAudit | None, str | None]:
    path = p.ctx.settings.fairness_groups
    if path is None:
        return None, (
            "No side file of protected attributes is configured: set GLASSCREDIT_FAIRNESS_GROUPS "
            "to a CSV or Parquet file with a subject column and one column per attribute."
        )
    now = p.ctx.now()
    d = datetime.fromtimestamp(now / 1e6, UTC)
    months_back = d.year * 12 + d.month - 1 - (MONTHS - 1)
    since = datetime(months_back // 12, months_back % 12 + 1, 1, tzinfo=UTC)
    try:
        res = uc.audit_scores(
            p.ctx,
            str(path),
            protected=[],
            cutoff=cutoff,
            since_us=int(since.timestamp()) * 1_000_000,
            until_us=now,
        )
    except ValidationError as exc:
        return None, str(exc)
    return res, None


def _show(p: Page, cutoff_raw: str | None, **extra: Any) -> Response:
    who = p.require(READ)
    cutoff = _cutoff(p, cutoff_raw)
    fair, fair_note = _fairness(p, cutoff)
    return render(
        p,
        "console_reports.html",
        section="reports",
        can_act=who.role == "operator",
        cutoff=cutoff,
        fair=fair,
        fair_note=fair_note,
        card=_card_html(uc.policy_card(p.ctx).text),
        redteam_max=REDTEAM_MAX,
        **extra,
    )


@router.get("/reports")
def reports(p: PageDep, cutoff: str | None = None) -> Response:
    """Fairness by month from the stored scores, the model card, the red-team form."""
    return guarded(p, None, lambda: _show(p, cutoff))


@router.post("/reports/redteam")
async def redteam(request: Request, p: PageDep) -> Response:
    """Run the red team on a simulated population (operators only) and show it here."""
    form = await form_of(request)

    def act() -> Response:
        p.require(ACT)
        p.check_csrf(form)
        raw = form.get("honest", "")
        if not raw.isascii() or not raw.isdigit() or not 100 <= int(raw) <= REDTEAM_MAX:
            raise ValidationError(
                [FieldError("honest", "range", f"a whole number from 100 to {REDTEAM_MAX}")]
            )
        res = uc.red_team(p.ctx, honest=int(raw), seed=0)
        return _show(p, form.get("cutoff"), redteam=res, honest=int(raw))

    return guarded(p, "/console/reports", act)
