"""Errors as RFC 9457 problem details, mapped from the one error tree in one place.

Every :class:`~glasscredit.exceptions.GlasscreditError` becomes an
``application/problem+json`` response whose status comes from :data:`STATUS` (the first
class in the error's MRO that is listed), and whose ``errors`` name each broken rule's
field and rule. FastAPI's own request validation and HTTP errors take the same shape;
anything else is a 500 whose detail says nothing of the internals (it is logged).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from glasscredit.api._observe import request_id
from glasscredit.api._ratelimit import RateLimited
from glasscredit.exceptions import (
    AccessDeniedError,
    AuditChainError,
    AuthenticationError,
    ConflictError,
    FieldError,
    GlasscreditError,
    IngestFileError,
    LedgerError,
    ModelError,
    NotFoundError,
    PolicyError,
    ValidationError,
)

__all__ = ["PROBLEM_RESPONSES", "STATUS", "Problem", "ProblemError", "install_problem_handlers"]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"

#: the one mapping from the error tree to HTTP statuses (most specific class first)
STATUS: dict[type[GlasscreditError], int] = {
    RateLimited: 429,
    AuthenticationError: 401,
    AccessDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    IngestFileError: 422,
    ValidationError: 422,
    PolicyError: 422,
    ModelError: 422,
    AuditChainError: 500,
    LedgerError: 503,
    GlasscreditError: 400,
}


class ProblemError(BaseModel):
    field: str
    rule: str
    message: str
    row: int | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with the broken rules and the request id."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[ProblemError] = []


#: the problem responses every route documents (the schema schemathesis checks against)
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": text}
    for code, text in (
        (401, "No valid credential"),
        (403, "The caller may not do this"),
        (404, "Not found"),
        (409, "Conflicts with what is recorded"),
        (422, "A rule of the input is broken"),
        (429, "Too many requests for this key"),
    )
}


def status_of(exc: GlasscreditError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _slug(name: str) -> str:
    out = "".join("-" + c.lower() if c.isupper() else c for c in name).strip("-")
    return out.removesuffix("-error")


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"urn:glasscredit:problem:{_slug(title)}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id(),
        errors=[
            ProblemError(field=e.field, rule=e.rule, message=e.message, row=e.row)
            for e in errors or []
        ],
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def _field_errors(exc: GlasscreditError) -> list[FieldError]:
    if isinstance(exc, ValidationError | PolicyError):
        return exc.errors
    # messages of the tree end in "field: ... [rule]": the one field and rule they name
    text = str(exc)
    field, _, rest = text.partition(": ")
    rule = rest.rsplit("[", 1)[-1].rstrip("]") if rest.endswith("]") else ""
    return [FieldError(field, rule, text)] if rule and " " not in field else []


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GlasscreditError)
        status = status_of(exc)
        if status >= 500:
            log.error("request failed: %s", type(exc).__name__, exc_info=exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": exc.retry_after}
        return problem(
            request, status, type(exc).__name__, str(exc), _field_errors(exc), headers=headers
        )

    async def on_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]), str(e["type"]), str(e["msg"]))
            for e in exc.errors()
        ]
        detail = "; ".join(str(e) for e in errors)
        return problem(request, 422, "ValidationError", detail, errors)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers) if exc.headers else None
        return problem(request, exc.status_code, "HTTPError", str(exc.detail), headers=headers)

    async def on_any(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return problem(request, 500, "InternalError", "an internal error; see the request id")

    app.add_exception_handler(GlasscreditError, on_domain)
    app.add_exception_handler(RequestValidationError, on_request)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_any)
