"""The FastAPI application: routers, problem details, observability, health and metrics."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from glasscredit import app as uc
from glasscredit.api import (
    _routes_corrections,
    _routes_disputes,
    _routes_ops,
    _routes_reports,
    _routes_rights2,
    _routes_sources,
    _routes_subjects,
)
from glasscredit.api._deps import ContextDep, Services
from glasscredit.api._observe import LagCollector, install_observability, multiprocess_dir
from glasscredit.api._problems import PROBLEM_RESPONSES, install_problem_handlers
from glasscredit.api._quick_lane import QuickLane
from glasscredit.api._routing import public
from glasscredit.app import Clock
from glasscredit.config import Settings, load_settings, system_clock
from glasscredit.web import install_pages

__all__ = ["API_VERSION", "create_app", "create_app_from_env"]

API_VERSION = "1.0.0"
_health = APIRouter(prefix="/v1", tags=["health"])


class Health(uc.AppModel):
    status: str


@public(_health, "GET", "/health")
def health() -> Health:
    """The process is up (no database touched)."""
    return Health(status="ok")


@public(
    _health, "GET", "/ready", responses={503: PROBLEM_RESPONSES[422] | {"description": "Not ready"}}
)
def ready(ctx: ContextDep) -> uc.Readiness:
    """The database answers and the policy is loaded."""
    return uc.readiness(ctx)


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """The service over the ledger ``settings`` select (the environment's by default)."""
    s = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.services.close()

    api = FastAPI(
        title="glasscredit",
        version=API_VERSION,
        summary="Transparent credit and trust scores: partners report, people see and contest.",
        lifespan=lifespan,
    )
    api.state.services = Services(s, clock)
    install_problem_handlers(api)
    api.add_middleware(QuickLane, api=api)  # inside the observer: ids, metrics, logs apply
    install_observability(api, api.state.services.metrics)
    services = api.state.services
    lag = LagCollector(lambda: uc.input_lag(services.context()))
    services.metrics.registry.register(lag)
    for router in (
        _health,
        _routes_subjects.router,
        _routes_disputes.router,
        _routes_ops.router,
        _routes_sources.router,
        _routes_reports.router,
        _routes_rights2.subject_router,
        _routes_rights2.reviews_router,
        _routes_rights2.disputes_router,
        _routes_corrections.disputes_router,
        _routes_corrections.subject_router,
    ):
        api.include_router(router)

    install_pages(api)  # the person's page and the operator's console (glasscredit.web)

    @api.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """This process's metrics; under several workers, every worker's, summed."""
        reg = request.app.state.services.metrics.registry
        if multiprocess_dir() is not None:  # glasscredit serve --workers N
            reg = CollectorRegistry()
            # the workers' counters and histograms, from their files
            MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
            reg.register(lag)  # read from the database: the same whichever worker answers
        return Response(generate_latest(reg), media_type=CONTENT_TYPE_LATEST)

    return api


def create_app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (``glasscredit serve`` sets the environment)."""
    if os.environ.get("GLASSCREDIT_LOG_JSON") == "1":
        from glasscredit.api._observe import configure_logging

        configure_logging(os.environ.get("GLASSCREDIT_LOG_LEVEL", "INFO"))
    return create_app(load_settings())
