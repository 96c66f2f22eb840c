"""The authorisation matrix, generated from the service's route table.

Every route the application serves must appear in :data:`EXPECTED` (a new endpoint
fails :func:`test_every_route_has_an_expectation` until someone decides who may call
it). For every route, every role (operator, auditor, source, subject), the subject's
own file and another's, with and without a permissible purpose, the request is sent
for real: an expected allow never gets 401/403 (it may still be 404 or 422: the use
case ran), an expected deny gets 403 with a problem naming the rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from glasscredit.api import PUBLIC, ROUTE_RULES, create_app
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock, event

ROLES = ("operator", "auditor", "source", "subject")
ALL = "operator auditor source subject"
READERS = "operator auditor"
# "roles | flags": "own" = a subject may name only themselves; "purpose" = a source must
# declare a permissible purpose (and the read is recorded)
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/v1/health"): "public",
    ("GET", "/v1/ready"): "public",
    ("GET", "/v1/subjects/{subject}/score"): f"{ALL} | own purpose",
    ("POST", "/v1/subjects/{subject}/score"): "operator | own",
    ("GET", "/v1/subjects/{subject}/explanation"): f"{ALL} | own purpose",
    ("POST", "/v1/subjects/{subject}/what-if"): "operator auditor subject | own purpose",
    ("GET", "/v1/subjects/{subject}/next-tier"): "operator auditor subject | own purpose",
    ("GET", "/v1/subjects/{subject}/history"): f"{ALL} | own purpose",
    ("GET", "/v1/subjects/{subject}/events"): f"{ALL} | own purpose",
    ("GET", "/v1/subjects/{subject}/export"): "operator auditor subject | own purpose",
    ("GET", "/v1/subjects/{subject}/inquiries"): "operator auditor subject | own",
    ("GET", "/v1/subjects/{subject}/reports"): "operator auditor subject | own purpose",
    ("POST", "/v1/subjects/{subject}/disputes"): "subject operator | own",
    ("DELETE", "/v1/subjects/{subject}"): "operator | own",
    ("POST", "/v1/subjects/{subject}/reviews"): "subject operator | own",
    ("PUT", "/v1/subjects/{subject}/statement"): "subject operator | own",
    ("DELETE", "/v1/subjects/{subject}/statement"): "subject operator | own",
    ("POST", "/v1/subjects/{subject}/adverse-actions"): "operator source | own",
    ("GET", "/v1/subjects/{subject}/adverse-actions"): "operator auditor subject | own",
    ("POST", "/v1/subjects/{subject}/disputes/{dispute_id}/information"): "subject operator | own",
    ("POST", "/v1/disputes/{dispute_id}/response"): "operator source",
    ("POST", "/v1/disputes/{dispute_id}/correction"): "operator source",
    ("GET", "/v1/subjects/{subject}/corrections"): "operator auditor subject | own",
    ("GET", "/v1/reviews"): READERS,
    ("POST", "/v1/reviews/{review_id}/decision"): "operator",
    ("GET", "/v1/disputes"): ALL,
    ("GET", "/v1/disputes/stats"): READERS,
    ("POST", "/v1/disputes/expiry"): "operator",
    ("POST", "/v1/disputes/{dispute_id}/resolution"): "operator",
    ("POST", "/v1/events"): "operator source",
    ("POST", "/v1/events/lines"): "operator source",
    ("POST", "/v1/scores"): "operator",
    ("GET", "/v1/scores/{score_id}/verification"): READERS,
    ("GET", "/v1/tiers"): ALL,
    ("GET", "/v1/what-if/actions"): ALL,
    ("GET", "/v1/sources"): "operator auditor source",
    ("GET", "/v1/sources/accountability"): READERS,
    ("POST", "/v1/sources/accountability"): "operator",
    ("GET", "/v1/probations"): READERS,
    ("POST", "/v1/probations"): "operator",
    ("POST", "/v1/probations/{source}/release"): "operator",
    ("GET", "/v1/backfills"): READERS,
    ("POST", "/v1/backfills"): "operator",
    ("POST", "/v1/trust"): "operator",
    ("POST", "/v1/reports"): "operator",
    ("POST", "/v1/red-team"): "operator",
    ("GET", "/v1/red-team"): READERS,
    ("POST", "/v1/fairness"): "operator",
    ("GET", "/v1/fairness"): READERS,
    ("GET", "/v1/bursts"): READERS,
    ("POST", "/v1/bursts/holds"): "operator",
    ("POST", "/v1/bursts/{ref}/release"): "operator",
    ("GET", "/v1/monitoring"): READERS,
    ("GET", "/v1/ledger"): READERS,
    ("GET", "/v1/audit"): READERS,
    ("POST", "/v1/keys"): "operator",
    ("GET", "/v1/keys"): READERS,
    ("DELETE", "/v1/keys/{key_id}"): "operator",
    ("POST", "/v1/webhooks"): "operator",
    ("GET", "/v1/webhooks"): READERS,
    ("DELETE", "/v1/webhooks/{webhook_id}"): "operator",
    ("GET", "/v1/webhooks/dead-letters"): READERS,
    ("POST", "/v1/webhooks/dead-letters/replay"): "operator",
}

BODIES: dict[tuple[str, str], object] = {
    ("POST", "/v1/subjects/{subject}/score"): {},
    ("POST", "/v1/subjects/{subject}/what-if"): {"actions": {"pay_on_time": 2}},
    ("POST", "/v1/subjects/{subject}/disputes"): {"event_id": "a3", "reason": "not mine"},
    ("POST", "/v1/disputes/{dispute_id}/resolution"): {"outcome": "upheld"},
    ("POST", "/v1/subjects/{subject}/reviews"): {
        "kind": "tier",
        "about": "good",
        "point_of_view": "please look again",
    },
    ("PUT", "/v1/subjects/{subject}/statement"): {"text": "my own words"},
    ("POST", "/v1/subjects/{subject}/disputes/{dispute_id}/information"): {"information": "new"},
    ("POST", "/v1/disputes/{dispute_id}/response"): {"response": "checked", "source": "bank"},
    ("POST", "/v1/disputes/{dispute_id}/correction"): {
        "answer": "refused",
        "reasons": "checked",
        "source": "bank",
    },
    ("POST", "/v1/subjects/{subject}/adverse-actions"): {"action": "declined", "source": "bank"},
    ("POST", "/v1/reviews/{review_id}/decision"): {"outcome": "confirmed", "reasons": "checked"},
    ("POST", "/v1/events"): {
        "events": [event("n1", subject="alice", occurred_at="2026-08-01T00:00:00Z")]
    },
    ("POST", "/v1/scores"): {"subjects": ["alice"]},
    ("POST", "/v1/red-team"): {"honest": 100},
    ("POST", "/v1/fairness"): {
        "groups": [{"subject": "alice", "g": "a"}],
        "cutoff": 500,
        "since": "2026-01-01T00:00:00Z",
    },
    ("POST", "/v1/bursts/holds"): {"days": 7},
    ("POST", "/v1/sources/accountability"): {"record": True},
    ("POST", "/v1/probations"): {"source": "bank", "reason": "matrix"},
    ("POST", "/v1/backfills"): {
        "source": "bank",
        "occurred_from": "2020-01-01T00:00:00Z",
        "occurred_to": "2021-01-01T00:00:00Z",
        "known_from": "2020-01-01T00:00:00Z",
        "reason": "matrix",
    },
    ("POST", "/v1/keys"): {"name": "matrix", "role": "auditor"},
    ("POST", "/v1/webhooks"): {"url": "http://127.0.0.1:9/hook", "topics": ["dispute.opened"]},
    ("POST", "/v1/webhooks/dead-letters/replay"): {"deliveries": "all"},
}
QUERIES: dict[tuple[str, str], dict[str, str | int]] = {
    ("GET", "/v1/monitoring"): {"reference": "2026-01-01T00:00:00Z/2026-09-02T00:00:00Z"},
}
PARAMS = {
    "review_id": "1",
    "dispute_id": "1",
    "score_id": "1",
    "ref": "burst-none",
    "key_id": "0000000000000000",
    "webhook_id": "1",
    "source": "bank",
}


def _parse(spec: str) -> tuple[set[str], set[str]]:
    roles, _, flags = spec.partition("|")
    return set(roles.split()), set(flags.split())


def expected_allowed(spec: str, role: str, own: bool, purpose: bool) -> bool:
    roles, flags = _parse(spec)
    if role not in roles:
        return False
    if role == "subject" and "own" in flags and not own:
        return False
    return not (role == "source" and "purpose" in flags and not purpose)


def test_every_route_has_an_expectation(tmp_path: Path) -> None:
    schema = create_app(service_settings(f"sqlite:///{tmp_path / 'l.db'}", tmp_path)).openapi()
    served = {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}
    assert served == set(EXPECTED), "routes without an expected access rule (or stale ones)"
    assert set(ROUTE_RULES) == set(EXPECTED), "routes must declare their rule through route()"


def test_expectations_are_the_declared_rules() -> None:
    for key, spec in EXPECTED.items():
        declared = ROUTE_RULES[key]
        if spec == "public":
            assert declared == PUBLIC, key
            continue
        roles, flags = _parse(spec)
        assert set(declared.roles) == roles, key
        assert declared.subject_file == ("own" in flags), key
        assert (declared.reads is not None) == ("purpose" in flags), key


@pytest.fixture
def svc(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(sqlite_url, tmp_path), clock)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]} {k[1]}")
def test_matrix(svc: Service, key: tuple[str, str]) -> None:
    method, template = key
    spec = EXPECTED[key]
    for own in (True, False):
        path = template.format(subject="alice" if own else "bob", **PARAMS)
        if spec == "public":
            assert svc.client.request(method, path).status_code == 200, path
            continue
        assert svc.client.request(method, path).status_code == 401, f"{path} without a credential"
        for role in ROLES:
            who = "alice" if role == "subject" else role
            for purpose in (False, True):
                query = dict(QUERIES.get(key, {}))
                if purpose:
                    query["purpose"] = "credit_transaction"
                body = BODIES.get(key)
                if key == ("POST", "/v1/subjects/{subject}/disputes"):  # an event of theirs
                    body = {"event_id": "a3" if own else "b2", "reason": "not mine"}
                res = svc.client.request(
                    method, path, headers=svc.headers(who), params=query, json=body
                )
                case = f"{method} {path} as {role}, purpose={purpose}: {res.text[:300]}"
                if expected_allowed(spec, role, own, purpose):
                    assert res.status_code not in (401, 403), case
                    assert res.status_code < 500, case
                else:
                    assert res.status_code == 403, case
                    assert res.headers["content-type"] == "application/problem+json", case
                    assert res.json()["errors"][0]["rule"] in (
                        "role",
                        "own_file",
                        "permissible_purpose",
                    ), case
