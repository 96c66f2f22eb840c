"""Request ids, structured access logs and Prometheus metrics.

Each request gets an id (the caller's ``X-Request-ID`` when it is a short token,
otherwise a new one), returned in the response header, put in every problem body and
every log record of the request. The library only calls ``logging.getLogger``; the
``serve`` command installs :class:`JsonFormatter`. Metrics live in a registry per
application, so several apps in one process (the tests) do not collide. Under several
uvicorn workers each process counts only its own requests, so ``serve --workers N``
gives the workers a fresh folder (:data:`MULTIPROC_ENV`, prometheus_client's
multiprocess mode): each writes its counters there, ``/metrics`` sums them all, and
``serve`` removes the folder when it stops.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "MULTIPROC_ENV",
    "JsonFormatter",
    "LagCollector",
    "Metrics",
    "configure_logging",
    "install_observability",
    "multiprocess_dir",
    "request_id",
]

log = logging.getLogger("glasscredit.api.access")
_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


#: the variable prometheus_client reads (at import) to keep metrics in per-process files
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The folder several workers' metrics are kept in (``serve --workers N`` sets it)."""
    return os.environ.get(MULTIPROC_ENV) or None


def request_id() -> str:
    """The id of the request being served (``-`` outside one)."""
    return _REQUEST_ID.get()


class Metrics:
    """The service's metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "glasscredit_http_requests",
            "HTTP requests served, by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "glasscredit_http_request_duration_seconds",
            "Time to serve a request, by route template and method",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )
        self.rate_limited = Counter(
            "glasscredit_rate_limited",
            "Requests refused because their key exceeded its rate",
            registry=self.registry,
        )
        self.file_reads = Counter(
            "glasscredit_file_reads",
            "Reads of a subject's file recorded for the subject, by role",
            ["role"],
            registry=self.registry,
        )


def _route_of(scope: Scope) -> str:
    """The route template (``/v1/subjects/{subject}/score``): bounded label values."""
    return str(getattr(scope.get("route"), "path", "unmatched"))


class _Observe:
    """Plain ASGI middleware (no task per request, unlike ``@app.middleware``): the
    request id, the metrics and the access log of every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        rid = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        token = _REQUEST_ID.set(rid)
        start = time.perf_counter()
        status = 500
        header = (b"x-request-id", rid.encode())

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            took = time.perf_counter() - start
            route, method = _route_of(scope), scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(took)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "request_id": rid,
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(took * 1000, 3),
                    },
                )
            _REQUEST_ID.reset(token)


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    app.add_middleware(_Observe, metrics=metrics)


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id()),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the ``serve`` command (a front door; never at import)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class LagCollector:
    """How far behind the stored scores' inputs are (``app.input_lag``), read at scrape
    time at most every ``every_s`` seconds (the stale-subject count scans the cursor)."""

    def __init__(self, lag: Callable[[], Any], every_s: float = 10.0) -> None:
        self._lag = lag
        self._every_s = every_s
        self._at = -every_s
        self._last: Any = None

    def collect(self) -> Iterator[Metric]:
        now = time.monotonic()
        if self._last is None or now - self._at >= self._every_s:
            try:
                self._last = self._lag()
            except Exception:  # a scrape never fails the service; the log says why
                logging.getLogger(__name__).exception("input lag could not be read")
            self._at = now
        lag = self._last
        if lag is None:
            return
        age = GaugeMetricFamily(
            "glasscredit_snapshot_age_seconds",
            "Age of the newest trust or reports snapshot scores read",
            labels=["kind"],
        )
        for kind, seconds in sorted(lag.snapshot_age_s.items()):
            if seconds is not None:
                age.add_metric([kind], seconds)
        yield age
        yield GaugeMetricFamily(
            "glasscredit_refresh_overdue_seconds",
            "How far the policy's trust and reports schedule is overdue",
            value=lag.refresh_overdue_s,
        )
        yield GaugeMetricFamily(
            "glasscredit_stale_subjects",
            "Subjects whose stored score has not seen their newest events",
            value=lag.stale_subjects,
        )
