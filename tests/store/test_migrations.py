"""The Alembic migrations produce exactly the tables the code declares, on both databases.

The code reads and writes through ``store/_tables.py``'s ``MetaData``; the schema in a
real database comes from the migrations. Two checks that they agree: Alembic's own
autogenerate comparison (no operation to emit), and a reflection of every table
compared with its declaration column by column, with its primary key and indexes.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from glasscredit.store import Ledger
from glasscredit.store._tables import metadata


def test_autogenerate_finds_nothing_to_change(ledger: Ledger) -> None:
    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def _ddl(type_: Any, dialect: Any) -> str:
    """A column type as the database's DDL names it, collation aside (ids are ``COLLATE
    "C"`` on PostgreSQL by migration 0005) and with PostgreSQL's name for a float."""
    text = type_.compile(dialect=dialect).split(" COLLATE ")[0]
    return {"DOUBLE PRECISION": "FLOAT"}.get(text, text)


def test_reflected_tables_are_the_declared_ones(ledger: Ledger) -> None:
    insp = inspect(ledger.engine)
    assert set(insp.get_table_names()) - {"alembic_version"} == set(metadata.tables)
    dialect = ledger.engine.dialect
    for name, table in metadata.tables.items():
        got = {c["name"]: c for c in insp.get_columns(name)}
        assert list(got) == [c.name for c in table.columns], name
        for col in table.columns:
            have = got[col.name]
            assert _ddl(have["type"], dialect) == _ddl(col.type, dialect), (name, col.name)
            assert have["nullable"] == col.nullable, (name, col.name)
        pk = insp.get_pk_constraint(name)["constrained_columns"]
        assert pk == [c.name for c in table.primary_key.columns], name
        indexes = {
            (tuple(ix["column_names"]), bool(ix["unique"])) for ix in insp.get_indexes(name)
        } | {(tuple(u["column_names"]), True) for u in insp.get_unique_constraints(name)}
        declared = {(tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes}
        declared |= {
            (tuple(c.name for c in u.columns), True)
            for u in table.constraints
            if type(u).__name__ == "UniqueConstraint"
        }
        assert indexes == declared, name
