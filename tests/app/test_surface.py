"""The application layer's surface is typed all the way down: what the REST service
publishes as its schema is exactly what the CLI prints with ``--json``."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

import pytest
from pydantic import JsonValue

from glasscredit import app

EXPORTED = [getattr(app, n) for n in app.__all__]
MODELS = [x for x in EXPORTED if inspect.isclass(x) and issubclass(x, app.AppModel)]
FUNCTIONS = [x for x in EXPORTED if inspect.isfunction(x)]


def _has_any(tp: object) -> bool:
    if tp is Any:
        return True
    if tp is JsonValue:  # a recursive alias of JSON's own types
        return False
    if isinstance(tp, list):
        return any(_has_any(t) for t in tp)
    return any(_has_any(t) for t in typing.get_args(tp))


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_use_cases_are_annotated_without_any(fn: Any) -> None:
    hints = typing.get_type_hints(fn, include_extras=False)
    params = [p for p in inspect.signature(fn).parameters if p not in ("self", "cls")]
    assert set(params) | {"return"} == set(hints), f"{fn.__name__} has unannotated parts"
    loose = [k for k, t in hints.items() if _has_any(t)]
    assert not loose, f"{fn.__name__}: {loose} typed with Any"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_results_are_frozen_explicit_and_publishable(model: type[app.AppModel]) -> None:
    assert model.model_config.get("frozen") and model.model_config.get("extra") == "forbid"
    loose = [k for k, f in model.model_fields.items() if _has_any(f.annotation)]
    assert not loose, f"{model.__name__}: {loose} typed with Any"
    schema = model.model_json_schema()  # what an OpenAPI document would carry
    assert schema["type"] == "object" and set(schema["properties"]) == set(model.model_fields)
    json.dumps(schema)


def test_every_use_case_is_exported() -> None:
    # the functions the brief lists, one per use case, are all exported
    wanted = {
        "init_ledger", "ingest_file", "ingest_records", "events_of", "score", "explain",
        "what_if", "what_if_actions", "next_tier", "history", "verify_score", "verify_audit",
        "compute_trust", "compute_reports", "explain_reports", "find_bursts", "release_burst",
        "open_dispute", "resolve_dispute", "list_disputes", "dispute_stats", "expire_disputes",
        "export_subject", "verify_export_file", "verify_export_document", "erase_subject",
        "monitor", "demo", "red_team", "train_model", "evaluate_model", "audit_model",
        "export_model", "model_card",
    }  # fmt: skip
    assert wanted <= {f.__name__ for f in FUNCTIONS}
