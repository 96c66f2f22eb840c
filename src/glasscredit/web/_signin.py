"""Signing in and out: the person pastes their token, the operator their API key.

The token is checked exactly as the API checks a bearer token; a valid one is kept in
an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` over HTTPS) for this browser
session and checked again on every request, so an expired token or a revoked key signs
the browser out. Sources have no pages: they use the API.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from glasscredit.exceptions import AccessDeniedError, AuthenticationError
from glasscredit.web._core import (
    SESSION_COOKIE,
    Page,
    form_of,
    guarded,
    page,
    redirect,
    render,
    sign_in_cookie,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
MAX_TOKEN = 8192


def _landing(p: Page) -> str:
    assert p.who is not None
    if p.who.role == "subject" and p.who.subject is not None:
        return f"/people/{quote(p.who.subject, safe='')}"
    return "/console"


@router.get("/")
def home(p: PageDep) -> Response:
    return redirect(p, "/signin" if p.who is None else _landing(p))


@router.get("/signin")
def signin_page(p: PageDep) -> Response:
    return render(p, "signin.html", error=None)


@router.post("/signin")
async def signin(request: Request, p: PageDep) -> Response:
    form = await form_of(request)
    token = form.get("token", "").strip()
    svc = request.app.state.services

    def act() -> Response:
        try:
            if not token or len(token) > MAX_TOKEN or not token.isprintable():
                raise AuthenticationError("token: paste the whole token [token]")
            who = svc.identify(p.ctx, token)
        except AuthenticationError:
            return render(
                p,
                "signin.html",
                status=401,
                error="This token or key was not accepted: it may have expired, been revoked, "
                "or been copied in part.",
            )
        if who.role == "source":
            raise AccessDeniedError("role: sources report and read through the API [role]")
        signed = Page(p.request, p.ctx, who, token)
        resp = redirect(signed, _landing(signed))
        sign_in_cookie(resp, request, token)
        return resp

    return guarded(p, None, act)


@router.post("/signout")
async def signout(request: Request, p: PageDep) -> Response:
    """Sign out (the form carries the CSRF token: no other site can sign you out)."""
    form = await form_of(request)

    def act() -> Response:
        if p.token is not None:
            p.check_csrf(form)
        resp = redirect(p, "/signin", "You are signed out.")
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    return guarded(p, None, act)
