"""schemathesis against the published OpenAPI schema: no 5xx, responses match the schema.

Every operation (the matrix's route list, itself checked against the schema) gets a
bounded number of generated requests (hypothesis, derandomized), sent as the operator
(who may call almost everything) to one service over a real SQLite ledger holding two
scored subjects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Service, service_settings, start_service
from tests.api.test_authorization_matrix import EXPECTED
from tests.conftest import FakeClock


@schemathesis.serializer("application/x-ndjson")
def json_lines(ctx: Any, value: Any) -> bytes:
    """A generated JSON Lines body (the schema says: a string of lines) sent as it is."""
    data = value if isinstance(value, str) else json.dumps(value)
    return data.encode("utf-8", "surrogatepass")


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("schema")
    yield from start_service(service_settings(f"sqlite:///{tmp / 'l.db'}", tmp), FakeClock())


@pytest.fixture(scope="module")
def api_schema(svc: Service) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", svc.client.app)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]} {k[1]}")
def test_operation_matches_its_schema(svc: Service, api_schema: Any, key: tuple[str, str]) -> None:
    method, path = key
    operation = api_schema[path][method]
    headers = svc.headers("operator")

    @given(case=operation.as_strategy())
    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
