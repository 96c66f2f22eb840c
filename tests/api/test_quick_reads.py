"""The hot read path: the stored score served from kept connections equals the full use
case's answer, keys are cached but revocation holds, and reads reuse connections."""

from __future__ import annotations

import json

from glasscredit import app as uc
from tests.api.conftest import Service


def _full(service: Service, subject: str) -> dict[str, object]:
    with service.context() as ctx:
        return uc.current_score(ctx, subject).as_json()


def test_the_quick_score_equals_the_use_case(service: Service) -> None:
    with service.context() as ctx:
        uc.set_statement(ctx, "alice", "I was abroad in April; the late payment was a bank error.")
    for subject, who in (("alice", "alice"), ("bob", "operator")):
        res = service.client.get(f"/v1/subjects/{subject}/score", headers=service.headers(who))
        assert res.status_code == 200, res.text
        assert res.headers["content-type"] == "application/json"
        assert res.json() == _full(service, subject)
    alice = service.client.get("/v1/subjects/alice/score", headers=service.headers("alice"))
    assert alice.json()["statement"]["text"].startswith("I was abroad")
    assert alice.json()["reflects"]["ledger_seq"] >= 1


def test_a_new_score_is_read_at_once(service: Service) -> None:
    h = service.headers("operator")
    before = service.client.get("/v1/subjects/alice/score", headers=h).json()
    service.client.post(
        "/v1/events",
        headers=h,
        json={
            "events": [
                {
                    "event_id": "a9",
                    "subject": "alice",
                    "source": "bank",
                    "type": "payment.late",
                    "occurred_at": "2026-05-20T10:00:00Z",
                }
            ]
        },
    )
    service.clock.now_us += 1_000_000
    stored = service.client.post("/v1/subjects/alice/score", headers=h, json={}).json()
    after = service.client.get("/v1/subjects/alice/score", headers=h).json()
    assert after["score_id"] == stored["score_id"] != before["score_id"]
    assert after == _full(service, "alice")


def test_quick_reads_refuse_as_the_rule_says(sqlite_service: Service) -> None:
    c = sqlite_service.client
    assert (
        c.get("/v1/subjects/bob/score", headers=sqlite_service.headers("alice")).status_code == 403
    )
    plain = c.get("/v1/subjects/alice/score", headers=sqlite_service.headers("source"))
    assert plain.status_code == 403 and "permissible_purpose" in plain.text
    bad = c.get("/v1/subjects/alice/score?purpose=gossip", headers=sqlite_service.headers("source"))
    assert bad.status_code == 422 and "purpose" in bad.text
    assert c.get("/v1/subjects/alice/score").status_code == 401
    missing = c.get("/v1/subjects/nobody/score", headers=sqlite_service.headers("operator"))
    assert missing.status_code == 404 and "[scored]" in missing.text


def test_a_source_read_with_purpose_is_recorded(service: Service) -> None:
    c = service.client
    ok = c.get("/v1/subjects/alice/score?purpose=tenancy", headers=service.headers("source"))
    assert ok.status_code == 200
    reads = c.get("/v1/subjects/alice/inquiries", headers=service.headers("alice")).json()
    assert [(r["reader"], r["purpose"], r["what"]) for r in reads["reads"]] == [
        ("source:bank", "tenancy", "score")
    ]


def test_revoking_a_key_in_this_process_refuses_it_at_once(sqlite_service: Service) -> None:
    c, h = sqlite_service.client, sqlite_service.headers("auditor")
    assert c.get("/v1/subjects/alice/score", headers=h).status_code == 200  # now cached
    with sqlite_service.context() as ctx:
        key = next(k for k in uc.list_keys(ctx).keys if k.role == "auditor")
        uc.revoke_key(ctx, key.key_id)
    assert c.get("/v1/subjects/alice/score", headers=h).status_code == 401


def test_another_process_revocation_holds_within_the_ttl(sqlite_service: Service) -> None:
    svc = sqlite_service.client.app.state.services  # type: ignore[attr-defined]
    now = [100.0]
    quick = uc.QuickService(svc.ledger, monotonic=lambda: now[0])
    try:
        with sqlite_service.context() as ctx:
            token = sqlite_service.tokens["auditor"]
            who = quick.authenticate_key(ctx, token)
            # as the CLI in another process would: the store alone, no generation bump
            ctx.ledger.access.revoke_key(who.key_id or "", at_us=ctx.now(), actor="cli")
            assert quick.authenticate_key(ctx, token) == who  # within the stated bound
            now[0] += uc.KEY_TTL_S + 0.01
            try:
                quick.authenticate_key(ctx, token)
            except Exception as exc:
                assert "[api_key]" in str(exc)
            else:
                raise AssertionError("a revoked key outlived the cache's TTL")
    finally:
        quick.close()


def test_reads_reuse_kept_connections(sqlite_service: Service) -> None:
    svc = sqlite_service.client.app.state.services  # type: ignore[attr-defined]
    for _ in range(30):
        r = sqlite_service.client.get(
            "/v1/subjects/alice/score", headers=sqlite_service.headers("alice")
        )
        assert r.status_code == 200
    assert 1 <= svc.quick.reads.connections <= 8


def test_a_score_without_pins_is_answered_by_the_full_use_case(sqlite_service: Service) -> None:
    """Scores stored before scores pinned their inputs: the quick path steps aside."""
    svc = sqlite_service.client.app.state.services  # type: ignore[attr-defined]
    with svc.ledger.engine.begin() as conn:
        row = conn.exec_driver_sql(
            "SELECT s.score_id, s.detail FROM scoring_cursor c JOIN scores s "
            "ON s.score_id = c.last_score_id WHERE c.subject = 'bob'"
        ).one()
        detail = json.loads(row[1])
        detail.pop("v"), detail.pop("q")
        conn.exec_driver_sql(
            "UPDATE scores SET detail = ? WHERE score_id = ?", (json.dumps(detail), row[0])
        )
    assert svc.quick.stored_score("bob") is None
    res = sqlite_service.client.get("/v1/subjects/bob/score", headers=sqlite_service.headers("bob"))
    assert res.status_code == 200 and res.json() == _full(sqlite_service, "bob")


def test_the_quick_lane_is_observed_like_any_route(sqlite_service: Service) -> None:
    c = sqlite_service.client
    ok = c.get(
        "/v1/subjects/alice/score",
        headers={**sqlite_service.headers("alice"), "X-Request-ID": "lane-1"},
    )
    assert ok.status_code == 200 and ok.headers["x-request-id"] == "lane-1"
    assert int(ok.headers["content-length"]) == len(ok.content)
    denied = c.get("/v1/subjects/bob/score", headers=sqlite_service.headers("alice"))
    assert denied.status_code == 403  # refusals are the route's own problem documents
    assert denied.headers["content-type"] == "application/problem+json"
    odd = c.get(
        "/v1/subjects/alice/score?purpose=tenancy&x=1", headers=sqlite_service.headers("alice")
    )
    assert odd.status_code == 200  # not the lane's shape: the route answers it
    scraped = c.get("/metrics").text
    label = 'route="/v1/subjects/{subject}/score"'
    assert any(label in line and 'status="200"' in line for line in scraped.splitlines())
    assert any(label in line and 'status="403"' in line for line in scraped.splitlines())


def test_the_quick_lane_cannot_be_tricked_by_another_spelling_of_the_path(
    sqlite_service: Service,
) -> None:
    """The lane parses the path itself: no spelling of another subject's path (encoded,
    doubled slashes, dot segments, a trailing slash, a query) reads it with alice's token."""
    c = sqlite_service.client
    alice = sqlite_service.headers("alice")
    for path in (
        "/v1/subjects/b%6Fb/score",
        "/v1/subjects/bob/score/",
        "/v1/subjects//bob/score",
        "/v1/subjects/alice/../bob/score",
        "/v1/subjects/alice%2F..%2Fbob/score",
        "/v1/subjects/bob/score?subject=alice",
        "/v1/subjects/bob%00/score",
        "/v1/subjects/BOB/score",
    ):
        res = c.get(path, headers=alice)
        assert res.status_code != 200 or res.json().get("subject") == "alice", (path, res.text)
        assert "bob" not in res.text.lower() or res.status_code >= 400, (path, res.text)
