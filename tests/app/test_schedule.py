"""The policy's schedule: trust and reports recomputed when due, and the lag exported."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from glasscredit import app as uc
from glasscredit.api import create_app
from glasscredit.exceptions import PolicyError
from glasscredit.policy import DAY_US, Policy, default_policy, policy_from_dict
from glasscredit.store import Ledger
from tests.api.conftest import service_settings
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events


def _with_schedule(schedule: object) -> Policy:
    data = default_policy().model_dump(mode="json", by_alias=True)
    data["settings"] = {**data.get("settings", {}), "schedule": schedule}
    return policy_from_dict(data)


@pytest.fixture
def policy() -> Policy:
    return _with_schedule({"refresh_every": "1d"})


@pytest.fixture
def ctx(ledger: Ledger) -> Iterator[uc.Context]:
    with uc.Context.of_ledger(ledger) as c:
        yield c


@pytest.mark.parametrize(
    ("schedule", "field", "rule"),
    [
        ({"refresh_evry": "1d"}, "settings.schedule.refresh_evry", "unknown_setting"),
        ({"refresh_every": "soon"}, "settings.schedule.refresh_every", "duration"),
        ({"refresh_every": "1s"}, "settings.schedule.refresh_every", "minimum"),
        ("daily", "settings.schedule", "mapping"),
    ],
)
def test_bad_schedules_are_refused_by_name(schedule: object, field: str, rule: str) -> None:
    with pytest.raises(PolicyError) as err:
        uc.refresh_every_us(_with_schedule(schedule))
    assert (err.value.errors[0].field, err.value.errors[0].rule) == (field, rule)


def test_no_schedule_unless_the_policy_sets_one() -> None:
    assert uc.refresh_every_us(default_policy()) is None
    assert uc.refresh_every_us(_with_schedule({"refresh_every": None})) is None
    assert uc.refresh_every_us(_with_schedule({"refresh_every": "6h"})) == 6 * 3600 * 10**6


def test_due_when_a_snapshot_is_missing_or_older_than_the_period(
    ctx: uc.Context, clock: FakeClock
) -> None:
    uc.ingest_records(ctx, s1_events())
    assert uc.refresh_due(ctx)  # never computed
    uc.refresh(ctx)
    assert not uc.refresh_due(ctx)
    lag = uc.input_lag(ctx)
    assert lag.snapshot_age_s == {"reports": 0.0, "trust": 0.0} and lag.refresh_overdue_s == 0
    clock.now_us += DAY_US - 1
    assert not uc.refresh_due(ctx)
    clock.now_us += 1
    assert uc.refresh_due(ctx)
    clock.now_us += 3600 * 10**6
    assert uc.input_lag(ctx).refresh_overdue_s == 3600.0


def test_the_worker_refreshes_on_schedule_and_rescores(ctx: uc.Context, clock: FakeClock) -> None:
    uc.ingest_records(ctx, s1_events())
    uc.score(ctx)
    assert ctx.ledger.snapshots.versions("trust") == []
    stop = threading.Event()
    worker = threading.Thread(target=uc.follow, args=(ctx, stop), kwargs={"interval_s": 0.01})
    worker.start()
    try:
        for _ in range(3000):  # poll (up to about 30 s on a loaded machine)
            if ctx.ledger.snapshots.versions("reports"):
                break
            stop.wait(0.01)
    finally:
        stop.set()
        worker.join(timeout=60)
    assert len(ctx.ledger.snapshots.versions("trust")) == 1
    assert len(ctx.ledger.snapshots.versions("reports")) == 1
    assert not uc.refresh_due(ctx)


def test_the_lag_is_a_metric(db_url: str, tmp_path: Path, clock: FakeClock) -> None:
    settings = service_settings(db_url, tmp_path)
    api = create_app(settings, clock=clock)
    with TestClient(api) as client:
        with api.state.services.context() as ctx:
            uc.ingest_records(ctx, s1_events())
        text = client.get("/metrics").text
    assert "glasscredit_stale_subjects 1.0" in text  # s1 was never scored
    assert "glasscredit_refresh_overdue_seconds 0.0" in text
