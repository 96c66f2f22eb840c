"""Request ids, structured access logs and Prometheus metrics.

Each request gets an id (the caller's ``X-Request-ID`` when it is a short token,
otherwise a new one), returned in the response header, put in every problem body and
every log record of the request. The library only calls ``logging.getLogger``; the
``serve`` command installs :class:`JsonFormatter`. Metrics live in a registry per
application, so several apps in one process (the tests) do not collide.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

__all__ = [
    "JsonFormatter",
    "LagCollector",
    "Metrics",
    "configure_logging",
    "install_observability",
    "request_id",
]

log = logging.getLogger("glasscredit.api.access")
_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


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


def _route_of(request: Request) -> str:
    """The route template (``/v1/subjects/{subject}/score``): bounded label values."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        rid = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        token = _REQUEST_ID.set(rid)
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            took = time.perf_counter() - start
            route = _route_of(request)
            metrics.requests.labels(request.method, route, str(status)).inc()
            metrics.latency.labels(request.method, route).observe(took)
            log.info(
                "%s %s %d",
                request.method,
                route,
                status,
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(took * 1000, 3),
                },
            )
            _REQUEST_ID.reset(token)


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
