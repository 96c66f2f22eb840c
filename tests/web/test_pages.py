"""The pages in-process (TestClient): who reaches what, CSRF, sign-in, errors, downloads.

The browser tests (``test_browser.py``) show the pages work for people; these check the
rules every request obeys, for every route and role, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from markupsafe import escape

from glasscredit import app as uc
from glasscredit import exceptions as uc_errors
from glasscredit.web import _console, _person, _reports
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def service(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(db_url, tmp_path), clock)


@pytest.fixture
def sqlite_service(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(sqlite_url, tmp_path), clock)


def signed_in(service: Service, who: str) -> TestClient:
    c = service.client
    c.cookies.clear()
    r = c.post("/signin", data={"token": service.tokens[who]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "the page carries a CSRF token"
    return m.group(1)


def test_sign_in_sets_a_strict_http_only_cookie_and_lands_on_the_own_page(
    sqlite_service: Service,
) -> None:
    c = sqlite_service.client
    r = c.post("/signin", data={"token": sqlite_service.tokens["alice"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/people/alice"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    page = c.get("/people/alice")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    r = c.post("/signin", data={"token": sqlite_service.tokens["operator"]}, follow_redirects=False)
    assert r.headers["location"] == "/console"


@pytest.mark.parametrize("token", ["", "nonsense", "gck_0000_bad", "a" * 9000])
def test_a_bad_token_is_refused_with_a_plain_message(sqlite_service: Service, token: str) -> None:
    r = sqlite_service.client.post("/signin", data={"token": token}, follow_redirects=False)
    assert r.status_code == 401
    assert "was not accepted" in r.text
    assert "set-cookie" not in r.headers


def test_sources_have_no_pages(sqlite_service: Service) -> None:
    r = sqlite_service.client.post(
        "/signin", data={"token": sqlite_service.tokens["source"]}, follow_redirects=False
    )
    assert r.status_code == 403
    assert "through the API" in r.text


def test_an_expired_token_signs_the_browser_out(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    assert c.get("/people/alice").status_code == 200
    sqlite_service.clock.now_us += 3600 * 1_000_000  # the token lived 15 minutes
    r = c.get("/people/alice", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"


def test_a_revoked_key_signs_the_browser_out(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "operator")
    assert c.get("/console").status_code == 200
    with sqlite_service.context() as ctx:
        key = next(k for k in uc.list_keys(ctx).keys if k.role == "operator")
        uc.revoke_key(ctx, key.key_id)
    assert c.get("/console", follow_redirects=False).headers["location"] == "/signin"


# every page, and who may open it (everyone else: 403, or sign in first)
PAGES = {
    "/people/alice": {"alice"},
    "/people/alice/what-if?pay_on_time=2": {"alice"},
    "/people/alice/export.json": {"alice"},
    "/people/alice/events/a1/dispute": {"alice"},
    "/console": {"operator", "auditor"},
    "/console/disputes": {"operator", "auditor"},
    "/console/reviews": {"operator", "auditor"},
    "/console/sources": {"operator", "auditor"},
    "/console/model": {"operator", "auditor"},
    "/console/reports": {"operator", "auditor"},
}


def test_the_page_matrix_covers_every_page() -> None:
    paths = {
        r.path
        for router in (_person.router, _console.router, _reports.router)
        for r in router.routes
        if isinstance(r, APIRoute) and "GET" in r.methods and r.path != "/me"
    }
    assert paths == {
        p.split("?")[0].replace("alice", "{subject}").replace("/a1/", "/{event_id}/") for p in PAGES
    }


@pytest.mark.parametrize("who", ["alice", "bob", "operator", "auditor", None])
def test_every_page_admits_only_its_readers(sqlite_service: Service, who: str | None) -> None:
    c = signed_in(sqlite_service, who) if who else sqlite_service.client
    if who is None:
        c.cookies.clear()
    for path, readers in PAGES.items():
        r = c.get(path, follow_redirects=False)
        if who is None:
            assert (r.status_code, r.headers.get("location")) == (303, "/signin"), path
        elif who in readers:
            assert r.status_code == 200, (path, r.text[:500])
        else:
            assert r.status_code == 403, path
            assert 'data-testid="score"' not in r.text and "data-event=" not in r.text


def test_the_person_page_shows_what_the_app_layer_says(service: Service) -> None:
    c = signed_in(service, "alice")
    html = c.get("/people/alice").text
    with service.context() as ctx:
        exp = uc.explain(ctx, "alice")
        events = uc.events_of(ctx, "alice").events
    assert f'data-testid="score">{exp.score}<' in html
    for r in exp.reasons:
        assert r.text in html
    for e in events:
        assert f'data-event="{e.event_id}"' in html
    assert "bob" not in html


def test_a_dispute_through_the_form_changes_the_score_at_once(service: Service) -> None:
    c = signed_in(service, "alice")
    page = c.get("/people/alice").text
    with service.context() as ctx:
        before = uc.explain(ctx, "alice").score
    r = c.post(
        "/people/alice/disputes",
        data={"csrf": csrf_of(page), "event_id": "a3", "what": "paid", "details": "receipt 12"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/people/alice#disputes"
    # time passes before the next page (the dispute takes effect the microsecond after
    # the score stored in the instant it was opened, so that score still reproduces)
    service.clock.now_us += 1
    after_page = c.get("/people/alice").text
    with service.context() as ctx:
        (d,) = uc.list_disputes(ctx, subject="alice").disputes
        after = uc.explain(ctx, "alice").score
    assert d.event_id == "a3" and d.reason == "I paid, or it was settled: receipt 12"
    assert after > before
    assert f"went from {before} to {after}" in after_page
    assert f'data-testid="score">{after}<' in after_page


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/people/alice/disputes", {"event_id": "a3", "what": "not_mine"}),
        ("/people/alice/reviews", {"kind": "tier", "about": "poor", "point_of_view": "why"}),
        ("/people/alice/statement", {"text": "mine"}),
    ],
)
def test_person_forms_need_the_sessions_csrf_token(
    sqlite_service: Service, path: str, form: dict[str, str]
) -> None:
    c = signed_in(sqlite_service, "alice")
    for csrf in (None, "0" * 40):
        data = form if csrf is None else {**form, "csrf": csrf}
        assert c.post(path, data=data, follow_redirects=False).status_code == 403
    with sqlite_service.context() as ctx:
        assert uc.list_disputes(ctx, subject="alice").disputes == []
        assert uc.list_reviews(ctx, subject="alice").reviews == []
        assert uc.person_statement(ctx, "alice") is None


def test_another_persons_csrf_token_does_not_work(sqlite_service: Service) -> None:
    bob = signed_in(sqlite_service, "bob")
    bob_csrf = csrf_of(bob.get("/people/bob").text)
    alice = signed_in(sqlite_service, "alice")
    r = alice.post(
        "/people/alice/statement", data={"csrf": bob_csrf, "text": "x"}, follow_redirects=False
    )
    assert r.status_code == 403


def test_console_forms_are_the_operators_alone(sqlite_service: Service) -> None:
    with sqlite_service.context() as ctx:
        d = uc.open_dispute(ctx, "bob", "b2", "not mine").dispute
        rv = uc.request_review(ctx, "bob", "tier", "poor", "look again")
    auditor = signed_in(sqlite_service, "auditor")
    page = auditor.get("/console/disputes").text
    assert "Resolve dispute" not in page
    csrf = csrf_of(page)
    for path, form in [
        (f"/console/disputes/{d.dispute_id}/resolution", {"outcome": "removed"}),
        (f"/console/reviews/{rv.review_id}/decision", {"outcome": "changed", "reasons": "x"}),
        ("/console/keys", {"name": "mine", "role": "operator"}),
    ]:
        r = auditor.post(path, data={**form, "csrf": csrf}, follow_redirects=False)
        assert r.status_code == 403, path
    with sqlite_service.context() as ctx:
        assert uc.list_disputes(ctx, status="open").disputes[0].dispute_id == d.dispute_id
        assert uc.list_reviews(ctx).reviews[0].status == "open"
    operator = signed_in(sqlite_service, "operator")
    csrf = csrf_of(operator.get("/console/disputes").text)
    r = operator.post(
        f"/console/disputes/{d.dispute_id}/resolution",
        data={"csrf": csrf, "outcome": "removed", "reasons": "confirmed by the bank"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "resolved: removed" in operator.get("/console/disputes").text


def test_a_refused_form_comes_back_naming_the_field_and_rule(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    csrf = csrf_of(c.get("/people/alice").text)
    r = c.post(
        "/people/alice/reviews",
        data={"csrf": csrf, "kind": "horoscope", "about": "x", "point_of_view": "y"},
    )
    assert r.status_code == 200  # back on the page, with the message
    assert "Not done:" in r.text and "kind" in r.text
    r = c.post("/people/alice/disputes", data={"csrf": csrf, "event_id": "a1", "what": "bogus"})
    assert "what: one of not_mine" in r.text


def test_what_if_input_is_checked(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    for bad in ("abc", "-1", "25", "１"):
        r = c.get(f"/people/alice?pay_on_time={bad}")
        assert r.status_code == 422, bad
        assert "pay_on_time" in r.text and "[months]" in r.text
    with sqlite_service.context() as ctx:
        expected = uc.what_if(ctx, "alice", actions={"pay_on_time": 4}).after.score
    assert f"<strong>{expected}</strong>" in c.get("/people/alice/what-if?pay_on_time=4").text


def test_the_form_body_is_bounded(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    r = c.post(
        "/people/alice/statement",
        content=b"text=" + b"x" * 20_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 422
    r = c.post("/people/alice/statement", json={"text": "x"})
    assert r.status_code == 422


def test_download_my_data_is_the_signed_export_and_verifies(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    r = c.get("/people/alice/export.json")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="glasscredit-alice.json"'
    data = json.loads(r.text)
    check = uc.verify_export_document(data["export"]["document"])
    assert check.identical and check.signed, check.problems


def test_static_assets_ship_with_the_package(sqlite_service: Service) -> None:
    c = sqlite_service.client
    for name in ("style.css", "print.css", "whatif.js"):
        r = c.get(f"/static/{name}")
        assert r.status_code == 200 and r.text
    html = signed_in(sqlite_service, "alice").get("/people/alice").text
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing loaded from elsewhere"


def test_pages_stay_out_of_the_openapi_schema(sqlite_service: Service) -> None:
    paths = sqlite_service.client.get("/openapi.json").json()["paths"]
    assert all(p.startswith("/v1/") for p in paths)


def test_sign_out_clears_the_session(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    assert c.post("/signout", data={"csrf": "0" * 40}).status_code == 403
    csrf = csrf_of(c.get("/people/alice").text)
    r = c.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert r.headers["location"] == "/signin"
    assert (
        'gc_session=""' in r.headers["set-cookie"] or "max-age=0" in r.headers["set-cookie"].lower()
    )


def test_information_on_an_open_dispute_moves_its_deadline_once(sqlite_service: Service) -> None:
    with sqlite_service.context() as ctx:
        d = uc.open_dispute(ctx, "alice", "a3", "not mine").dispute
    bob = signed_in(sqlite_service, "bob")
    r = bob.post(
        f"/people/bob/disputes/{d.dispute_id}/information",
        data={"csrf": csrf_of(bob.get("/people/bob").text), "information": "x"},
        follow_redirects=False,
    )
    assert r.status_code in (303, 403, 404)
    with sqlite_service.context() as ctx:
        assert uc.list_disputes(ctx, subject="alice").disputes[0].new_information is None
    alice = signed_in(sqlite_service, "alice")
    page = alice.get("/people/alice").text
    assert "Add information" in page
    path = f"/people/alice/disputes/{d.dispute_id}/information"
    assert alice.post(path, data={"information": "receipt"}).status_code == 403
    r = alice.post(path, data={"csrf": csrf_of(page), "information": "the bank's receipt 8812"})
    with sqlite_service.context() as ctx:
        after = uc.list_disputes(ctx, subject="alice").disputes[0]
    assert after.new_information == "the bank's receipt 8812"
    assert uc.parse_time(after.deadline) - uc.parse_time(d.deadline) == 15 * 86_400_000_000
    assert f"now answered by {after.deadline[:10]}" in r.text
    assert "Add information" not in r.text, "once only"


def test_the_operator_creates_a_key_seen_once_and_revokes_it(sqlite_service: Service) -> None:
    op = signed_in(sqlite_service, "operator")
    csrf = csrf_of(op.get("/console/sources").text)
    r = op.post(
        "/console/keys",
        data={"csrf": csrf, "name": "rentals-feed", "role": "source", "source": "rentals"},
    )
    assert r.status_code == 200
    token = re.search(r"(gck_[0-9a-f]+_[A-Za-z0-9_-]+)", r.text)
    assert token, "the token is shown once"
    with sqlite_service.context() as ctx:
        who = uc.authenticate_key(ctx, token.group(1))
        assert (who.role, who.source) == ("source", "rentals")
    listing = op.get("/console/sources").text
    assert "rentals-feed" in listing and token.group(1) not in listing
    r = op.post(f"/console/keys/{who.key_id}/revocation", data={"csrf": csrf})
    assert f"Key {who.key_id} (rentals-feed) revoked." in r.text
    with sqlite_service.context() as ctx, pytest.raises(uc_errors.AuthenticationError):
        uc.authenticate_key(ctx, token.group(1))
    r = op.post("/console/keys", data={"csrf": csrf, "name": "x", "role": "source"})
    assert "Not done:" in r.text and "[declared_source]" in r.text


def test_the_console_with_one_month_of_scores_says_there_is_no_drift_yet(
    sqlite_service: Service,
) -> None:
    op = signed_in(sqlite_service, "operator")
    page = op.get("/console")
    assert page.status_code == 200
    assert "Stored scores from one month only" in page.text
    with sqlite_service.context() as ctx:
        pop = uc.population(ctx)
    assert pop.months[-1].subjects == 2  # alice and bob, scored as of now
    for t in pop.tiers:
        assert f'<td class="num">{t.subjects}</td>' in page.text


def test_the_dispute_form_shows_only_the_persons_own_records(sqlite_service: Service) -> None:
    c = signed_in(sqlite_service, "alice")
    page = c.get("/people/alice/events/a3/dispute")
    assert page.status_code == 200
    assert "Payment late" in page.text and 'name="event_id" value="a3"' in page.text
    other = c.get("/people/alice/events/b2/dispute")  # bob's record, through alice's address
    assert other.status_code == 404
    assert "b2" in other.text and "is not one of your records" in other.text
    assert "Payment late" not in other.text


def test_the_sources_page_shows_the_source_alerts_the_app_raises(sqlite_service: Service) -> None:
    op = signed_in(sqlite_service, "operator")
    html = op.get("/console/sources").text
    with sqlite_service.context() as ctx:
        report = uc.source_report(ctx)
    assert "Source alerts" in html and report.window in html
    if report.flags:
        assert f"{len(report.flags)} alert" in html
        for f in report.flags:
            assert str(escape(f.why)) in html
    else:
        assert "No source departs from its baseline or its peers." in html
