"""The demo population: seeded, valid under the default policy, streamed in chunks."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from glasscredit.policy import EventValidator, ValidEvent, default_policy
from glasscredit.simulate import (
    DEFAULT_END_US,
    PopulationSpec,
    generate_population,
    iter_event_dicts,
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
    validator = EventValidator(default_policy(), DEFAULT_END_US)
    ids = set()
    for n, ev in enumerate(iter_event_dicts(SMALL), start=1):
        result = validator.validate(ev, n)
        assert isinstance(result, ValidEvent), (ev, result)
        ids.add(result.event_id)
    assert len(ids) == n  # every event_id is unique


def test_population_is_realistic_and_heterogeneous() -> None:
    df = _frame(SMALL)
    per_subject = df.height / SMALL.subjects
    assert 45 <= per_subject <= 55  # about 50 events per subject
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
