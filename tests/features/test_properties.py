"""Invariants on random ledgers: batch = single subject, points add up, lookups agree."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.features import ID_SUMS, compute_features, id_hash_sums, subject_pass
from glasscredit.policy import DAY_US, default_policy, parse_timestamp
from glasscredit.scoring import explain_row, score_frame

POLICY = default_policy()
T0 = parse_timestamp("2026-09-01T00:00:00Z")
TYPES = {
    "payment.on_time": '{"amount":%d}',
    "payment.late": '{"amount":%d,"days_late":%d}',
    "bill.paid": '{"amount":%d,"kind":"phone"}',
    "loan.defaulted": '{"amount":%d}',
    "identity.verified": '{"level":%d}',
    "account.opened": '{"kind":"current"}',
    "rental.returned": '{"asset":"bike"}',
    "contract.breached": "{}",
}
SOURCE = {"rental.returned": "rentals", "contract.breached": "rentals"}

event_rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # subject
        st.sampled_from(sorted(TYPES)),  # type
        st.integers(0, 9 * 365),  # days before T0 it happened
        st.integers(0, 30),  # days after occurring it was recorded
        st.integers(1, 3),  # small attribute value
    ),
    min_size=0,
    max_size=120,
)


def _frame(rows: list[tuple[int, str, int, int, int]]) -> pl.DataFrame:
    recs = []
    for i, (s, t, ago, lag, v) in enumerate(rows):
        tmpl = TYPES[t]
        attrs = tmpl % ((v * 10, v) if tmpl.count("%d") == 2 else (v,)) if "%d" in tmpl else tmpl
        occ = T0 - ago * DAY_US
        recs.append(
            {
                "seq": i + 1,
                "event_id": f"e{i}",
                "subject": f"s{s}",
                "source": SOURCE.get(t, "bank"),
                "type": t,
                "occurred_at_us": occ,
                "recorded_at_us": occ + lag * DAY_US,
                "known_at_us": occ + lag * DAY_US,
                "attributes": attrs,
            }
        )
    return pl.DataFrame(
        recs,
        schema={
            "seq": pl.Int64,
            "event_id": pl.String,
            "subject": pl.String,
            "source": pl.String,
            "type": pl.String,
            "occurred_at_us": pl.Int64,
            "recorded_at_us": pl.Int64,
            "known_at_us": pl.Int64,
            "attributes": pl.String,
        },
    )


@settings(max_examples=40, deadline=None)
@given(event_rows, st.integers(0, 400))
def test_batch_equals_single_subject_and_points_add_up(
    rows: list[tuple[int, str, int, int, int]], back_days: int
) -> None:
    df = _frame(rows)
    t = T0 - back_days * DAY_US
    batch = compute_features(df, POLICY, t)
    scored = score_frame(batch, POLICY).frame
    assert POLICY.points is not None
    ids = compute_features(df, POLICY, t, with_ids=True).frame
    for subject in batch.frame["subject"].to_list():
        single = compute_features(df.filter(pl.col("subject") == subject), POLICY, t)
        assert single.row(subject) == batch.row(subject)
        # explain's pass (its own plan and engine) over the whole frame agrees too
        one = subject_pass(df, POLICY, t, subject)
        assert one.features.row(subject) == batch.row(subject)
        # the batch digest's id count and hash sums equal those of explain's counted ids
        mine = ids.filter(pl.col("subject") == subject).select(ID_SUMS).row(0)
        assert id_hash_sums(one.counted_keys) == tuple(v or 0 for v in mine)
        assert one.key_sums == id_hash_sums(one.counted_keys)  # what explain digests
        exp = explain_row(POLICY, POLICY.points, subject, t, batch.row(subject), {})
        row = scored.filter(pl.col("subject") == subject).row(0, named=True)
        assert exp.score == row["score"] == exp.base_points + sum(f.points for f in exp.features)
        assert 350 <= exp.score <= 950
        assert exp.tier == row["tier"]
