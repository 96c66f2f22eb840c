"""Export a points table: JSON (the artifact) and SQL (a CASE expression per feature).

The SQL follows the points table's one lookup (:mod:`glasscredit.policy._lookup`) slot
for slot: missing first (NULL, and NaN where the database can store it), then the special
values, then the right-open bins by ascending edges (``x < e0``, ``x < e1``, ...;
+/-infinity falls in the outer bins because it compares like any number), and for
categories the groups then *other*. The validator refuses a value listed in two special
bins, so the order of the special branches cannot change a score;
``tests/scoring/test_points_lookup.py`` runs generated tables and values through the
engine, the explanation, the model and this SQL in SQLite, DuckDB and PostgreSQL.
Numbers are written so that each database reads exactly the same double as Python
(see :func:`_num`: a plain decimal literal is not exact in DuckDB or older SQLite).

Dialects differ only in how NaN is detected: SQLite cannot store NaN (it becomes
NULL), PostgreSQL and DuckDB order NaN above every number and need an explicit test.
"""

from __future__ import annotations

import json
import math
from typing import Any

from glasscredit.exceptions import ModelError
from glasscredit.policy._points import FeaturePoints, PointsTable

__all__ = ["DIALECTS", "sql_case", "sql_score_expression", "to_json", "to_sql"]

DIALECTS = ("sqlite", "duckdb", "postgresql")
FORMAT = "glasscredit-scorecard/1"
BOOL_TEXT = {"True": ("True", "true", "1"), "False": ("False", "false", "0")}


def to_json(table: PointsTable, extra: dict[str, Any] | None = None, indent: int = 2) -> str:
    """The points table as JSON (NaN refused), with optional metadata beside it."""
    doc: dict[str, Any] = {"format": FORMAT, "points_table": table.model_dump(mode="json")}
    if extra:
        doc.update(extra)
    return json.dumps(doc, indent=indent, allow_nan=False, sort_keys=False)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_POW62 = 1 << 62  # a power of two as an integer literal: scaling by it is exact


def _num(v: float, dialect: str) -> str:
    """A double as SQL that the database reads as exactly that double.

    Integers below 2**53 are written as they are. Other numbers are not trusted to a
    decimal literal: DuckDB reads ``5.494909465173757`` as a DECIMAL and rounds it on the
    way to DOUBLE, and SQLite before 3.47 misreads about one literal in a thousand. DuckDB
    and PostgreSQL get the shortest round-trip text cast from a string (their text-to-
    double parsers are exact); SQLite gets ``m * 2**e`` as integer arithmetic on REAL
    (every step a power-of-two scaling, so exact), with the decimal in a comment.
    """
    x = float(v)
    text = repr(x)
    if not math.isfinite(x):
        raise ModelError(f"cannot write the non-finite number {text} into SQL")
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    if dialect == "duckdb":
        return f"CAST('{text}' AS DOUBLE)"
    if dialect == "postgresql":
        return f"'{text}'::double precision"
    m, e = math.frexp(x)  # x = m * 2**e, 0.5 <= |m| < 1: 53 bits of m as an integer
    out, e = f"CAST({int(m * 2**53)} AS REAL)", e - 53
    while e != 0:
        step = min(abs(e), 62)
        out += f" {'*' if e > 0 else '/'} {1 << step}"
        e -= step if e > 0 else -step
    return f"({out} /* {text} */)"


def _str(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _missing(col: str, numeric: bool, dialect: str) -> str:
    if not numeric or dialect == "sqlite":
        return f"{col} IS NULL"
    if dialect == "duckdb":
        return f"{col} IS NULL OR isnan({col})"
    return f"{col} IS NULL OR {col} = 'NaN'::double precision"


def sql_case(name: str, fp: FeaturePoints, dialect: str = "sqlite") -> str:
    """One feature's points as a SQL CASE expression, slot for slot like the lookup."""
    if dialect not in DIALECTS:
        raise ModelError(f"dialect: {dialect!r} is not one of {DIALECTS}")
    col = _ident(name)
    numeric = fp.kind == "numeric"
    parts = [f"WHEN {_missing(col, numeric, dialect)} THEN {fp.missing}"]
    if numeric:
        for sp in fp.specials:
            vals = ", ".join(_num(v, dialect) for v in sp.values)
            parts.append(f"WHEN {col} IN ({vals}) THEN {sp.points}")
        for e, p in zip(fp.edges, fp.points, strict=False):
            parts.append(f"WHEN {col} < {_num(e, dialect)} THEN {p}")
        parts.append(f"ELSE {fp.points[-1]}")
    else:
        # a boolean feature (categories True/False) is compared as text, which every
        # database spells its own way: PostgreSQL and DuckDB 'true', SQLite's integers '1'
        boolean = all(c in BOOL_TEXT for g in fp.groups for c in g)
        key = f"CAST({col} AS TEXT)" if boolean else col
        for g, p in zip(fp.groups, fp.points, strict=True):
            cats = ", ".join(_str(s) for c in g for s in (BOOL_TEXT[c] if boolean else (c,)))
            parts.append(f"WHEN {key} IN ({cats}) THEN {p}")
        parts.append(f"ELSE {fp.other_points}")
    return "CASE " + " ".join(parts) + " END"


def sql_score_expression(table: PointsTable, dialect: str = "sqlite") -> str:
    """``base + CASE ... + CASE ...``: the integer score of a row, in any of the dialects."""
    terms = [str(table.base)] + [
        f"({sql_case(n, fp, dialect)})" for n, fp in table.features.items()
    ]
    return "\n  + ".join(terms)


def to_sql(
    table: PointsTable, source: str, dialect: str = "sqlite", keep: list[str] | None = None
) -> str:
    """A SELECT that scores every row of ``source`` (a table name), keeping ``keep`` columns."""
    cols = "".join(f"{_ident(c)}, " for c in keep or [])
    return f"SELECT {cols}{sql_score_expression(table, dialect)} AS score\nFROM {_ident(source)}"
