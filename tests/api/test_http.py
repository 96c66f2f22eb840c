"""The HTTP surface: problem details, request ids, logs, metrics, health, versioned paths."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from glasscredit.api import STATUS, JsonFormatter
from glasscredit.exceptions import GlasscreditError
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock


def test_every_error_class_has_a_status() -> None:
    """A new error class gets a status by its place in the tree (or a line in STATUS)."""

    def subclasses(cls: type) -> set[type]:
        out = set(cls.__subclasses__())
        return out.union(*(subclasses(c) for c in out)) if out else out

    for cls in subclasses(GlasscreditError):  # mapped by itself or an ancestor below the root
        assert any(c in STATUS for c in cls.__mro__[: cls.__mro__.index(GlasscreditError)]), cls


def test_problem_details_name_field_and_rule(sqlite_service: Service) -> None:
    c, op = sqlite_service.client, sqlite_service.headers("operator")
    res = c.post("/v1/keys", headers=op, json={"name": "", "role": "king"})
    assert res.status_code == 422
    assert res.headers["content-type"] == "application/problem+json"
    body = res.json()
    assert body["status"] == 422 and body["instance"] == "/v1/keys"
    assert {e["field"] for e in body["errors"]} == {"body.name", "body.role"}
    assert body["request_id"] == res.headers["x-request-id"]
    domain = c.post("/v1/keys", headers=op, json={"name": "x", "role": "source", "source": "nope"})
    assert domain.status_code == 422
    assert domain.json()["errors"][0] == {
        "field": "source",
        "rule": "declared_source",
        "message": domain.json()["errors"][0]["message"],
        "row": None,
    }
    bad_time = c.get("/v1/subjects/alice/explanation", headers=op, params={"as_of": "yesterday"})
    assert bad_time.status_code == 422 and bad_time.json()["errors"][0]["field"] == "as_of"
    assert c.get("/v2/tiers", headers=op).status_code == 404
    assert c.get("/v2/tiers", headers=op).headers["content-type"] == "application/problem+json"


def test_request_ids_are_echoed_or_made(sqlite_service: Service) -> None:
    c = sqlite_service.client
    assert c.get("/v1/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == (
        "abc-123"
    )
    made = c.get("/v1/health", headers={"X-Request-ID": "no spaces\nallowed"})
    assert made.headers["x-request-id"] != "no spaces\nallowed"
    assert len(made.headers["x-request-id"]) == 32


def test_access_log_is_structured(
    sqlite_service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="glasscredit.api.access"):
        sqlite_service.client.get(
            "/v1/subjects/alice/score",
            headers={**sqlite_service.headers("alice"), "X-Request-ID": "r-1"},
        )
    rec = next(r for r in caplog.records if r.name == "glasscredit.api.access")
    line = json.loads(JsonFormatter().format(rec))
    assert line["request_id"] == "r-1" and line["status"] == 200
    assert line["route"] == "/v1/subjects/{subject}/score"  # the template: no subject id
    assert "alice" not in json.dumps(line)


def test_health_ready_metrics_and_schema(sqlite_service: Service) -> None:
    c = sqlite_service.client
    assert c.get("/v1/health").json() == {"status": "ok"}
    ready = c.get("/v1/ready").json()
    assert ready["ready"] and ready["dialect"] == "sqlite"
    c.get("/v1/tiers", headers=sqlite_service.headers("alice"))
    text = c.get("/metrics").text
    assert 'glasscredit_http_requests_total{method="GET",route="/v1/tiers",status="200"}' in text
    assert "glasscredit_http_request_duration_seconds_bucket" in text
    schema = c.get("/openapi.json").json()
    paths = schema["paths"]
    assert all(p.startswith("/v1/") for p in paths)
    score = paths["/v1/subjects/{subject}/score"]["get"]
    assert score["x-access"]["reads"] == "score"
    assert "application/problem+json" in score["responses"]["403"]["content"]


def test_ready_is_503_when_the_database_does_not_answer(tmp_path: Path, clock: FakeClock) -> None:
    where = tmp_path / "db"
    where.mkdir()
    for svc in start_service(service_settings(f"sqlite:///{where / 'l.db'}", tmp_path), clock):
        assert svc.client.get("/v1/ready").status_code == 200
        shutil.rmtree(where)
        res = svc.client.get("/v1/ready")
        assert res.status_code == 503, res.text
        assert res.json()["errors"][0] == {
            "field": "database",
            "rule": "reachable",
            "message": res.json()["errors"][0]["message"],
            "row": None,
        }
        assert svc.client.get("/v1/health").status_code == 200  # the process is still up
