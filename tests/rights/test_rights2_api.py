"""Human review and the person's statement over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock

WORDS = "I was ill in April; the late payment was paid in May. [bold]<i>"


@pytest.fixture
def svc(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    yield from start_service(service_settings(db_url, tmp_path), clock)


def test_statement_travels_with_every_partner_score_read(svc: Service) -> None:
    c = svc.client
    read = {"purpose": "credit_transaction"}
    plain = c.get("/v1/subjects/alice/score", headers=svc.headers("source"), params=read).json()
    assert plain["statement"] is None
    put = c.put("/v1/subjects/alice/statement", headers=svc.headers("alice"), json={"text": WORDS})
    assert put.status_code == 200 and put.json()["by"] == "subject"
    got = c.get("/v1/subjects/alice/score", headers=svc.headers("source"), params=read).json()
    assert got["statement"]["text"] == WORDS
    assert (got["score"], got["inputs_digest"]) == (plain["score"], plain["inputs_digest"])
    too_long = c.put(
        "/v1/subjects/alice/statement", headers=svc.headers("alice"), json={"text": "w " * 101}
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "statement"
    gone = c.delete("/v1/subjects/alice/statement", headers=svc.headers("alice"))
    assert gone.json()["removed"] is True
    after = c.get("/v1/subjects/alice/score", headers=svc.headers("source"), params=read).json()
    assert after["statement"] is None


def test_review_requested_decided_and_shown_to_the_subject(svc: Service) -> None:
    c = svc.client
    asked = c.post(
        "/v1/subjects/alice/reviews",
        headers=svc.headers("alice"),
        json={"kind": "partner", "about": "bank", "point_of_view": "the bank refused me"},
    )
    assert asked.status_code == 201, asked.text
    rid = asked.json()["review_id"]
    queue = c.get("/v1/reviews", headers=svc.headers("operator"), params={"status": "open"})
    assert [r["review_id"] for r in queue.json()["reviews"]] == [rid]
    assert c.get("/v1/reviews", headers=svc.headers("alice")).status_code == 403
    decided = c.post(
        f"/v1/reviews/{rid}/decision",
        headers=svc.headers("operator"),
        json={"outcome": "confirmed", "reasons": "Your score was computed correctly."},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    again = c.post(
        f"/v1/reviews/{rid}/decision",
        headers=svc.headers("operator"),
        json={"outcome": "changed", "reasons": "x"},
    )
    assert again.status_code == 409
    export = c.get("/v1/subjects/alice/export", headers=svc.headers("alice")).json()
    reviews = export["export"]["document"]["reviews"]
    assert [(r["status"], r["reasons"]) for r in reviews] == [
        ("confirmed", "Your score was computed correctly.")
    ]
