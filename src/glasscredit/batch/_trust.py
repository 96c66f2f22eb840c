"""Trust propagation on Spark: SybilRank with DataFrame joins and aggregations.

The scipy kernel (:mod:`glasscredit.trust._sybilrank`) holds the graph in one CSR
matrix; beyond one machine the graph is an edge DataFrame (both directions of each
undirected edge) and a step ``x <- A (x / deg)`` is a join of the edges with each
node's share and a sum by destination. Nothing else changes: the same graph rules as
:func:`glasscredit.trust.build_endorsement_graph` (present events only, known subjects
only, no self-loops, a repeated pair once, ``mutual`` or ``either``), the same seeds
(``trust/_plan.py`` on the driver, where the inputs already are: degrees, communities,
clean history, the best-embedded per community), the same start mass (by degree), number
of steps and total trust, the same normalisation by the median trust of the
seed-eligible subjects. Sums run in another order than scipy's, so values agree to rounding
(a test holds them within 1e-9, and in the same points bins).

The lineage of an iterated join grows with every step; it is cut every
``checkpoint_every`` steps (a reliable checkpoint when the context has a checkpoint
directory, as a cluster should, otherwise a local one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from glasscredit.batch._settings import arrow_only
from glasscredit.trust import ReportSettings, TrustSettings, default_iterations
from glasscredit.trust._inputs import TrustInputs
from glasscredit.trust._plan import plan_seeds

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkTrust", "spark_sybilrank", "spark_trust"]


@dataclass(frozen=True, slots=True)
class SparkTrust:
    """Trust of every subject: ``frame`` holds subject, mass, trust, normalised."""

    frame: DataFrame
    seeds: list[str]
    iterations: int
    reference: float

    def values(self) -> dict[str, float]:
        """Subject -> normalised trust (collected: small graphs, tests, the ledger)."""
        return {r["subject"]: float(r["normalised"]) for r in self.frame.collect()}


def _edges(spark: SparkSession, inputs: TrustInputs, mode: str) -> DataFrame:
    """Directed pairs ``a -> b`` of the undirected graph (both directions of each edge)."""
    from pyspark.sql import functions as F

    subjects = spark.createDataFrame(inputs.subjects.select("subject").to_arrow())
    ends = inputs.endorsements.select("endorser", "endorsed", "occurred_at_us").to_arrow()
    e = spark.createDataFrame(ends).where(F.col("occurred_at_us") <= F.lit(inputs.as_of_us))
    known = subjects.select(F.col("subject").alias("k"))
    e = (
        e.join(known, e.endorser == known.k, "left_semi")
        .join(known, e.endorsed == known.k, "left_semi")
        .where(F.col("endorser") != F.col("endorsed"))
        .select(F.col("endorser").alias("a"), F.col("endorsed").alias("b"))
        .distinct()
    )
    if mode == "mutual":
        back = e.select(F.col("b").alias("a"), F.col("a").alias("b"))
        return e.join(back, ["a", "b"], "left_semi")
    return e.unionByName(e.select(F.col("b").alias("a"), F.col("a").alias("b"))).distinct()


def spark_sybilrank(
    spark: SparkSession,
    nodes: DataFrame,
    edges: DataFrame,
    seeds: list[str],
    iterations: int,
    total_trust: float,
    *,
    start: list[float] | None = None,
    reference: list[str] | None = None,
    checkpoint_every: int = 4,
) -> SparkTrust:
    """SybilRank over ``nodes`` (subject) and ``edges`` (a, b: both directions).

    ``seeds`` must have edges (the caller drops the others, as ``sybilrank`` does);
    ``start``: each seed's start mass (default an even split of ``total_trust``);
    ``reference``: the subjects whose median positive trust normalises (default the
    seeds; all positive trust when none of them holds any).
    """
    from pyspark.sql import functions as F

    degree = edges.groupBy(F.col("a").alias("subject")).agg(F.count("*").alias("deg")).cache()
    # each directed pair carries its source's 1 / degree once: a step is one join, one sum
    # partitioned by source like each step's mass (a sum by destination renamed to
    # source): the join reuses the partitioning and only the mass moves
    weighted = (
        edges.join(
            degree.select(F.col("subject").alias("a"), (F.lit(1.0) / F.col("deg")).alias("w")),
            "a",
        )
        .repartition("a")
        .cache()
    )
    mass = start if start is not None else [total_trust / len(seeds)] * len(seeds)
    x = spark.createDataFrame(
        pl.DataFrame({"a": seeds, "x": mass}, schema={"a": pl.String, "x": pl.Float64}).to_arrow()
    )
    reliable = spark.sparkContext.getCheckpointDir() is not None
    for step in range(iterations):
        x = (
            weighted.join(x, "a")
            .groupBy(F.col("b").alias("a"))
            .agg(F.sum(F.col("x") * F.col("w")).alias("x"))
        )
        if (step + 1) % checkpoint_every == 0:
            x = x.checkpoint() if reliable else x.localCheckpoint()
    x = x.withColumnRenamed("a", "subject")
    trust = (
        nodes.join(x, "subject", "left")
        .join(degree, "subject", "left")
        .select(
            "subject",
            F.coalesce(F.col("x"), F.lit(0.0)).alias("mass"),
            F.when(F.col("deg") > 0, F.coalesce(F.col("x"), F.lit(0.0)) / F.col("deg"))
            .otherwise(F.lit(0.0))
            .alias("trust"),
        )
        .cache()
    )
    pool = spark.createDataFrame(
        pl.DataFrame({"subject": reference or seeds}, schema={"subject": pl.String}).to_arrow()
    )
    value = _median_positive(trust.join(pool, "subject", "left_semi"))
    if value == 0.0:
        value = _median_positive(trust)
    normalised = (
        F.when(F.col("trust") >= F.lit(value), F.lit(1.0)).otherwise(F.col("trust") / F.lit(value))
        if value > 0
        else F.lit(0.0)
    )
    frame = trust.withColumn("normalised", normalised)
    return SparkTrust(frame, seeds, iterations, value)


def _median_positive(trust: DataFrame) -> float:
    from pyspark.sql import functions as F

    ref = trust.where(F.col("trust") > 0).agg(F.percentile("trust", 0.5).alias("m")).first()
    return float(ref["m"]) if ref is not None and ref["m"] is not None else 0.0


def spark_trust(
    spark: SparkSession,
    inputs: TrustInputs,
    settings: TrustSettings,
    reports: ReportSettings | None = None,
) -> SparkTrust:
    """Trust as of ``inputs.as_of_us`` on Spark: :func:`glasscredit.trust.snapshot_from_inputs`
    computed with joins (seeds and parameters chosen the same way)."""
    with arrow_only():
        return _spark_trust(spark, inputs, settings, reports or ReportSettings())


def _spark_trust(
    spark: SparkSession, inputs: TrustInputs, settings: TrustSettings, reports: ReportSettings
) -> SparkTrust:
    from pyspark.sql import functions as F

    subj = inputs.subjects
    edges = _edges(spark, inputs, settings.graph_mode).cache()
    nodes = spark.createDataFrame(subj.select("subject").to_arrow())
    plan = plan_seeds(inputs, settings, reports)
    order = np.argsort(np.array(plan.seeds, dtype=object))
    seeds = [plan.seeds[i] for i in order]
    if not seeds:  # trust starts nowhere: everyone 0, as the scipy snapshot stores it
        zero = nodes.select(
            "subject", *[F.lit(0.0).alias(c) for c in ("mass", "trust", "normalised")]
        )
        return SparkTrust(zero, [], 0, 0.0)
    n = subj.height
    steps = settings.iterations or default_iterations(n)
    degree = plan.graph.degree[plan.graph.index_of(seeds)].astype(np.float64)
    start = (float(n) * degree / degree.sum()).tolist()
    eligible = [str(s) for s in plan.selection.eligible]
    return spark_sybilrank(
        spark, nodes, edges, seeds, steps, float(n), start=start, reference=eligible
    )
