"""Hand-written references for the batch benchmark: the default policy's features and
points as one DuckDB SQL query and one polars query, over the same in-memory events.

They are what an engineer would write for this one policy, with no generality: plain
filtered aggregates, two-level counts for the per-day caps, CASE ladders for points.
Windows, types and bins are read from the policy only so the numbers cannot drift.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

from glasscredit.policy import MONTH_US, Policy

__all__ = ["duckdb_scores", "polars_scores"]

_CAPPED = ("on_time_payments_24m", "contracts_kept_24m")  # at most 2 per day


def _points_sql(policy: Policy, name: str) -> str:
    assert policy.points is not None
    fp = policy.points.features[name]
    arms = [f"WHEN {name} IS NULL THEN {fp.missing}"]
    arms += [f"WHEN {name} < {e} THEN {p}" for e, p in zip(fp.edges, fp.points, strict=False)]
    return f"CASE {' '.join(arms)} ELSE {fp.points[-1]} END"


def _points_pl(policy: Policy, name: str) -> pl.Expr:
    assert policy.points is not None
    fp = policy.points.features[name]
    col = pl.col(name)
    expr = pl.when(col.is_null()).then(pl.lit(fp.missing))
    for e, p in zip(fp.edges, fp.points, strict=False):
        expr = expr.when(col < e).then(pl.lit(p))
    return expr.otherwise(pl.lit(fp.points[-1])).alias(f"p_{name}")


def _retention(policy: Policy) -> pa.Table:
    return pa.table(
        {
            "type": list(policy.event_types),
            "ret": [policy.retention_us(t) for t in policy.event_types],
        }
    )


def duckdb_scores(events: pa.Table, policy: Policy, t: int) -> pl.DataFrame:
    """subject, score from one hand-written DuckDB query."""
    f = {x.name: x for x in policy.features}

    def within(name: str) -> str:
        types = ", ".join(f"'{x}'" for x in f[name].types)
        w = f[name].window_us
        return f"type IN ({types})" + (f" AND occurred_at_us > {t - w}" if w else "")

    assert policy.points is not None
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("events", events)
    con.register("retention", _retention(policy))
    names = [n for n in policy.points.features if f[n].agg != "external"]
    ext = [n for n in policy.points.features if f[n].agg == "external"]  # no snapshots: null
    # min_sources: a feature counts at most ``cap`` while too few independent sources
    # report positive history (the default policy declares no source groups)
    clips = [
        f"CASE WHEN {x.min_sources.feature} < {x.min_sources.min} AND {x.name} > "
        f"{x.min_sources.cap} THEN {float(x.min_sources.cap)} ELSE {x.name} END AS {x.name}"
        for x in policy.features
        if x.min_sources is not None
    ]
    clip_sql = f"REPLACE ({', '.join(clips)})" if clips else ""
    sql = f"""
    WITH e AS (
      SELECT subject, source, type, occurred_at_us, attributes FROM events JOIN retention
      USING (type) WHERE recorded_at_us <= {t} AND occurred_at_us <= {t}
        AND occurred_at_us > {t} - ret),
    per_day AS (
      SELECT subject,
        least(count(*) FILTER (WHERE {within("on_time_payments_24m")}), 2) AS a,
        least(count(*) FILTER (WHERE {within("contracts_kept_24m")}), 2) AS b
      FROM e GROUP BY subject, occurred_at_us // 86400000000),
    capped AS (SELECT subject, least(sum(a), 48)::DOUBLE AS on_time_payments_24m,
                      least(sum(b), 40)::DOUBLE AS contracts_kept_24m
               FROM per_day GROUP BY subject),
    agg AS (
      SELECT subject,
        count(*) FILTER (WHERE {within("late_payments_24m")})::DOUBLE AS late_payments_24m,
        max(CAST(json_extract(attributes, '$.days_late') AS DOUBLE))
          FILTER (WHERE {within("max_days_late_24m")}) AS max_days_late_24m,
        count(*) FILTER (WHERE {within("defaults_7y")})::DOUBLE AS defaults_7y,
        least(count(*) FILTER (WHERE {within("loans_repaid_5y")}), 10)::DOUBLE
          AS loans_repaid_5y,
        count(*) FILTER (WHERE {within("breaches_24m")})::DOUBLE AS breaches_24m,
        max(CAST(json_extract(attributes, '$.level') AS DOUBLE))
          FILTER (WHERE {within("identity_level")}) AS identity_level,
        least(count(*) FILTER (WHERE {within("income_verified_24m")}), 1)::DOUBLE
          AS income_verified_24m,
        (({t} - min(occurred_at_us) FILTER (WHERE {within("months_since_first_account")}))
          // {MONTH_US})::DOUBLE AS months_since_first_account,
        count(DISTINCT source) FILTER (WHERE {within("active_sources_24m")})::DOUBLE
          AS active_sources_24m
      FROM e GROUP BY subject),
    feat AS (
      SELECT agg.*, coalesce(capped.on_time_payments_24m, 0) AS on_time_payments_24m,
        coalesce(capped.contracts_kept_24m, 0) AS contracts_kept_24m
      FROM agg LEFT JOIN capped USING (subject)),
    feat1 AS (SELECT * {clip_sql} FROM feat),
    feat2 AS (
      SELECT *, CASE WHEN on_time_payments_24m + late_payments_24m > 0
        THEN on_time_payments_24m / (on_time_payments_24m + late_payments_24m)
        END AS on_time_share_24m, {", ".join(f"NULL::DOUBLE AS {n}" for n in ext)} FROM feat1)
    SELECT subject, {policy.points.base} + {
        " + ".join(_points_sql(policy, n) for n in [*names, *ext])
    } AS score
    FROM feat2 ORDER BY subject
    """
    out = pl.from_arrow(con.sql(sql).to_arrow_table())
    con.close()
    assert isinstance(out, pl.DataFrame)
    return out


def polars_scores(events: pa.Table, policy: Policy, t: int) -> pl.DataFrame:
    """subject, score from one hand-written polars query."""
    f = {x.name: x for x in policy.features}

    def within(name: str) -> pl.Expr:
        cond = pl.col("type").is_in(f[name].types)
        w = f[name].window_us
        return cond & (pl.col("occurred_at_us") > t - w) if w else cond

    df = pl.from_arrow(events)
    assert isinstance(df, pl.DataFrame) and policy.points is not None
    e = (
        df.lazy()
        .join(pl.from_arrow(_retention(policy)).lazy(), on="type")  # type: ignore[union-attr]
        .filter(
            (pl.col("recorded_at_us") <= t)
            & (pl.col("occurred_at_us") <= t)
            & (pl.col("occurred_at_us") > t - pl.col("ret"))
        )
    )
    capped = (
        e.group_by("subject", pl.col("occurred_at_us") // 86_400_000_000)
        .agg(
            a=within("on_time_payments_24m").sum().clip(upper_bound=2),
            b=within("contracts_kept_24m").sum().clip(upper_bound=2),
        )
        .group_by("subject")
        .agg(
            on_time_payments_24m=pl.col("a").sum().clip(upper_bound=48).cast(pl.Float64),
            contracts_kept_24m=pl.col("b").sum().clip(upper_bound=40).cast(pl.Float64),
        )
    )

    def attr(name: str) -> pl.Expr:
        return (
            pl.col("attributes")
            .filter(within(f"{name}"))
            .str.json_path_match(f"$.{f[name].attribute}")
            .cast(pl.Float64)
            .max()
        )

    agg = e.group_by("subject").agg(
        late_payments_24m=within("late_payments_24m").sum().cast(pl.Float64),
        max_days_late_24m=attr("max_days_late_24m"),
        defaults_7y=within("defaults_7y").sum().cast(pl.Float64),
        loans_repaid_5y=within("loans_repaid_5y").sum().clip(upper_bound=10).cast(pl.Float64),
        breaches_24m=within("breaches_24m").sum().cast(pl.Float64),
        identity_level=attr("identity_level"),
        income_verified_24m=within("income_verified_24m")
        .sum()
        .clip(upper_bound=1)
        .cast(pl.Float64),
        months_since_first_account=(
            (t - pl.col("occurred_at_us").filter(within("months_since_first_account")).min())
            // MONTH_US
        ).cast(pl.Float64),
        active_sources_24m=pl.col("source")
        .filter(within("active_sources_24m"))
        .n_unique()
        .cast(pl.Float64),
    )
    on, late = pl.col("on_time_payments_24m"), pl.col("late_payments_24m")
    feat = (
        agg.join(capped, on="subject", how="left")
        .with_columns(on.fill_null(0.0), pl.col("contracts_kept_24m").fill_null(0.0))
        .with_columns(
            pl.when(
                (pl.col(x.min_sources.feature) < x.min_sources.min)
                & (pl.col(x.name) > x.min_sources.cap)
            )
            .then(float(x.min_sources.cap))
            .otherwise(pl.col(x.name))
            .alias(x.name)
            for x in policy.features
            if x.min_sources is not None
        )
        .with_columns(
            on_time_share_24m=pl.when(on + late > 0).then(on / (on + late)),
            **{
                x.name: pl.lit(None, dtype=pl.Float64)
                for x in policy.features
                if x.agg == "external"
            },
        )
    )
    pts = [_points_pl(policy, n) for n in policy.points.features]
    return (
        feat.select("subject", (pl.lit(policy.points.base) + pl.sum_horizontal(pts)).alias("score"))
        .sort("subject")
        .collect()
    )
