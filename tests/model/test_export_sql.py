"""The SQL export scores exactly like Python in SQLite, DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator

import duckdb
import numpy as np
import polars as pl
import psycopg
import pytest

from glasscredit.model import ScorecardClassifier, sql_case, to_json, to_sql
from glasscredit.policy import FeaturePoints, PointsTable, SpecialBin

TABLE = PointsTable(
    base=600,
    features={
        "x": FeaturePoints(
            edges=[-1.5, 0.0, 0.1, 1e16],
            points=[-10, 0, 5, 12, 20],
            missing=-3,
            specials=[SpecialBin(values=[-999.0], points=-7)],
        ),
        "c": FeaturePoints(
            kind="categorical", groups=[["a", "it's"], ["z"]], points=[4, -4], missing=1, other=-9
        ),
    },
)
X_VALUES = [
    None,
    math.nan,
    math.inf,
    -math.inf,
    -999.0,
    -1.5,
    -1.5000000000000002,
    0.0,
    -0.0,
    0.1,
    0.09999999999999999,
    1e16,
    1e300,
    7.0,
]
C_VALUES = ["a", "it's", "z", "unseen", None, "A"]
ROWS = [(i, X_VALUES[i % len(X_VALUES)], C_VALUES[i % len(C_VALUES)]) for i in range(84)]


def expected() -> list[int]:
    return [TABLE.score_row({"x": x, "c": c}) for _, x, c in ROWS]


def test_sqlite_scores_equal_python() -> None:
    con = sqlite3.connect(":memory:")
    con.execute('CREATE TABLE applicants (id INTEGER, "x" REAL, "c" TEXT)')
    # SQLite stores NaN as NULL: both are the missing bin, as in Python
    con.executemany("INSERT INTO applicants VALUES (?, ?, ?)", ROWS)
    got = [
        r[1] for r in con.execute(to_sql(TABLE, "applicants", "sqlite", ["id"]) + " ORDER BY id")
    ]
    assert got == expected()


def test_duckdb_scores_equal_python() -> None:
    con = duckdb.connect()
    con.execute('CREATE TABLE applicants (id INTEGER, "x" DOUBLE, "c" VARCHAR)')
    con.executemany("INSERT INTO applicants VALUES (?, ?, ?)", ROWS)
    assert con.execute("SELECT count(*) FROM applicants WHERE isnan(x)").fetchone() == (6,)
    got = [
        r[1]
        for r in con.execute(
            to_sql(TABLE, "applicants", "duckdb", ["id"]) + " ORDER BY id"
        ).fetchall()
    ]
    assert got == expected()


@pytest.fixture
def pg(pg_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection into the fresh schema made by the shared ``pg_url`` fixture."""
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        yield con


def test_postgresql_scores_equal_python(pg: psycopg.Connection[tuple[object, ...]]) -> None:
    with pg.cursor() as cur:
        cur.execute('CREATE TABLE applicants (id integer, "x" double precision, "c" text)')
        cur.executemany("INSERT INTO applicants VALUES (%s, %s, %s)", ROWS)
        cur.execute("SELECT count(*) FROM applicants WHERE x = 'NaN'::double precision")
        assert cur.fetchone() == (6,)
        cur.execute(to_sql(TABLE, "applicants", "postgresql", ["id"]) + " ORDER BY id")
        got = [r[1] for r in cur.fetchall()]
    assert got == expected()


def test_fitted_model_sql_equals_predict_score_in_duckdb(
    fitted: ScorecardClassifier, data: tuple[pl.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    con = duckdb.connect()
    arrow_table = X.with_row_index("id").to_arrow()
    con.register("applicants", arrow_table)
    sql = to_sql(fitted.points_table_, "applicants", "duckdb", ["id"]) + " ORDER BY id"
    got = np.array([r[1] for r in con.execute(sql).fetchall()])
    assert (got == fitted.predict_score(X)).all()


def test_sql_case_follows_bin_of_branch_order() -> None:
    case = sql_case("x", TABLE.features["x"], "postgresql")
    assert case.index("IS NULL") < case.index("IN (-999)") < case.index("< '-1.5'::double")
    assert "'NaN'::double precision" in case
    assert "'it''s'" in sql_case("c", TABLE.features["c"])


def test_numbers_are_written_so_that_each_database_reads_the_same_double() -> None:
    # DuckDB reads the bare literal as a DECIMAL and rounds it; SQLite 3.40 misreads it
    tricky = [5.494909465173757, -2.2606631148481385e-299, 5e-324, 1e300, 0.1]
    duck = duckdb.connect()
    lite = sqlite3.connect(":memory:")
    for v in tricky:
        fp = FeaturePoints(edges=[v], points=[0, 1])
        assert duck.execute(
            f"SELECT {sql_case('x', fp, 'duckdb')} FROM (SELECT ?::DOUBLE AS x)", [v]
        ).fetchone() == (1,)
        assert duck.execute(
            f"SELECT {sql_case('x', fp, 'duckdb')} FROM (SELECT ?::DOUBLE AS x)",
            [math.nextafter(v, -math.inf)],
        ).fetchone() == (0,)
        assert lite.execute(f"SELECT {sql_case('x', fp)} FROM (SELECT ? AS x)", [v]).fetchone() == (
            1,
        )
        assert lite.execute(
            f"SELECT {sql_case('x', fp)} FROM (SELECT ? AS x)", [math.nextafter(v, -math.inf)]
        ).fetchone() == (0,)
    assert "/* 0.8 */" in sql_case("x", FeaturePoints(edges=[0.8], points=[0, 1]))
    assert "< 30 THEN" in sql_case("x", FeaturePoints(edges=[30.0], points=[0, 1]))


def test_json_export_round_trips_and_refuses_nan() -> None:
    doc = json.loads(to_json(TABLE))
    assert PointsTable.model_validate(doc["points_table"]) == TABLE
    with pytest.raises(ValueError, match="JSON"):
        to_json(TABLE, {"bad": math.nan})


@pytest.fixture(scope="module")
def bool_model() -> tuple[ScorecardClassifier, pl.DataFrame]:
    rng = np.random.default_rng(5)
    n = 600
    flag = rng.random(n) < 0.4
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x + 1.5 * flag - 0.7)))).astype(int)
    X = pl.DataFrame({"x": x, "flag": pl.Series(flag.tolist())})
    X = X.with_columns(
        pl.when(pl.int_range(n) % 50 == 0).then(None).otherwise(pl.col("flag")).alias("flag")
    )
    return ScorecardClassifier(random_state=0).fit(X, y), X


def test_a_boolean_feature_is_binned_as_categories(
    bool_model: tuple[ScorecardClassifier, pl.DataFrame],
) -> None:
    m, X = bool_model
    fp = m.points_table_.features["flag"]
    assert fp.kind == "categorical"
    assert sorted(c for g in fp.groups for c in g) == ["False", "True"]
    true_pts = fp.points[fp.groups.index(["True"])]
    assert true_pts < fp.points[fp.groups.index(["False"])]  # the flag raises the bad rate
    row = m.explain(X.filter(pl.col("flag")).head(1))[0]["features"]
    assert [f["bin"] for f in row if f["feature"] == "flag"] == ["{True}"]


def _bool_rows(X: pl.DataFrame) -> list[tuple[int, float, bool | None]]:
    return [(i, x, f) for i, (x, f) in enumerate(X.iter_rows())]


def test_boolean_feature_sql_equals_predict_score_in_three_databases(
    bool_model: tuple[ScorecardClassifier, pl.DataFrame],
    pg: psycopg.Connection[tuple[object, ...]],
) -> None:
    m, X = bool_model
    want = m.predict_score(X).tolist()
    rows = _bool_rows(X)
    lite = sqlite3.connect(":memory:")
    lite.execute('CREATE TABLE applicants (id INTEGER, "x" REAL, "flag" BOOLEAN)')
    lite.executemany("INSERT INTO applicants VALUES (?, ?, ?)", rows)
    sql = to_sql(m.points_table_, "applicants", "sqlite", ["id"]) + " ORDER BY id"
    assert [r[1] for r in lite.execute(sql)] == want
    duck = duckdb.connect()
    duck.execute('CREATE TABLE applicants (id INTEGER, "x" DOUBLE, "flag" BOOLEAN)')
    duck.executemany("INSERT INTO applicants VALUES (?, ?, ?)", rows)
    sql = to_sql(m.points_table_, "applicants", "duckdb", ["id"]) + " ORDER BY id"
    assert [r[1] for r in duck.execute(sql).fetchall()] == want
    with pg.cursor() as cur:
        cur.execute('CREATE TABLE applicants (id integer, "x" double precision, "flag" boolean)')
        cur.executemany("INSERT INTO applicants VALUES (%s, %s, %s)", rows)
        cur.execute(to_sql(m.points_table_, "applicants", "postgresql", ["id"]) + " ORDER BY id")
        assert [r[1] for r in cur.fetchall()] == want
