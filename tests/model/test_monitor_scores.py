"""Monitoring over stored scores: PSI and median shift per period, alerts by policy."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.exceptions import PolicyError, ValidationError
from glasscredit.model import monitor_scores, monitoring_settings
from glasscredit.policy import DAY_US, default_policy, parse_timestamp, policy_from_dict
from glasscredit.store import Ledger
from tests.conftest import FakeClock

T0 = parse_timestamp("2026-01-15T00:00:00Z")


def _store(ledger: Ledger, as_of_us: int, values: list[int], first_id: int) -> None:
    def detail(s: int) -> str:
        return json.dumps({"f": {}, "d": {d: s - 600 for d in ledger.policy.dimensions}})

    n = len(values)
    frame = pl.DataFrame(
        {
            "score_id": list(range(first_id, first_id + n)),
            "subject": [f"s{i}" for i in range(n)],
            "as_of_us": [as_of_us] * n,
            "computed_at_us": [as_of_us] * n,
            "score": values,
            "tier": [""] * n,
            "policy_hash": ["p"] * n,
            "model_hash": ["m"] * n,
            "inputs_digest": [""] * n,
            "detail": [detail(v) for v in values],
            "last_seq": [0] * n,
            "last_score_id": list(range(first_id, first_id + n)),
        }
    )
    with ledger.scores.writing() as tx:
        tx.append(frame)


def test_shift_detected_per_dimension_and_quiet_period_passes(ledger: Ledger) -> None:
    ref = [600 + (i % 50) for i in range(500)]
    _store(ledger, T0, ref, 1)
    _store(ledger, T0 + 31 * DAY_US, ref, 1001)  # same distribution
    _store(ledger, T0 + 62 * DAY_US, [v + 40 for v in ref], 2001)  # inflated by 40
    reference = (T0 - DAY_US, T0 + DAY_US)
    quiet = monitor_scores(ledger, reference, (T0 + 30 * DAY_US, T0 + 32 * DAY_US))
    assert not quiet.alerts and quiet.current_subjects == 500
    assert all(s.psi == pytest.approx(0.0, abs=1e-12) for s in quiet.shifts)
    inflated = monitor_scores(ledger, reference, (T0 + 61 * DAY_US, T0 + 63 * DAY_US))
    cols = {s.column: s for s in inflated.shifts}
    assert set(cols) == {"score", *ledger.policy.dimensions}
    # every value moved above the reference's top decile edge: the median rose by 40
    assert cols["score"].median_shift == 40.0 and cols["score"].alert
    assert all(cols[d].alert for d in ledger.policy.dimensions)


def test_empty_period_and_bad_settings_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="empty_period"):
        monitor_scores(ledger, (T0, T0 + DAY_US), (T0 + DAY_US, T0 + 2 * DAY_US))
    with pytest.raises(ValidationError, match="period"):
        monitor_scores(ledger, (T0 + DAY_US, T0), (T0, T0 + DAY_US))
    data = json.loads(default_policy().to_json())
    data["settings"] = {"monitoring": {"psi_alerts": 0.1}}
    with pytest.raises(PolicyError, match="unknown_setting"):
        monitoring_settings(policy_from_dict(data))


def test_monitor_command_alerts_with_exit_9(sqlite_url: str, clock: FakeClock) -> None:
    with Ledger(sqlite_url, default_policy(), clock=clock) as led:
        ref = [600 + (i % 50) for i in range(300)]
        _store(led, T0, ref, 1)
        _store(led, T0 + 40 * DAY_US, [v + 30 for v in ref], 1001)
    result = CliRunner().invoke(
        app,
        [
            "monitor",
            "--reference",
            "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z",
            "--until",
            "2026-04-01T00:00:00Z",
            "--json",
            "--db",
            sqlite_url,
        ],
    )
    assert result.exit_code == 9, result.output
    months = json.loads(result.output)
    assert len(months) == 1 and months[0]["alert"]
    assert months[0]["shifts"][0]["column"] == "score"
    assert months[0]["shifts"][0]["median_shift"] == 30.0
