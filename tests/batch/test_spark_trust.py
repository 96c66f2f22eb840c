"""SybilRank on Spark (joins and sums) equals the scipy kernel within 1e-9, same bins."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from glasscredit.batch import spark_trust
from glasscredit.policy import default_policy
from glasscredit.simulate import make_scenario
from glasscredit.trust import TrustSettings, snapshot_from_inputs, trust_settings
from glasscredit.trust._inputs import TrustInputs, load_trust_inputs
from tests.batch.conftest import NOW, World


def _bins(values: np.ndarray) -> np.ndarray:
    table = default_policy().points
    assert table is not None
    return np.asarray(table.features["trust"].slots(values))  # the bin of each value


def _assert_same(inputs: TrustInputs, settings: TrustSettings, spark: object) -> dict[str, float]:
    snap = snapshot_from_inputs(inputs, settings)
    got = spark_trust(spark, inputs, settings)  # type: ignore[arg-type]
    assert got.seeds == sorted(snap.seeds)
    assert got.iterations == snap.iterations
    values = got.values()
    assert sorted(values) == sorted(snap.values)
    ids = sorted(snap.values)
    ours = np.array([values[s] for s in ids])
    scipy = np.array([snap.values[s] for s in ids])
    assert np.abs(ours - scipy).max() <= 1e-9
    assert np.array_equal(_bins(ours), _bins(scipy))
    return snap.values


def test_trust_of_the_generated_ledger(world: World, spark: object) -> None:
    led = world.ledger()
    try:
        inputs = load_trust_inputs(led, NOW)
        # the generated population has one identity source and was ingested at once, so
        # none of its subjects can be a seed under the policy; for parity, any may be
        settings = replace(trust_settings(led.policy), min_identity_level=0, min_clean_months=0)
    finally:
        led.close()
    values = _assert_same(inputs, settings, spark)
    assert 0 < sum(v > 0 for v in values.values()) < len(values)  # reached, and not all


def test_trust_of_a_sybil_attack_with_one_sided_edges(spark: object) -> None:
    sc = make_scenario(400, 80, 6, communities=4, seed=3)
    name = np.array([f"n{i:04d}" for i in range(sc.n_subjects)], dtype=object)
    inputs = TrustInputs(
        sc.as_of_us,
        pl.DataFrame(
            {
                "subject": name.tolist(),
                "identity_level": sc.identity_level.astype(np.int64),
                "clean_months": sc.clean_history_months.astype(np.int64),
            }
        ),
        pl.DataFrame(
            {
                "event_id": [f"e{i}" for i in range(len(sc.endorser))],
                "endorser": name[sc.endorser].tolist(),
                "endorsed": name[sc.endorsed].tolist(),
                "occurred_at_us": sc.occurred_at_us.astype(np.int64),
            }
        ),
        pl.DataFrame(),
    )
    settings = TrustSettings(graph_mode="either", min_identity_level=2, min_clean_months=6)
    values = _assert_same(inputs, settings, spark)
    sybil = np.array([values[s] for s in name[sc.is_sybil]])
    honest = np.array([values[s] for s in name[~sc.is_sybil]])
    assert np.median(sybil) < np.median(honest)  # the ranking still does its job
