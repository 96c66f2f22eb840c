"""The person's own page: score, factors, history, what-if, events, disputes, rights.

Only the subject signed in with their own token reaches ``/people/{subject}``: the
access rule is the API's (:func:`glasscredit.app.authorize` with ``subject_file``), so
a changed URL is refused the way ``/v1/subjects/{other}/...`` is. Every action is a
plain form (readable and usable without JavaScript) posted with a CSRF token; each
calls one use case and comes back to the page, which shows the effect at once.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from glasscredit import app as uc
from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.web._core import Page, form_of, fragment, guarded, page, redirect, render

__all__ = ["WHAT_IS_WRONG", "router"]

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
Subject = Annotated[str, Path(min_length=1, max_length=64)]
DisputeId = Annotated[int, Path(ge=1, le=2**62)]
EventId = Annotated[str, Path(min_length=1, max_length=128)]
#: the person's page: a subject, their own file only
OWN_FILE = uc.AccessRule(roles=("subject",), subject_file=True)
#: what the person may say is wrong with a record (the reason starts with it)
WHAT_IS_WRONG = {
    "not_mine": "This is not mine",
    "wrong_details": "The amount, date or details are wrong (correction)",
    "paid": "I paid, or it was settled",
    "other": "Something else",
}
MAX_MONTHS = 24


def _home(subject: str, anchor: str = "") -> str:
    return f"/people/{quote(subject, safe='')}" + (f"#{anchor}" if anchor else "")


def _actions(request: Request, offered: list[uc.WhatIfAction]) -> dict[str, int]:
    """The what-if's chosen actions from the query (``pay_on_time=6``), 0..24 each."""
    chosen: dict[str, int] = {}
    errors = []
    for a in offered:
        raw = request.query_params.get(a.name, "").strip()
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not 0 <= int(raw) <= MAX_MONTHS:
            errors.append(FieldError(a.name, "months", f"a whole number from 0 to {MAX_MONTHS}"))
        elif int(raw) > 0:
            chosen[a.name] = int(raw)
    if errors:
        raise ValidationError(errors)
    return chosen


def _what_if(p: Page, subject: str) -> dict[str, Any]:
    offered = uc.what_if_actions(p.ctx).actions
    chosen = _actions(p.request, offered)
    result = uc.what_if(p.ctx, subject, actions=chosen) if chosen else None
    return {"offered": offered, "chosen": chosen, "result": result, "max_months": MAX_MONTHS}


def person_view(p: Page, subject: str) -> dict[str, Any]:
    """Everything the person's page shows, each part from one use case."""
    ctx = p.ctx
    try:
        exp = uc.explain(ctx, subject)
    except NotFoundError:
        exp = None
    catalogue = uc.tiers(ctx)
    hist = uc.history(ctx, subject) if exp is not None else uc.ScoreHistory(scores=[], notices=[])
    events = uc.events_of(ctx, subject).events if exp is not None else []
    disputes = uc.list_disputes(ctx, subject=subject).disputes
    by_event: dict[str, uc.DisputeView] = {}
    for d in disputes:  # newest last: the latest dispute on an event is the one shown
        if d.event_id is not None:
            by_event[d.event_id] = d
    dims = dict(ctx.policy.dimensions)
    labels = {name: d.label for name, d in dims.items()}
    return {
        "subject": subject,
        "exp": exp,
        "catalogue": catalogue,
        "tier_bands": [(t.name, t.min, t.max) for t in catalogue.tiers],
        "dimension_labels": labels,
        "dim_items": [
            (labels.get(name, name), d.percent, "")
            for name, d in (exp.dimensions.items() if exp is not None else [])
        ],
        "dimension_notes": {name: d.description for name, d in dims.items()},
        "history": hist,
        "history_points": [(uc.parse_time(s.as_of), s.score, s.as_of) for s in hist.scores],
        "next": uc.next_tier(ctx, subject) if exp is not None else None,
        "events": list(reversed(events)),
        "disputes": list(reversed(disputes)),
        "dispute_of": by_event,
        "reviews": uc.list_reviews(ctx, subject=subject).reviews,
        "statement": uc.person_statement(ctx, subject),
        "inquiries": list(reversed(uc.inquiries(ctx, subject).reads)),
        "notices": uc.adverse_notices(ctx, subject).notices,
        "whatif": _what_if(p, subject),
    }


@router.get("/me")
def me(p: PageDep) -> Response:
    """Where a signed-in person's own page is."""
    if p.who is None or p.who.subject is None:
        return redirect(p, "/signin")
    return redirect(p, _home(p.who.subject))


@router.get("/people/{subject}")
def person(subject: Subject, p: PageDep) -> Response:
    def show() -> Response:
        p.require(OWN_FILE, subject)
        return render(p, "person.html", **person_view(p, subject))

    return guarded(p, None, show)


@router.get("/people/{subject}/what-if")
def what_if_panel(subject: Subject, p: PageDep) -> Response:
    """The what-if panel alone: the page's script swaps it in as the person chooses."""

    def show() -> Response:
        p.require(OWN_FILE, subject)
        return fragment("_whatif.html", subject=subject, whatif=_what_if(p, subject))

    return guarded(p, None, show)


@router.get("/people/{subject}/events/{event_id}/dispute")
def dispute_form(subject: Subject, event_id: EventId, p: PageDep) -> Response:
    """One record and the form that disputes (or asks to correct) it."""

    def show() -> Response:
        p.require(OWN_FILE, subject)
        found = [e for e in uc.events_of(p.ctx, subject).events if e.event_id == event_id]
        if not found:
            raise NotFoundError(f"event_id: {event_id!r} is not one of your records [exists]")
        return render(
            p, "dispute.html", subject=subject, event=found[0], what_is_wrong=WHAT_IS_WRONG
        )

    return guarded(p, None, show)


@router.get("/people/{subject}/export.json")
def export(subject: Subject, p: PageDep) -> Response:
    """Download my data: the signed access export (verifiable offline) and who read it."""

    def download() -> Response:
        p.require(OWN_FILE, subject)
        data = uc.export_file(p.ctx, subject).as_json()
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in subject)
        return Response(
            json.dumps(data, indent=2, sort_keys=True),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="glasscredit-{name}.json"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return guarded(p, None, download)


@router.post("/people/{subject}/disputes")
async def open_dispute(subject: Subject, request: Request, p: PageDep) -> Response:
    """Dispute (or ask to correct) one of the person's records: it stops counting at once."""
    form = await form_of(request)

    def act() -> Response:
        who = p.require(OWN_FILE, subject)
        p.check_csrf(form)
        what = WHAT_IS_WRONG.get(form.get("what", ""))
        details = form.get("details", "").strip()
        if what is None:
            raise ValidationError(
                [FieldError("what", "choice", f"one of {', '.join(WHAT_IS_WRONG)}")]
            )
        reason = f"{what}: {details}" if details else what
        out = uc.open_dispute(p.ctx, subject, form.get("event_id", ""), reason, actor=who.name)
        moved = (
            f" Your score went from {out.score_before} to {out.score_after}."
            if out.score_before is not None and out.score_before != out.score_after
            else f" Your score is {out.score_after}."
        )
        return redirect(
            p,
            _home(subject, "disputes"),
            f"Dispute {out.dispute.dispute_id} opened: the record stops counting while it is "
            f"looked into (answer by {out.dispute.deadline[:10]}).{moved}",
        )

    return guarded(p, _home(subject, "events"), act)


@router.post("/people/{subject}/disputes/{dispute_id}/information")
async def add_information(
    subject: Subject, dispute_id: DisputeId, request: Request, p: PageDep
) -> Response:
    """New information on an open dispute: its deadline moves by the extension, once."""
    form = await form_of(request)

    def act() -> Response:
        who = p.require(OWN_FILE, subject)
        p.check_csrf(form)
        d = uc.add_dispute_information(
            p.ctx,
            dispute_id,
            form.get("information", "").strip(),
            subject=subject,
            actor=who.name,
        )
        return redirect(
            p,
            _home(subject, "disputes"),
            f"Added to dispute {d.dispute_id}: it is now answered by {d.deadline[:10]}.",
        )

    return guarded(p, _home(subject, "disputes"), act)


@router.post("/people/{subject}/reviews")
async def ask_review(subject: Subject, request: Request, p: PageDep) -> Response:
    """Ask that a person, not the program, review a decision (GDPR Art. 22(3))."""
    form = await form_of(request)

    def act() -> Response:
        who = p.require(OWN_FILE, subject)
        p.check_csrf(form)
        r = uc.request_review(
            p.ctx,
            subject,
            form.get("kind", ""),
            form.get("about", "").strip(),
            form.get("point_of_view", "").strip(),
            actor=who.name,
        )
        return redirect(
            p,
            _home(subject, "reviews"),
            f"Review {r.review_id} requested: a person will answer by {r.deadline[:10]}.",
        )

    return guarded(p, _home(subject, "reviews"), act)


@router.post("/people/{subject}/statement")
async def statement(subject: Subject, request: Request, p: PageDep) -> Response:
    """Attach, replace or withdraw the person's own statement."""
    form = await form_of(request)

    def act() -> Response:
        who = p.require(OWN_FILE, subject)
        p.check_csrf(form)
        if form.get("withdraw") == "1":
            uc.remove_statement(p.ctx, subject, actor=who.name)
            return redirect(p, _home(subject, "statement"), "Your statement was withdrawn.")
        uc.set_statement(p.ctx, subject, form.get("text", "").strip(), actor=who.name)
        return redirect(
            p, _home(subject, "statement"), "Your statement is saved: it goes with every score."
        )

    return guarded(p, _home(subject, "statement"), act)
