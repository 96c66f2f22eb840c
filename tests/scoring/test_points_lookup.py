"""One points lookup: the batch engine, the explanation, the learned model and the SQL
export give every value the same bin and the same points.

Tables and values are generated: edges anywhere among the doubles, special values
(some exactly on an edge), missing values, NaN, +/-infinity, values exactly on an edge
and one ulp either side. A table that could be read two ways is refused by the policy
validator with a named rule.
"""

from __future__ import annotations

import copy
import math
import sqlite3
from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
import polars as pl
import psycopg
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasscredit.exceptions import PolicyError
from glasscredit.features import FeatureFrame
from glasscredit.model import explain_rows, sql_case, table_points, to_sql
from glasscredit.policy import (
    FeaturePoints,
    PointsTable,
    SpecialBin,
    default_policy,
    policy_from_dict,
)
from glasscredit.scoring import score_frame

POLICY = default_policy()
FINITE = st.floats(allow_nan=False, allow_infinity=False)
POINTS = st.integers(-1000, 1000)


@st.composite
def numeric_feature(draw: st.DrawFn) -> FeaturePoints:
    edges = sorted(set(draw(st.lists(FINITE, max_size=5))))
    pool = FINITE if not edges else st.one_of(FINITE, st.sampled_from(edges))
    values = draw(st.lists(pool, max_size=5, unique=True))
    cuts = sorted(draw(st.lists(st.integers(1, max(len(values) - 1, 1)), max_size=2)))
    groups = [values[a:b] for a, b in zip([0, *cuts], [*cuts, len(values)], strict=True)]
    return FeaturePoints(
        edges=edges,
        points=draw(st.lists(POINTS, min_size=len(edges) + 1, max_size=len(edges) + 1)),
        missing=draw(POINTS),
        specials=[SpecialBin(values=g, points=draw(POINTS)) for g in groups if g],
    )


@st.composite
def numeric_case(draw: st.DrawFn) -> tuple[PointsTable, list[list[float | None]]]:
    """A table of one to three numeric features and rows of values aimed at its seams."""
    feats = draw(st.lists(numeric_feature(), min_size=1, max_size=3))
    table = PointsTable(
        base=draw(st.integers(0, 900)), features={f"f{i}": f for i, f in enumerate(feats)}
    )
    seams: list[float] = [math.inf, -math.inf, math.nan, 0.0, -0.0]
    for fp in feats:
        for e in fp.edges:
            seams += [e, math.nextafter(e, -math.inf), math.nextafter(e, math.inf)]
        seams += fp.special_values
    value = st.one_of(st.none(), FINITE, st.sampled_from(seams))
    rows = draw(
        st.lists(st.lists(value, min_size=len(feats), max_size=len(feats)), min_size=1, max_size=25)
    )
    return table, rows


def _frame(table: PointsTable, rows: list[list[Any]], dtype: Any) -> pl.DataFrame:
    names = list(table.features)
    return pl.DataFrame(
        {n: [r[i] for r in rows] for i, n in enumerate(names)},
        schema={n: dtype for n in names},
    ).with_row_index("id")


def _expected(table: PointsTable, rows: list[list[Any]]) -> tuple[list[list[str]], list[list[int]]]:
    """Bins and points per row and feature through ``bin_of`` (the explanation's path)."""
    bins, pts = [], []
    for r in rows:
        got = [fp.bin_of(v) for fp, v in zip(table.features.values(), r, strict=True)]
        bins.append([b for b, _ in got])
        pts.append([p for _, p in got])
    return bins, pts


def _sql_points(table: PointsTable, dialect: str) -> str:
    cases = ", ".join(
        f"{sql_case(n, fp, dialect)} AS p{i}" for i, (n, fp) in enumerate(table.features.items())
    )
    score = to_sql(table, "t", dialect, ["id"]).split("\nFROM")[0].removeprefix('SELECT "id", ')
    return f'SELECT "id", {cases}, {score} FROM "t" ORDER BY "id"'


def _check_sql(table: PointsTable, rows: list[list[Any]], got: list[tuple[Any, ...]]) -> None:
    _, pts = _expected(table, rows)
    assert [list(r[1:-1]) for r in got] == pts
    assert [r[-1] for r in got] == [table.base + sum(p) for p in pts]


@settings(max_examples=300, deadline=None)
@given(numeric_case())
def test_engine_explanation_model_and_sql_agree_on_numeric_tables(
    case: tuple[PointsTable, list[list[float | None]]],
) -> None:
    table, rows = case
    bins, pts = _expected(table, rows)
    frame = _frame(table, rows, pl.Float64)
    names = list(table.features)

    # the batch engine
    features = FeatureFrame(
        0, frame.drop("id").with_columns(subject=pl.col(names[0]).cast(pl.Utf8))
    )
    scored = score_frame(features, POLICY, table).frame
    assert [[scored[f"p:{n}"][i] for n in names] for i in range(len(rows))] == pts
    assert scored["score"].to_list() == [table.base + sum(p) for p in pts]

    # the learned model's scorer and its per-row explanation
    total, parts = table_points(table, frame)
    assert [[int(parts[n][i]) for n in names] for i in range(len(rows))] == pts
    assert total.tolist() == [table.base + sum(p) for p in pts]
    explained = explain_rows(table, frame)
    assert [[f["bin"] for f in e["features"]] for e in explained] == bins
    assert [[f["points"] for f in e["features"]] for e in explained] == pts

    # the SQL export: SQLite (NaN is stored as NULL: the missing bin too) and DuckDB
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (id INTEGER, " + ", ".join(f'"{n}" REAL' for n in names) + ")")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (len(names) + 1))})", frame.rows())
    _check_sql(table, rows, con.execute(_sql_points(table, "sqlite")).fetchall())
    duck = duckdb.connect()
    duck.register("t", frame.to_arrow())
    _check_sql(table, rows, duck.execute(_sql_points(table, "duckdb")).fetchall())


@pytest.fixture
def pg(pg_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        yield con


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=numeric_case())
def test_sql_export_agrees_in_postgresql(
    pg: psycopg.Connection[tuple[object, ...]], case: tuple[PointsTable, list[list[float | None]]]
) -> None:
    table, rows = case
    names = list(table.features)
    frame = _frame(table, rows, pl.Float64)
    with pg.cursor() as cur:
        typed = ", ".join(f'"{n}" double precision' for n in names)
        cur.execute(f"CREATE TEMP TABLE t (id integer, {typed}) ON COMMIT DROP")
        cur.executemany(
            f"INSERT INTO t VALUES ({', '.join(['%s'] * (len(names) + 1))})", frame.rows()
        )
        cur.execute(_sql_points(table, "postgresql"))
        got = cur.fetchall()
    pg.rollback()
    _check_sql(table, rows, got)


CATEGORY = st.text(alphabet="ab'\" é", max_size=3)


@st.composite
def categorical_case(draw: st.DrawFn) -> tuple[PointsTable, list[list[str | None]]]:
    cats = draw(st.lists(CATEGORY, min_size=1, max_size=6, unique=True))
    cuts = sorted(set(draw(st.lists(st.integers(1, len(cats)), max_size=3))))
    groups = [cats[a:b] for a, b in zip([0, *cuts], [*cuts, len(cats)], strict=True)]
    groups = [g for g in groups if g]
    fp = FeaturePoints(
        kind="categorical",
        groups=groups,
        points=draw(st.lists(POINTS, min_size=len(groups), max_size=len(groups))),
        missing=draw(POINTS),
        other=draw(st.one_of(st.none(), POINTS)),
    )
    table = PointsTable(base=500, features={"c": fp})
    value = st.one_of(st.none(), CATEGORY, st.sampled_from(cats))
    return table, draw(st.lists(st.lists(value, min_size=1, max_size=1), min_size=1, max_size=20))


@settings(max_examples=200, deadline=None)
@given(categorical_case())
def test_explanation_model_and_sql_agree_on_categorical_tables(
    case: tuple[PointsTable, list[list[str | None]]],
) -> None:
    table, rows = case
    bins, pts = _expected(table, rows)
    frame = _frame(table, rows, pl.Utf8)
    _, parts = table_points(table, frame)
    assert [[int(parts["c"][i])] for i in range(len(rows))] == pts
    assert [[f["bin"] for f in e["features"]] for e in explain_rows(table, frame)] == bins
    con = sqlite3.connect(":memory:")
    con.execute('CREATE TABLE t (id INTEGER, "c" TEXT)')
    con.executemany("INSERT INTO t VALUES (?, ?)", frame.rows())
    _check_sql(table, rows, con.execute(_sql_points(table, "sqlite")).fetchall())
    duck = duckdb.connect()
    duck.register("t", frame.to_arrow())
    _check_sql(table, rows, duck.execute(_sql_points(table, "duckdb")).fetchall())


def test_value_in_two_special_bins_scored_one_way_everywhere() -> None:
    """The bug of issue 10: 9 points in the batch, 7 in the explanation; now refused."""
    with pytest.raises(ValueError, match="distinct_specials"):
        FeaturePoints(
            edges=[0.0],
            points=[0, 1],
            specials=[SpecialBin(values=[-1.0], points=7), SpecialBin(values=[-1.0], points=9)],
        )


def _with_feature_points(entry: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(POLICY.model_dump(mode="json", exclude_none=True, by_alias=True))
    data["points"]["features"]["trust"] = entry
    return data


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        (
            {
                "edges": [0.5],
                "points": [0, 1],
                "specials": [{"values": [-1], "points": 7}, {"values": [-1], "points": 9}],
            },
            "distinct_specials",
        ),
        (
            {"edges": [0.5], "points": [0, 1], "specials": [{"values": [-1, -1], "points": 7}]},
            "distinct_specials",
        ),
        (
            {"edges": [0.5], "points": [0, 1], "specials": [{"values": [math.inf], "points": 7}]},
            "finite_specials",
        ),
        ({"edges": [0.5, math.nan], "points": [0, 1, 2]}, "finite_edges"),
        ({"edges": [0.8, 0.5], "points": [0, 1, 2]}, "ascending_edges"),
        ({"edges": [0.5, 0.5], "points": [0, 1, 2]}, "ascending_edges"),
        ({"edges": [0.5], "points": [0, 1], "other": 3}, "numeric_bins"),
        (
            {"kind": "categorical", "groups": [["a"], ["b", "a"]], "points": [0, 1]},
            "distinct_groups",
        ),
    ],
)
def test_policy_with_an_ambiguous_points_table_is_refused(entry: dict[str, Any], rule: str) -> None:
    with pytest.raises(PolicyError) as err:
        policy_from_dict(_with_feature_points(entry))
    # a policy document refuses any non-finite number first (rule "finite"); the table's
    # own finite_* rules hold for a table built in code
    if rule.startswith("finite_"):
        assert any(
            e.rule == "finite" and "points.features.trust" in e.field for e in err.value.errors
        )
        with pytest.raises(pydantic.ValidationError, match=rule):
            FeaturePoints.model_validate(entry)
        return
    assert any(e.rule == rule and "points.features.trust" in e.field for e in err.value.errors)


def test_specials_on_edges_and_infinities_fall_where_documented() -> None:
    fp = FeaturePoints(
        edges=[0.0, 10.0],
        points=[1, 2, 3],
        missing=-1,
        specials=[SpecialBin(values=[10.0, -999.0], points=50, label="n/a")],
    )
    x = np.array([-math.inf, -999.0, 0.0, 10.0, math.nextafter(10.0, 11.0), math.inf, math.nan])
    assert fp.points_of(x).tolist() == [1, 50, 2, 50, 3, 3, -1]
    assert [fp.bin_of(v)[0] for v in (None, 10.0, 0.0, math.inf)] == [
        "missing",
        "n/a",
        "[0, 10)",
        "[10, inf)",
    ]


def test_a_copy_with_updates_looks_up_its_own_points() -> None:
    fp = FeaturePoints(edges=[1.0], points=[0, 5], missing=-1)
    assert fp.bin_of(None) == ("missing", -1) and fp.bin_of(2.0) == ("[1, inf)", 5)
    other = fp.model_copy(update={"missing": 9, "points": [0, 7]})
    assert other.bin_of(None) == ("missing", 9) and other.bin_of(2.0) == ("[1, inf)", 7)
    assert fp.model_copy() == fp != other
