"""The operator's console: the population, drift, the dispute and review queues, sources.

Operators and auditors read it (the API's programme-wide readers); only operators see
and use the forms that change something (resolve a dispute, answer a review, release a
burst, create or revoke a key), and each form is checked again on the server by the
API's rule, so an auditor who posts one anyway is refused. Subjects and sources have no
console.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from glasscredit import app as uc
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.web._charts import label
from glasscredit.web._core import Page, form_of, guarded, page, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
READ = uc.AccessRule(roles=("operator", "auditor"))
ACT = uc.AccessRule(roles=("operator",))
MONTHS = 12


def _id(form: dict[str, str], name: str) -> int:
    raw = form.get(name, "")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**62:
        raise ValidationError([FieldError(name, "id", "a positive whole number")])
    return int(raw)


def _drift(ctx: uc.Context, pop: uc.Population) -> tuple[uc.Monitoring | None, str | None]:
    """Each month's PSI against the first month of the window that has stored scores."""
    ref = next((m for m in pop.months if m.subjects), None)
    if ref is None:
        return None, "No stored scores in the last months: nothing to compare yet."
    try:
        drift = uc.monitor(ctx, (ref.start_us, ref.end_us), until_us=pop.months[-1].end_us)
    except ValidationError as exc:
        return None, str(exc)
    if not drift.periods:
        return None, "Stored scores from one month only: nothing to compare them with yet."
    return drift, None


def _columns(pop: uc.Population) -> list[tuple[str, list[int]]]:
    """The months to draw: from the first with stored scores on."""
    cols = [(m.start[:10], [t.subjects for t in m.tiers]) for m in pop.months]
    first = next((i for i, m in enumerate(pop.months) if m.subjects), len(cols))
    return cols[first:]


def _base(p: Page, section: str) -> dict[str, Any]:
    who = p.require(READ)
    return {"section": section, "can_act": who.role == "operator"}


@router.get("")
def overview(p: PageDep) -> Response:
    """The population by tier now and month by month, and drift per dimension."""

    def show() -> Response:
        base = _base(p, "overview")
        pop = uc.population(p.ctx, months=MONTHS)
        drift, drift_note = _drift(p.ctx, pop)
        return render(
            p,
            "console_overview.html",
            **base,
            pop=pop,
            counts=uc.ledger_counts(p.ctx),
            drift=drift,
            drift_note=drift_note,
            tier_names=[t.tier for t in pop.tiers],
            tier_bars=[(label(t.tier), 100 * t.share, "") for t in pop.tiers],
            months_cols=_columns(pop),
            dimension_labels={n: d.label for n, d in p.ctx.policy.dimensions.items()},
        )

    return guarded(p, None, show)


@router.get("/disputes")
def disputes(p: PageDep) -> Response:
    def show() -> Response:
        base = _base(p, "disputes")
        return render(
            p,
            "console_disputes.html",
            **base,
            open=uc.list_disputes(p.ctx, status="open").disputes,
            closed=[d for d in reversed(uc.list_disputes(p.ctx).disputes) if d.status != "open"][
                :50
            ],
        )

    return guarded(p, None, show)


@router.post("/disputes/{dispute_id}/resolution")
async def resolve(dispute_id: int, request: Request, p: PageDep) -> Response:
    form = await form_of(request)

    def act() -> Response:
        who = p.require(ACT)
        p.check_csrf(form)
        out = uc.resolve_dispute(
            p.ctx,
            dispute_id,
            form.get("outcome", ""),
            actor=who.name,
            reasons=form.get("reasons", "").strip() or None,
        )
        return redirect(
            p,
            "/console/disputes",
            f"Dispute {dispute_id} resolved: {out.dispute.status}; the subject's score is now "
            f"{out.score_after}.",
        )

    return guarded(p, "/console/disputes", act)


@router.get("/reviews")
def reviews(p: PageDep) -> Response:
    def show() -> Response:
        base = _base(p, "reviews")
        every = uc.list_reviews(p.ctx).reviews
        return render(
            p,
            "console_reviews.html",
            **base,
            open=[r for r in every if r.status == "open"],
            decided=[r for r in every if r.status != "open"][-50:],
        )

    return guarded(p, None, show)


@router.post("/reviews/{review_id}/decision")
async def decide(review_id: int, request: Request, p: PageDep) -> Response:
    form = await form_of(request)

    def act() -> Response:
        who = p.require(ACT)
        p.check_csrf(form)
        r = uc.decide_review(
            p.ctx,
            review_id,
            form.get("outcome", ""),
            form.get("reasons", "").strip(),
            actor=who.name,
        )
        return redirect(p, "/console/reviews", f"Review {review_id} answered: {r.status}.")

    return guarded(p, "/console/reviews", act)


@router.get("/sources")
def sources(p: PageDep) -> Response:
    """Sources, their alerts with evidence, dispute and overturn rates, bursts, API keys."""

    def show() -> Response:
        base = _base(p, "sources")
        return render(
            p,
            "console_sources.html",
            **base,
            sources=uc.sources(p.ctx).sources,
            stats=uc.dispute_stats(p.ctx).sources,
            bursts=uc.find_bursts(p.ctx, days=7),
            accountability=uc.source_report(p.ctx),
            keys=uc.list_keys(p.ctx).keys,
            roles=uc.KEY_ROLES,
        )

    return guarded(p, None, show)


@router.post("/bursts/release")
async def release(request: Request, p: PageDep) -> Response:
    form = await form_of(request)

    def act() -> Response:
        p.require(ACT)
        p.check_csrf(form)
        out = uc.release_burst(p.ctx, form.get("ref", ""))
        return redirect(p, "/console/sources", f"Burst {out.ref} released: {out.events} events.")

    return guarded(p, "/console/sources", act)


@router.post("/keys")
async def create_key(request: Request, p: PageDep) -> Response:
    form = await form_of(request)

    def act() -> Response:
        who = p.require(ACT)
        p.check_csrf(form)
        issued = uc.create_key(
            p.ctx,
            name=form.get("name", "").strip(),
            role=form.get("role", ""),
            source=form.get("source") or None,
            actor=who.name,
        )
        # the token is shown once, on this response only (never stored, never redirected)
        return render(p, "console_key.html", section="sources", can_act=True, issued=issued)

    return guarded(p, "/console/sources", act)


@router.post("/keys/{key_id}/revocation")
async def revoke_key(key_id: str, request: Request, p: PageDep) -> Response:
    form = await form_of(request)

    def act() -> Response:
        who = p.require(ACT)
        p.check_csrf(form)
        k = uc.revoke_key(p.ctx, key_id, actor=who.name)
        return redirect(p, "/console/sources", f"Key {k.key_id} ({k.name}) revoked.")

    return guarded(p, "/console/sources", act)


@router.get("/model")
def model(p: PageDep) -> Response:
    """What scores are made of: the tiers, perks and sources the policy declares."""

    def show() -> Response:
        base = _base(p, "model")
        return render(
            p,
            "console_model.html",
            **base,
            catalogue=uc.tiers(p.ctx),
            actions=uc.what_if_actions(p.ctx).actions,
            policy=p.ctx.policy,
        )

    return guarded(p, None, show)
