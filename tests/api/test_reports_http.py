"""The red-team and fairness reports over HTTP: an operator starts a run (202), the
result is stored in the audit chain, the operator and auditors read the newest one."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from glasscredit import app as uc
from glasscredit.api._jobs import Jobs
from glasscredit.exceptions import ConflictError
from tests.api.conftest import Service


def _await(service: Service, path: str, timeout_s: float = 180.0) -> httpx.Response:
    """Poll a stored report until the job has stored it (404 until then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        res = service.client.get(path, headers=service.headers("auditor"))
        if res.status_code != 404 or time.monotonic() > deadline:
            return res
        time.sleep(0.05)  # a poll interval


def test_a_red_team_run_is_stored_and_read(service: Service) -> None:
    assert _await(service, "/v1/red-team", timeout_s=0).status_code == 404
    started = service.client.post(
        "/v1/red-team", json={"honest": 100, "seed": 3}, headers=service.headers("operator")
    )
    assert started.status_code == 202 and started.json()["result"] == "/v1/red-team"
    got = _await(service, "/v1/red-team")
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["honest"], body["seed"], body["by"]) == (100, 3, "operator:operator-key")
    assert body["result"]["attacks"] and body["result"]["n_honest"] == 100
    with service.context() as ctx:
        assert uc.verify_audit(ctx).ok
        (row,) = ctx.ledger.audit.entries(action=uc.REPORT_ACTIONS["red_team"])
        assert row.seq == body["audit_seq"]


def test_a_fairness_audit_keeps_only_aggregates(service: Service) -> None:
    groups = [{"subject": "alice", "group": "a"}, {"subject": "bob", "group": "b"}]
    h = service.headers("operator")
    bad = service.client.post(
        "/v1/fairness",
        json={
            "groups": groups,
            "protected": ["sex"],
            "cutoff": 500,
            "since": "2026-01-01T00:00:00Z",
        },
        headers=h,
    )
    assert bad.status_code == 422 and "groups.sex" in bad.text and "column_present" in bad.text
    started = service.client.post(
        "/v1/fairness",
        json={
            "groups": groups,
            "protected": ["group"],
            "cutoff": 500,
            "since": "2026-01-01T00:00:00Z",
            "min_group_size": 1,
        },
        headers=h,
    )
    assert started.status_code == 202, started.text
    got = _await(service, "/v1/fairness")
    assert got.status_code == 200, got.text
    result = got.json()["result"]
    assert result["attributes"] == ["group"] and result["matched_subjects"] == 2
    assert result["months"]
    with service.context() as ctx:
        (row,) = ctx.ledger.audit.entries(action=uc.REPORT_ACTIONS["fairness"])
    stored = json.dumps(row.details)
    assert "alice" not in stored and "bob" not in stored  # never a subject's attribute


def test_one_run_of_a_kind_at_a_time() -> None:
    jobs = Jobs()
    gate = threading.Event()
    try:
        jobs.start("red_team", gate.wait)
        assert jobs.running("red_team")
        with pytest.raises(ConflictError, match=r"\[running\]"):
            jobs.start("red_team", gate.wait)
        jobs.start("fairness", lambda: None)  # another kind queues behind it
    finally:
        gate.set()
        jobs.close()
    assert not jobs.running("red_team")
