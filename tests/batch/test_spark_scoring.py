"""The Spark engine writes exactly the local engine's rows, which are the ledger's scores.

On a generated ledger with disputes (open and resolved), a held burst and an erasure;
from the ledger's mirror and from a lake partitioned by day that still holds the erased
subject's records; as of now and as of a past time.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from glasscredit.batch import event_source, read_ledger_inputs, run_batch
from glasscredit.batch._inputs import ERASED_PREFIX
from glasscredit.exceptions import ValidationError
from glasscredit.scoring import Scorer, rescore
from glasscredit.store._audit import subject_hash
from tests.batch.conftest import NOW, PAST, STORED, World, rescored_rows


def _rows(out: Path) -> pl.DataFrame:
    return pl.read_parquet(str(out / "*.parquet")).sort("subject")


def _run(world: World, engine: str, out: Path, spark: object, **kw: object) -> pl.DataFrame:
    led = world.ledger()
    try:
        run_batch(
            led,
            engine=engine,  # type: ignore[arg-type]
            out=out,
            spark=spark,  # type: ignore[arg-type]
            as_of_us=kw.pop("as_of_us", NOW),  # type: ignore[arg-type]
            computed_at_us=NOW,
            **kw,  # type: ignore[arg-type]
        )
    finally:
        led.close()
    return _rows(out)


def test_the_world_has_what_the_engines_must_honour(world: World) -> None:
    led = world.ledger()
    try:
        inputs = read_ledger_inputs(Scorer(led), NOW)
    finally:
        led.close()
    excluded = set(inputs.exclusions["event_id"].to_list())
    assert set(world.disputed) | set(world.held) <= excluded
    # the squatted id (conftest): the bank's record is excluded, rentals' is not
    squatted = inputs.exclusions.filter(pl.col("event_id") == world.disputed[1])
    assert squatted["source"].unique().to_list() == ["bank"]
    assert inputs.erased == {subject_hash(world.erased)}
    assert world.erased not in inputs.subjects
    assert inputs.external is not None
    assert {"trust", "corroborated_reports"} <= set(inputs.external.columns)
    assert (
        subject_hash("x") == __import__("hashlib").sha256(f"{ERASED_PREFIX}x".encode()).hexdigest()
    )


def test_spark_rows_equal_local_rows_and_the_ledgers_scores(
    world: World, spark: object, tmp_path: Path
) -> None:
    local = _run(world, "local", tmp_path / "local", spark)
    on_spark = _run(world, "spark", tmp_path / "spark", spark)
    assert on_spark.equals(local)
    assert local.height == 239 and world.erased not in local["subject"].to_list()
    # the local engine's rows are what the ledger's own rescore stores
    mine = world.copy(tmp_path / "ledger")
    led = mine.ledger()
    try:
        stored = rescored_rows(led, NOW)
    finally:
        led.close()
    assert stored.equals(local.select(STORED))
    # trust and reports came from the ledger's snapshot, reasons from the points
    assert local["trust"].is_not_null().all()
    assert local["reasons"].list.len().max() > 0


def test_past_time_equals_single_subject_explain(
    world: World, spark: object, tmp_path: Path
) -> None:
    local = _run(world, "local", tmp_path / "local", spark, as_of_us=PAST)
    on_spark = _run(world, "spark", tmp_path / "spark", spark, as_of_us=PAST)
    assert on_spark.equals(local)
    led = world.ledger()
    try:
        sc = Scorer(led)
        for row in on_spark.head(25).iter_rows(named=True):
            exp = sc.explain(row["subject"], PAST)
            assert (exp.score, exp.tier, exp.inputs_digest) == (
                row["score"],
                row["tier"],
                row["inputs_digest"],
            )
            assert [r.code for r in exp.reasons] == row["reasons"]
        sc.close()
    finally:
        led.close()
    # the dispute resolved as removed stopped counting before now, not before PAST + 1 day
    assert not on_spark.equals(_rows(tmp_path / "spark").filter(pl.col("as_of_us") == NOW))


def test_lake_partitioned_by_day_drops_the_erased_subjects_records(
    world: World, spark: object, tmp_path: Path
) -> None:
    from_mirror = _run(world, "spark", tmp_path / "mirror", spark)
    from_lake = _run(world, "spark", tmp_path / "lake", spark, events=world.lake)
    local_lake = _run(world, "local", tmp_path / "local", spark, events=world.lake)
    assert from_lake.equals(from_mirror)
    assert local_lake.equals(from_mirror)
    assert any(p.name.startswith("day=") for p in world.lake.iterdir())


def test_store_writes_current_scores_and_notices_as_rescore_does(
    world: World, spark: object, tmp_path: Path
) -> None:
    ours, theirs = world.copy(tmp_path / "ours"), world.copy(tmp_path / "theirs")
    results = []
    for copy, engine in ((ours, "spark"), (theirs, None)):
        led = copy.ledger()
        try:
            sc = Scorer(led)
            rescore(sc, PAST, NOW)  # a previous score for everyone: notices can follow
            if engine is None:
                report = rescore(sc, NOW, NOW)
                stored, changed = report.stored, report.changed
            else:
                got = run_batch(
                    led,
                    engine="spark",
                    as_of_us=NOW,
                    computed_at_us=NOW,
                    out=tmp_path / "out",
                    spark=spark,  # type: ignore[arg-type]
                    store=True,
                )
                stored, changed = got.stored, got.changed
            scores = led.execute_sql(
                "SELECT score_id, subject, as_of_us, score, tier, inputs_digest, detail "
                "FROM scores ORDER BY score_id"
            )
            notices = led.execute_sql(
                "SELECT subject, score_id, prev_score_id, diff FROM score_changes ORDER BY id"
            )
            cursor = led.execute_sql("SELECT * FROM scoring_cursor ORDER BY subject")
            sc.close()
        finally:
            led.close()
        results.append((stored, changed, scores, notices, cursor))
    assert results[0] == results[1]
    stored, changed, _, notices, _ = results[0]
    assert stored == 239 and changed > 0 and len(notices) >= changed


def test_store_refuses_a_past_time(world: World, spark: object, tmp_path: Path) -> None:
    led = world.ledger()
    try:
        with pytest.raises(ValidationError) as err:
            run_batch(
                led,
                engine="spark",
                as_of_us=PAST,
                computed_at_us=NOW,
                out=tmp_path / "out",
                spark=spark,  # type: ignore[arg-type]
                store=True,
            )
    finally:
        led.close()
    assert err.value.errors[0].field == "--as-of"
    assert "historical" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_events_without_the_ledgers_columns_are_refused(tmp_path: Path) -> None:
    pl.DataFrame({"event_id": ["e1"], "subject": ["s1"]}).write_parquet(tmp_path / "e.parquet")
    with pytest.raises(ValidationError) as err:
        event_source(tmp_path / "e.parquet")
    assert err.value.errors[0].field == "--events"
    assert "recorded_at_us" in str(err.value)
    with pytest.raises(ValidationError, match="no Parquet file"):
        event_source(tmp_path / "nothing")
