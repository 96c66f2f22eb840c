"""The service's dependencies: one ledger per process, a context and a caller per request.

:class:`Services` is built once by :func:`glasscredit.api.create_app` (settings, policy,
the ledger, the token verifier, the rate limiter, the metrics); a request gets a
:class:`~glasscredit.app.Context` over the shared ledger and, through :func:`access`,
a :class:`Caller`: who is calling, authorised by the route's
:class:`~glasscredit.app.AccessRule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from glasscredit import app as uc
from glasscredit.api._jobs import Jobs
from glasscredit.api._observe import Metrics
from glasscredit.api._ratelimit import RateLimited, RateLimiter
from glasscredit.api._tokens import TokenVerifier
from glasscredit.app import AccessRule, AppModel, Clock, Context, Principal
from glasscredit.config import Settings
from glasscredit.exceptions import AuthenticationError, NotFoundError
from glasscredit.store import Ledger

__all__ = [
    "ROUTE_RULES",
    "SCORE_ROUTE",
    "BearerDep",
    "Caller",
    "CallerDep",
    "ContextDep",
    "PurposeQuery",
    "Services",
    "access",
    "context",
    "read_stored_score",
    "stored_score_body",
]

T = TypeVar("T", bound=AppModel)
#: the route the quick lane (:mod:`._quick_lane`) answers without FastAPI's routing
SCORE_ROUTE = "/v1/subjects/{subject}/score"
#: every route's access rule, by (method, path): the authorisation matrix's source
ROUTE_RULES: dict[tuple[str, str], AccessRule] = {}


class Services:
    """What every request shares: built once per process (per worker)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        settings.key_secret()  # no service without a real secret for its keys
        self.settings = settings
        self.clock = clock
        self.policy = settings.load_policy()
        self.ledger = Ledger(settings.database_url, self.policy, clock=clock)
        self.verifier = TokenVerifier(settings)
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
        self.metrics = Metrics()
        self.quick = uc.QuickService(self.ledger)  # kept read connections, the key cache
        self.inline_reads = self.ledger.adapter.name == "sqlite"  # a local file: microseconds
        self.jobs = Jobs()  # the red team and the fairness audit, one at a time

    def context(self) -> Context:
        return Context(self.settings, self.policy, self.clock, ledger=self.ledger)

    def identify(self, ctx: Context, token: str) -> Principal:
        """Who a bearer token stands for: an API key or a subject's signed token.

        The REST routes and the web pages (:mod:`glasscredit.web`) both call this, so a
        page signs in exactly who the API would, under the same rate limit.
        """
        if token.startswith(uc.KEY_PREFIX + "_"):
            who = self.quick.authenticate_key(ctx, token)
            bucket = f"key:{who.key_id}"
        else:
            subject = self.verifier.subject(token, now_s=ctx.now() // 1_000_000)
            # the name goes into audit rows, which erasure cannot clear: never the subject's id
            who = Principal(role="subject", name="subject", subject=subject)
            bucket = f"subject:{subject}"
        wait = self.limiter.take(bucket)
        if wait > 0:
            self.metrics.rate_limited.inc()
            raise RateLimited(wait)
        return who

    def close(self) -> None:
        self.jobs.close()
        self.quick.close()
        self.ledger.close()


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


ServicesDep = Annotated[Services, Depends(services)]


def context(svc: ServicesDep) -> Iterator[Context]:
    """A context per request over the shared ledger (its scorer closed afterwards)."""
    with svc.context() as ctx:
        yield ctx


ContextDep = Annotated[Context, Depends(context)]
_bearer = HTTPBearer(auto_error=False, description="An API key (gck_...) or a subject token")


def principal(
    svc: ServicesDep,
    ctx: ContextDep,
    cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who is calling: an API key (sources, operators, auditors) or a subject's token."""
    if cred is None or cred.scheme.lower() != "bearer":
        raise AuthenticationError("authorization: send 'Authorization: Bearer ...' [required]")
    return svc.identify(ctx, cred.credentials)


PrincipalDep = Annotated[Principal, Depends(principal)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def read_stored_score(
    request: Request, subject: str, cred: HTTPAuthorizationCredentials | None, purpose: str | None
) -> Response:
    """``GET .../score`` without the dependency chain (:func:`stored_score_body`)."""
    if cred is None or cred.scheme.lower() != "bearer":
        raise AuthenticationError("authorization: send 'Authorization: Bearer ...' [required]")
    svc: Services = request.app.state.services
    body = await stored_score_body(svc, subject, cred.credentials, purpose)
    return Response(body, media_type="application/json")


async def stored_score_body(svc: Services, subject: str, token: str, purpose: str | None) -> bytes:
    """The stored score's JSON for the caller ``token`` stands for, without a scorer: the
    same caller check (:func:`glasscredit.app.authorize` by the route's rule), one indexed
    read on a kept connection, the JSON assembled without pydantic; the read recorded as
    usual. On SQLite the read runs on the event loop (a local page read, microseconds,
    cheaper than a thread hop); on PostgreSQL in the thread pool (a network round trip).
    """
    rule = ROUTE_RULES[("GET", SCORE_ROUTE)]
    ctx = svc.context()
    who = svc.identify(ctx, token)
    why = uc.authorize(ctx, who, rule, subject=subject, purpose=purpose)
    if svc.inline_reads:
        body = svc.quick.stored_score(subject)
    else:
        body = await run_in_threadpool(svc.quick.stored_score, subject)
    if body is None:  # a score from before scores pinned their inputs: the full use case
        body = await run_in_threadpool(_full_score, svc, subject)
    if not body:
        raise NotFoundError(f"subject: {subject!r} has no stored score [scored]")
    if why is not None and rule.reads is not None:
        await run_in_threadpool(uc.record_read, ctx, who, subject, rule.reads, why)
        svc.metrics.file_reads.labels(who.role).inc()
    return body


def _full_score(svc: Services, subject: str) -> bytes:
    with svc.context() as ctx:
        return uc.current_score(ctx, subject).model_dump_json().encode()


class Caller:
    """An authorised caller: the context, who they are, and the read to record (if any)."""

    def __init__(
        self, ctx: Context, who: Principal, rule: AccessRule, purpose: str | None, metrics: Metrics
    ) -> None:
        self.ctx = ctx
        self.who = who
        self.rule = rule
        self.purpose = purpose
        self._metrics = metrics

    def read(self, use_case: Callable[..., T], subject: str, **kwargs: Any) -> T:
        """Run a read of ``subject``'s file; record it for the subject once it succeeded."""
        out = use_case(self.ctx, subject, **kwargs)
        if self.purpose is not None and self.rule.reads is not None:
            uc.record_read(self.ctx, self.who, subject, self.rule.reads, self.purpose)
            self._metrics.file_reads.labels(self.who.role).inc()
        return out


PurposeQuery = Annotated[
    str | None,
    Query(
        description="Permissible purpose of the read (required of sources): "
        + ", ".join(uc.PURPOSES),
        max_length=32,
    ),
]


def access(rule: AccessRule) -> Any:
    """The dependency that authorises a route by ``rule`` (and offers ``purpose`` if it reads).

    It leaves the :class:`Caller` on the request for :data:`CallerDep`; routes declare
    their rule once, through :func:`glasscredit.api._routing.route`.
    """
    if rule.reads is not None:

        def reading(
            request: Request,
            svc: ServicesDep,
            ctx: ContextDep,
            who: PrincipalDep,
            purpose: PurposeQuery = None,
        ) -> None:
            subject = request.path_params.get("subject")
            why = uc.authorize(ctx, who, rule, subject=subject, purpose=purpose)
            request.state.caller = Caller(ctx, who, rule, why, svc.metrics)

        return Depends(reading)

    def acting(request: Request, svc: ServicesDep, ctx: ContextDep, who: PrincipalDep) -> None:
        subject = request.path_params.get("subject")
        uc.authorize(ctx, who, rule, subject=subject)
        request.state.caller = Caller(ctx, who, rule, None, svc.metrics)

    return Depends(acting)


def current_caller(request: Request) -> Caller:
    """The caller the route's access dependency authorised (it runs first)."""
    caller: Caller = request.state.caller
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
