"""What every page shares: the signed-in caller, CSRF tokens, flash messages, rendering.

A page signs in exactly who the API would: the cookie holds the bearer token the person
or the operator pasted (a subject's short-lived signed token, or an API key), and every
request hands it to :meth:`WebServices.identify`, the API's own check, then applies an
:class:`~glasscredit.app.AccessRule` with :func:`glasscredit.app.authorize`. The cookie
is ``HttpOnly`` and ``SameSite=Strict``; every form that changes something also carries
a CSRF token (an HMAC of the session token under the service's secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from glasscredit import app as uc
from glasscredit.exceptions import (
    AccessDeniedError,
    AuthenticationError,
    ConflictError,
    FieldError,
    GlasscreditError,
    LedgerError,
    NotFoundError,
    ValidationError,
)
from glasscredit.web import _charts

__all__ = [
    "SESSION_COOKIE",
    "Page",
    "WebServices",
    "csrf_token",
    "form_of",
    "page",
    "redirect",
    "render",
    "status_of",
]

SESSION_COOKIE = "gc_session"
FLASH_COOKIE = "gc_flash"
MAX_FORM_BYTES = 16_384
HERE = Path(__file__).parent
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(charts=_charts)
_env.filters["when"] = _charts.when
_env.filters["label"] = _charts.label

#: the page's security headers: nothing from elsewhere, no framing, no inline script
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class WebServices(Protocol):
    """What the pages need from the service that serves them (the API's ``Services``)."""

    def context(self) -> AbstractContextManager[uc.Context]: ...

    def identify(self, ctx: uc.Context, token: str) -> uc.Principal: ...


@dataclass
class Page:
    """A request to a page: the context, who signed in (if anyone), their session token."""

    request: Request
    ctx: uc.Context
    who: uc.Principal | None
    token: str | None

    def require(self, rule: uc.AccessRule, subject: str | None = None) -> uc.Principal:
        """The signed-in caller, authorised by ``rule`` as the API would authorise them."""
        if self.who is None:
            raise AuthenticationError("session: sign in first [signed_in]")
        uc.authorize(self.ctx, self.who, rule, subject=subject)
        return self.who

    def check_csrf(self, form: Mapping[str, str]) -> None:
        """A changing form must carry this session's CSRF token."""
        expected = csrf_token(self.ctx, self.token or "")
        if not hmac.compare_digest(form.get("csrf", ""), expected):
            raise AccessDeniedError("csrf: the form is stale or not from this site [csrf]")


def csrf_token(ctx: uc.Context, session: str) -> str:
    """The CSRF token of a session: bound to it, unguessable without the secret."""
    mac = hmac.new(ctx.settings.key_secret(), b"csrf\0" + session.encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def _flash_mac(ctx: uc.Context, text: str) -> str:
    mac = hmac.new(ctx.settings.key_secret(), b"flash\0" + text.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def page(request: Request) -> Iterator[Page]:
    """The dependency of every page: a context over the shared ledger and the caller.

    A cookie whose token no longer authenticates (expired, revoked) leaves the caller
    signed out; the page then asks them to sign in again.
    """
    svc: WebServices = request.app.state.services
    token = request.cookies.get(SESSION_COOKIE)
    with svc.context() as ctx:
        who = None
        if token:
            try:
                who = svc.identify(ctx, token)
            except AuthenticationError:
                token = None
        yield Page(request, ctx, who, token)


async def form_of(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (16 KiB at most), last value wins."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if ctype != "application/x-www-form-urlencoded":
        raise ValidationError(
            [FieldError("content-type", "form", "send application/x-www-form-urlencoded")]
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ValidationError([FieldError("body", "size", f"at most {MAX_FORM_BYTES} bytes")])
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise ValidationError([FieldError("body", "encoding", "not UTF-8")]) from exc
    return dict(pairs)


def _flash_of(p: Page) -> str | None:
    raw = p.request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    data, mac = raw.rsplit(".", 1)
    try:
        text = base64.urlsafe_b64decode(data.encode()).decode("utf-8")
    except ValueError:
        return None
    return text if hmac.compare_digest(mac, _flash_mac(p.ctx, text)) else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def render(p: Page, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A page from its template, with the caller, the CSRF token and any flash message."""
    flash = _flash_of(p)
    html = _env.get_template(template).render(
        who=p.who,
        csrf=csrf_token(p.ctx, p.token) if p.token else "",
        flash=flash,
        **values,
    )
    resp = HTMLResponse(html, status_code=status, headers=HEADERS)
    if flash is not None:
        resp.delete_cookie(FLASH_COOKIE, path="/")
    return resp


def fragment(template: str, **values: Any) -> HTMLResponse:
    """Part of a page (what the what-if panel's script swaps in)."""
    return HTMLResponse(_env.get_template(template).render(**values), headers=HEADERS)


def redirect(p: Page, to: str, flash: str | None = None) -> RedirectResponse:
    """303 to ``to`` (a path on this site), with a message for the next page."""
    resp = RedirectResponse(to, status_code=303, headers=HEADERS)
    if flash is not None:
        data = base64.urlsafe_b64encode(flash.encode()).decode()
        resp.set_cookie(
            FLASH_COOKIE,
            f"{data}.{_flash_mac(p.ctx, flash)}",
            httponly=True,
            samesite="strict",
            secure=_secure(p.request),
            path="/",
        )
    return resp


def sign_in_cookie(resp: Response, request: Request, token: str) -> None:
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


#: the status of each error on a page (the API's mapping, for the few a page can meet)
_STATUS: tuple[tuple[type[GlasscreditError], int], ...] = (
    (AuthenticationError, 401),
    (AccessDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
    (LedgerError, 503),
    (GlasscreditError, 400),
)


def status_of(exc: GlasscreditError) -> int:
    return next(code for cls, code in _STATUS if isinstance(exc, cls))


def guarded(p: Page, back: str | None, action: Callable[[], Response]) -> Response:
    """Run a page's action; a domain error becomes a page that says what went wrong.

    A refused form goes back to ``back`` with the broken rules as its message; anything
    else is an error page with the status the API would give.
    """
    try:
        return action()
    except AuthenticationError:
        return redirect(p, "/signin", "Please sign in (again).")
    except GlasscreditError as exc:
        if back is not None and isinstance(exc, ValidationError | ConflictError | NotFoundError):
            return redirect(p, back, f"Not done: {exc}")
        return render(p, "error.html", status=status_of(exc), code=status_of(exc), error=exc)
