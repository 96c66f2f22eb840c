"""Per-period caps: the run-based running count equals the grouped one, and by hand."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.features import compute_features
from glasscredit.features._kernel import _running_count
from glasscredit.policy import DAY_US, default_policy, parse_timestamp

T0 = parse_timestamp("2026-09-01T00:00:00Z")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40), st.booleans()), max_size=80))
def test_running_count_equals_grouped_cum_sum(rows: list[tuple[int, int, bool]]) -> None:
    df = pl.DataFrame(
        {
            "subject": [f"s{s}" for s, _, _ in rows],
            "occurred_at_us": [h * 3_600_000_000 for _, h, _ in rows],
            "c": [c for _, _, c in rows],
        },
        schema={"subject": pl.String, "occurred_at_us": pl.Int64, "c": pl.Boolean},
    ).sort("subject", "occurred_at_us")
    day = pl.col("occurred_at_us") // DAY_US
    got = df.select(_running_count(pl.col("c"), DAY_US).alias("n"))["n"].to_list()
    want = df.select(pl.col("c").cast(pl.Int64).cum_sum().over(["subject", day]).alias("n"))[
        "n"
    ].to_list()
    assert got == want


def test_at_most_two_on_time_payments_a_day_count() -> None:
    # s1: 3 on-time payments on 2026-08-01 and 1 on 2026-08-02 -> min(3,2) + 1 = 3;
    # s2: 1 payment on 2026-08-01 -> 1. The late payment between them does not use a slot.
    def ev(i: int, subject: str, day: str, type_: str = "payment.on_time") -> dict[str, object]:
        t = parse_timestamp(f"2026-08-{day}T0{i % 9}:00:00Z")
        attrs = '{"amount":10,"days_late":3}' if type_ == "payment.late" else '{"amount":10}'
        return {
            "seq": i,
            "event_id": f"e{i}",
            "subject": subject,
            "source": "bank",
            "type": type_,
            "occurred_at_us": t,
            "recorded_at_us": t,
            "known_at_us": t,
            "attributes": attrs,
        }

    df = pl.DataFrame(
        [
            ev(1, "s1", "01"),
            ev(2, "s1", "01", "payment.late"),
            ev(3, "s1", "01"),
            ev(4, "s1", "01"),
            ev(5, "s1", "02"),
            ev(6, "s2", "01"),
        ]
    )
    ff = compute_features(df, default_policy(), T0)
    assert ff.row("s1")["on_time_payments_24m"] == 3.0
    assert ff.row("s1")["late_payments_24m"] == 1.0
    assert ff.row("s2")["on_time_payments_24m"] == 1.0
