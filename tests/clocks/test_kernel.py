"""The kernel's two dimensions of time: an event counts at (t, c) when recorded by c,
known by t and occurred by t; positive events known too long after they happened count
for nothing, and the explanation says why. Single subject = batch."""

from __future__ import annotations

import polars as pl

from glasscredit.features import compute_features, subject_pass
from glasscredit.policy import DAY_US, default_policy
from glasscredit.store import EVENT_FRAME_SCHEMA
from tests.clocks._helpers import NOW_US, clocked_policy, unbounded_policy

T_PAST = NOW_US - 200 * DAY_US


def _frame(rows: list[tuple[str, str, int, int, int]]) -> pl.DataFrame:
    """(event_id, type, occurred, recorded, known) of subject s1 from the bank."""
    attrs = {
        "payment.on_time": '{"amount":10}',
        "bill.paid": '{"amount":10,"kind":"phone"}',
        "bill.missed": '{"amount":10,"kind":"phone"}',
    }
    return pl.DataFrame(
        [
            (i, eid, "s1", "bank", typ, occ, rec, known, attrs[typ])
            for i, (eid, typ, occ, rec, known) in enumerate(rows, start=1)
        ],
        schema=EVENT_FRAME_SCHEMA,
        orient="row",
    )


def _both(df: pl.DataFrame, policy: object, t: int, c: int | None) -> dict[str, float | None]:
    batch = compute_features(df, policy, t, ledger_us=c, subjects=["s1"]).row("s1")  # type: ignore[arg-type]
    one = subject_pass(df, policy, t, "s1", ledger_us=c)  # type: ignore[arg-type]
    assert one.values == batch
    return batch


def test_a_backfilled_event_counts_in_the_past_only_at_a_later_ledger_position() -> None:
    occ = T_PAST - 30 * DAY_US
    df = _frame([("bf", "payment.on_time", occ, NOW_US, occ)])  # loaded now, known then
    policy = default_policy()
    assert _both(df, policy, T_PAST, None)["on_time_payments_24m"] == 0  # c = t: as stored
    assert _both(df, policy, T_PAST, NOW_US)["on_time_payments_24m"] == 1  # c = now
    # known after t: never counts at t, whatever the ledger position
    late = _frame([("bf", "payment.on_time", occ, NOW_US, T_PAST + 1)])
    assert _both(late, policy, T_PAST, NOW_US)["on_time_payments_24m"] == 0


def test_late_positive_events_do_not_count_and_say_why() -> None:
    policy = clocked_policy()  # lateness.max_lag 35d for positive events
    occ = NOW_US - 100 * DAY_US
    df = _frame(
        [
            ("honest-late-bill", "bill.paid", occ, occ + 20 * DAY_US, occ + 20 * DAY_US),
            ("stale-bill", "bill.paid", occ, occ + 40 * DAY_US, occ + 40 * DAY_US),
            ("late-negative", "bill.missed", occ, occ + 90 * DAY_US, occ + 90 * DAY_US),
        ]
    )
    values = _both(df, policy, NOW_US, None)
    one = subject_pass(df, policy, NOW_US, "s1")
    counted = {e["event_id"] for evs in one.provenance.values() for e in evs}
    assert "honest-late-bill" in counted and "late-negative" in counted
    assert "stale-bill" not in counted
    assert [e["event_id"] for e in one.late] == ["stale-bill"]
    # without the bound the stale bill counts: the rule is what removes it
    assert _both(df, unbounded_policy(), NOW_US, None) != values


def test_caps_on_the_ledger_clock_limit_a_backdated_flood() -> None:
    """Five payments dated a week apart but all known in one week count as the weekly
    cap allows; the same payments reported as they happened all count."""
    import json

    data = json.loads(unbounded_policy().to_json())  # no lateness: the caps alone
    for f in data["features"]:
        if f["name"] == "on_time_payments_24m":
            f["max_per_ledger_period"] = [{"period": "7d", "max": 2}, {"period": "1mo", "max": 3}]
    from glasscredit.policy import policy_from_dict

    policy = policy_from_dict(data)
    start = NOW_US - 60 * DAY_US
    week = 7 * DAY_US
    flood = _frame(
        [(f"f{i}", "payment.on_time", start + i * week, NOW_US, NOW_US) for i in range(5)]
    )
    honest = _frame(
        [(f"h{i}", "payment.on_time", start + i * week, start + i * week + DAY_US,
          start + i * week + DAY_US) for i in range(5)]
    )  # fmt: skip
    assert _both(flood, policy, NOW_US, None)["on_time_payments_24m"] == 2
    # known a week apart: the weekly cap never binds; all five fall in one month of the
    # ledger's clock, where the monthly cap keeps 3
    assert _both(honest, policy, NOW_US, None)["on_time_payments_24m"] == 3
    assert _both(honest, unbounded_policy(), NOW_US, None)["on_time_payments_24m"] == 5
