"""The console's reports page: fairness by month from stored scores, the card, the red team."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from glasscredit import app as uc
from glasscredit.policy import parse_timestamp
from tests.api.conftest import Service, service_settings, start_service
from tests.conftest import FakeClock
from tests.web.test_pages import csrf_of, signed_in


@pytest.fixture
def with_groups(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    side = tmp_path / "groups.csv"
    pl.DataFrame({"subject": ["alice", "bob"], "age_band": ["under 25", "25 and over"]}).write_csv(
        side
    )
    settings = service_settings(sqlite_url, tmp_path).model_copy(update={"fairness_groups": side})
    yield from start_service(settings, clock)


def test_fairness_by_month_and_the_card_of_the_table_in_force(with_groups: Service) -> None:
    with with_groups.context() as ctx:
        run = uc.score(ctx)
        cutoff = 350
        expect = uc.audit_scores(
            ctx,
            str(with_groups.settings.fairness_groups),
            protected=[],
            cutoff=cutoff,
            since_us=parse_timestamp("2020-01-01T00:00:00Z"),
        )
    assert run.stored >= 2 and expect.months
    page = signed_in(with_groups, "auditor").get(f"/console/reports?cutoff={cutoff}").text
    assert 'data-testid="fairness-age_band"' in page
    month = expect.months[-1]
    assert f'<th scope="row">{month.period}</th><td>{month.n}</td>' in page
    assert "matched" not in page and f"{expect.matched_subjects} of the" in page
    # the card of the points table in force, with each row's rationale
    assert "Model card: glasscredit-default" in page
    assert "Why: Grades how late the latest-paid payment was" in page
    assert "<script" not in page.split('data-testid="model-card"')[1].split("</section>")[0]
    # an auditor reads, never runs the red team
    assert "Run the red team" not in page
    r = signed_in(with_groups, "auditor").post(
        "/console/reports/redteam", data={"csrf": csrf_of(page), "honest": "200"}
    )
    assert r.status_code == 403


def test_without_a_side_file_the_page_says_how_to_configure_it(
    sqlite_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    for svc in start_service(service_settings(sqlite_url, tmp_path), clock):
        page = signed_in(svc, "operator").get("/console/reports").text
        assert "GLASSCREDIT_FAIRNESS_GROUPS" in page
        r = signed_in(svc, "operator").get("/console/reports?cutoff=99")
        assert r.status_code == 422 and "cutoff" in r.text


def test_the_operator_runs_the_red_team_from_the_page(with_groups: Service) -> None:
    op = signed_in(with_groups, "operator")
    page = op.get("/console/reports").text
    csrf = csrf_of(page)
    refused = op.post("/console/reports/redteam", data={"csrf": csrf, "honest": "5"})
    assert "honest" in refused.text and "range" in refused.text
    r = op.post("/console/reports/redteam", data={"csrf": csrf, "honest": "200"})
    assert r.status_code == 200 and 'data-testid="redteam"' in r.text
    with with_groups.context() as ctx:
        expect = uc.red_team(ctx, honest=200, seed=0)
    for a in expect.attacks:
        assert f"<td>{a.glasscredit:+.1f}</td><td>{a.naive:+.1f}</td>" in r.text
    no_csrf = op.post("/console/reports/redteam", data={"honest": "200"})
    assert no_csrf.status_code == 403
