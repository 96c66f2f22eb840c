"""The demo population: seeded, valid under the default policy, streamed in chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from glasscredit.policy import BackfillWindow, EventValidator, ValidEvent, default_policy, iso
from glasscredit.simulate import (
    DEFAULT_END_US,
    PopulationSpec,
    generate_population,
    history_start,
    iter_event_dicts,
    iter_source_batches,
    population_truth,
    write_population,
)

SMALL = PopulationSpec(subjects=1_000, seed=11, chunk_subjects=400)


def _frame(spec: PopulationSpec) -> pl.DataFrame:
    frames = [pl.from_arrow(t) for t in generate_population(spec)]
    return pl.concat([f for f in frames if isinstance(f, pl.DataFrame)])


def test_the_same_seed_gives_the_same_population() -> None:
    assert _frame(SMALL).equals(_frame(SMALL))
    other = _frame(PopulationSpec(subjects=1_000, seed=12, chunk_subjects=400))
    assert not _frame(SMALL).equals(other)


def test_every_generated_event_is_valid_under_the_default_policy() -> None:
    # years of history: each source's records arrive in an approved backfill (as the
    # red-team world loads them), which admits that source's events of any date to now
    policy = default_policy()
    validators = {
        source: EventValidator(
            policy, DEFAULT_END_US, backfill=BackfillWindow(n, source, 0, DEFAULT_END_US, 0)
        )
        for n, source in enumerate(sorted(policy.sources), start=1)
    }
    ids = set()
    for n, ev in enumerate(iter_event_dicts(SMALL), start=1):
        result = validators[ev["source"]].validate(ev, n)
        assert isinstance(result, ValidEvent), (ev, result)
        ids.add(result.event_id)
    assert len(ids) == n  # every event_id is unique


def test_population_is_realistic_and_heterogeneous() -> None:
    df = _frame(SMALL)
    per_subject = df.height / SMALL.subjects
    # about 50 events per subject, plus about mean_degree (10) endorsements received
    assert 53 <= per_subject <= 65
    counts = dict(df.group_by("type").len().iter_rows())
    for kind in ("payment.late", "loan.defaulted", "endorsement", "report.misconduct"):
        assert counts.get(kind, 0) > 0, kind
    truth = population_truth(SMALL)
    late = (
        df.filter(pl.col("type") == "payment.late")
        .group_by("subject")
        .len()
        .join(truth, on="subject", how="right")
        .fill_null(0)
    )
    worst = late.filter(pl.col("quality") < 0.5).get_column("len").mean()
    best = late.filter(pl.col("quality") > 0.9).get_column("len").mean()
    assert isinstance(worst, float) and isinstance(best, float) and worst > 3 * best


def test_a_chunk_does_not_depend_on_the_population_size() -> None:
    """So 1,000,000 subjects stream chunk by chunk, never held whole in memory."""
    huge = PopulationSpec(subjects=1_000_000, seed=11, chunk_subjects=400)
    first_of_huge = next(iter(generate_population(huge)))
    first_of_small = next(iter(generate_population(SMALL)))
    assert first_of_huge.equals(first_of_small)


def test_parquet_is_written_one_row_group_per_chunk(tmp_path: Path) -> None:
    path = tmp_path / "pop.parquet"
    total = write_population(SMALL, path)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == total == _frame(SMALL).height
    assert meta.num_row_groups >= 3  # 1,000 subjects in chunks of 400


def _mutual_degrees(df: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    e = df.filter(pl.col("type") == "endorsement").select(
        a=pl.min_horizontal("subject", pl.col("attributes").str.json_path_match("$.endorser")),
        b=pl.max_horizontal("subject", pl.col("attributes").str.json_path_match("$.endorser")),
    )
    mutual = e.group_by("a", "b").len().filter(pl.col("len") == 2)
    deg = pl.concat([mutual["a"], mutual["b"]]).value_counts()["count"].to_numpy()
    return mutual, deg


def test_endorsement_graph_is_dense_heavy_tailed_and_in_communities() -> None:
    spec = PopulationSpec(subjects=2_000, seed=5, chunk_subjects=1_000)
    df = _frame(spec)
    mutual, deg = _mutual_degrees(df)
    assert 2 * mutual.height / spec.subjects >= 8  # mean degree of at least 8
    # heavy tail: the busiest subject has many times the median's partners, and the top
    # 1% hold several times their share of the edges
    assert deg.max() >= 10 * np.median(deg)
    top = np.sort(deg)[-spec.subjects // 100 :].sum() / deg.sum()
    assert top >= 0.04
    # communities: contiguous blocks of community_size subjects; most edges stay inside
    ia = mutual["a"].str.slice(1).cast(pl.Int64) // spec.community_size
    ib = mutual["b"].str.slice(1).cast(pl.Int64) // spec.community_size
    assert 0.85 <= float((ia == ib).mean()) < 1.0
    # every endorsement is mutual: nothing one-sided
    assert mutual.height * 2 == df.filter(pl.col("type") == "endorsement").height


def test_first_rounds_sparse_graph_is_still_available() -> None:
    spec = PopulationSpec(subjects=2_000, seed=5, chunk_subjects=1_000, mean_degree=0)
    mutual, _ = _mutual_degrees(_frame(spec))
    assert 2 * mutual.height / spec.subjects < 3


def test_several_banks_platforms_communities_and_identity_sources() -> None:
    spec = PopulationSpec(subjects=2_000, seed=5, chunk_subjects=1_000)
    df = _frame(spec)
    by_type = df.group_by("type").agg(pl.col("source").unique())
    sources = {t: set(s) for t, s in by_type.iter_rows()}
    assert sources["payment.on_time"] == {"bank", "lender", "credit_union"}
    assert sources["rental.returned"] == {"rentals", "marketplace"}
    assert sources["endorsement"] == {"community", "forum"}
    assert sources["identity.verified"] >= {"idcheck", "bank", "lender"}
    # identity checked by two different sources for a large share of subjects
    two = (
        df.filter(pl.col("type") == "identity.verified")
        .group_by("subject")
        .agg(pl.col("source").n_unique().alias("n"))
        .filter(pl.col("n") >= 2)
    )
    assert two.height >= 0.3 * spec.subjects
    # most subjects' positive history comes from at least two sources
    positive = df.filter(pl.col("type").is_in(["payment.on_time", "bill.paid", "rental.returned"]))
    per = positive.group_by("subject").agg(pl.col("source").n_unique().alias("n"))
    assert per.filter(pl.col("n") >= 2).height >= 0.7 * per.height


def test_source_batches_hold_every_event_once_by_source() -> None:
    batches = list(iter_source_batches(SMALL))
    assert all(all(r["source"] == s for r in rows) for s, rows in batches)
    ids = sorted(r["event_id"] for _, rows in batches for r in rows)
    assert ids == sorted(r["event_id"] for r in iter_event_dicts(SMALL))
    start = history_start(SMALL)
    assert min(r["occurred_at"] for _, rows in batches for r in rows) >= iso(start)
