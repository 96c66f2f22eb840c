"""Batch folds per-period caps of counts without sorting: equal to the running count."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.features import compute_features, subject_pass
from glasscredit.policy import DAY_US, default_policy, parse_timestamp

POLICY = default_policy()
T0 = parse_timestamp("2026-09-01T00:00:00Z")
CAPPED = ["payment.on_time", "bill.paid", "contract.fulfilled", "rental.returned"]
ATTRS = {
    "payment.on_time": '{"amount":5}',
    "bill.paid": '{"amount":5,"kind":"phone"}',
    "contract.fulfilled": "{}",
    "rental.returned": '{"asset":"bike"}',
}

# many events on few days, so that the 2-per-day caps bite
dense = st.lists(
    st.tuples(
        st.integers(0, 2), st.sampled_from(CAPPED), st.integers(0, 3), st.integers(0, 86_399)
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(dense)
def test_folded_caps_equal_the_single_subject_running_count(
    rows: list[tuple[int, str, int, int]],
) -> None:
    df = pl.DataFrame(
        [
            {
                "seq": i + 1,
                "event_id": f"e{i}",
                "subject": f"s{s}",
                "source": "rentals" if t.startswith("rental") else "bank",
                "type": t,
                "occurred_at_us": T0 - (day + 1) * DAY_US + sec * 1_000_000,
                "recorded_at_us": T0,
                "known_at_us": T0,
                "attributes": ATTRS[t],
            }
            for i, (s, t, day, sec) in enumerate(rows)
        ]
    )
    batch = compute_features(df, POLICY, T0)
    for subject in batch.frame["subject"].to_list():
        single = subject_pass(df, POLICY, T0, subject).features.row(subject)
        assert single == batch.row(subject)
    # the kept count by hand: at most 2 a day per subject (4 days: far below the cap 48)
    per_day = (
        df.filter(pl.col("type").is_in(["payment.on_time", "bill.paid"]))
        .group_by("subject", pl.col("occurred_at_us") // DAY_US)
        .len()
    )
    kept = per_day.group_by("subject").agg(pl.col("len").clip(upper_bound=2).sum())
    for subject, n in kept.iter_rows():
        assert batch.row(subject)["on_time_payments_24m"] == float(n)
