"""The Alembic migrations produce exactly the tables the code declares, on both databases.

The code reads and writes through ``store/_tables.py``'s ``MetaData``; the schema in a
real database comes from the migrations. Two checks that they agree: Alembic's own
autogenerate comparison (no operation to emit), and a reflection of every table
compared with its declaration column by column, with its primary key and indexes.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from glasscredit.policy import Policy
from glasscredit.store import Ledger
from glasscredit.store._adapters import dialect_named
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


def _migrate(db_url: str, to: str, *, down: bool = False) -> Any:
    """Run the migrations up (or down) to revision ``to``; the engine, for more SQL."""
    engine = dialect_named(make_url(db_url).get_backend_name()).make_engine(make_url(db_url))
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("glasscredit.store").joinpath("migrations"))
    )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, to)
    return engine


def test_0006_turns_stored_snapshots_into_versions(db_url: str, policy: Policy) -> None:
    """Rows written before snapshots were versioned stay readable, as versions made at 0;
    going back keeps the newest version of each time."""
    engine = _migrate(db_url, "0005")
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO trust_values (as_of_us, subject, value) VALUES (:t, :s, :v)"),
                [
                    {"t": 100, "s": "a", "v": 0.5},
                    {"t": 100, "s": "b", "v": 1.0},
                    {"t": 200, "s": "a", "v": 0.25},
                ],
            )
            conn.execute(
                text("INSERT INTO report_values (as_of_us, subject, value) VALUES (200, 'b', 2)")
            )
    finally:
        engine.dispose()
    with Ledger(db_url, policy, clock=lambda: 1_000) as ledger:  # migrates to the head
        trust = ledger.snapshots.versions("trust")
        assert [(v.as_of_us, v.made_at_us, v.n_values) for v in trust] == [(100, 0, 2), (200, 0, 1)]
        old = ledger.snapshots.values("trust", 150, made_by_us=0)
        assert old is not None and sorted(old.rows()) == [("a", 0.5), ("b", 1.0)]
        reports = ledger.snapshots.values("reports", 300)
        assert reports is not None and reports.rows() == [("b", 2.0)]
        # and a new computation appends after them
        ledger.snapshots.append("trust", 200, {"a": 0.75}, made_at_us=1_000, actor="t")
        newest = ledger.snapshots.values("trust", 200)
        assert newest is not None and newest.rows() == [("a", 0.75)]
        before = ledger.snapshots.values("trust", 200, made_by_us=999)
        assert before is not None and before.rows() == [("a", 0.25)]
    engine = _migrate(db_url, "0005", down=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT as_of_us, subject, value FROM trust_values ORDER BY as_of_us, subject")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(100, "a", 0.5), (100, "b", 1.0), (200, "a", 0.75)]


_T = 1_788_220_800_000_000  # 2026-09-01


def _exclusions_ledger(db_url: str, policy: Policy) -> None:
    """A ledger with audited exclusion periods (a hold, a dispute), at the head."""
    from tests.store._live import event

    with Ledger(db_url, policy, clock=lambda: _T) as ledger:
        ledger.ingest([event("x1", "a"), event("x2", "b", "rental.returned", asset="bike")])
        ledger.holds.hold("h", [("bank", "x1")], _T, actor="op")
        ledger.disputes.open(
            "b", "x2", "no", now_us=_T, deadline_us=_T + 9, actor="b", check=lambda t: None
        )
        assert ledger.verify_audit().ok


def test_0014_ids_per_source_keeps_the_chain_verifying(db_url: str, policy: Policy) -> None:
    """Down to 0013 and up again: ids are global then per source, exclusion periods lose
    and regain their event's source, and each way one ``migrate`` audit row vouches for the
    table hashed as it now is, so ``audit verify`` passes throughout."""
    _exclusions_ledger(db_url, policy)
    engine = _migrate(db_url, "0013", down=True)
    try:
        insp = inspect(engine)
        assert "source" not in [c["name"] for c in insp.get_columns("event_exclusions")]
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("events")}
        uniques |= {tuple(i["column_names"]) for i in insp.get_indexes("events") if i["unique"]}
        assert ("event_id",) in uniques and ("event_id", "source") not in uniques
    finally:
        engine.dispose()
    with Ledger(db_url, policy, clock=lambda: _T + 1) as ledger:  # migrates to the head
        assert sorted(ledger.exclusions.frame().rows()) == [
            ("x1", "bank", _T, None),
            ("x2", "rentals", _T, None),
        ]
        migrations = [e for e in ledger.audit.entries() if e.action == "migrate"]
        assert [e.details["revision"] for e in migrations] == ["0014", "0014"]
        assert ledger.verify_audit().ok
        # and the key is per source now
        assert ledger.ingest([event_of("x1", "a", "rental.returned")]).accepted == 1
        assert ledger.verify_audit().ok


def test_0014_does_not_vouch_for_a_table_edited_before(db_url: str, policy: Policy) -> None:
    """An exclusion period edited outside the audited writes before the upgrade is still
    reported after it: the migration vouches only for a table that matched the chain."""
    _exclusions_ledger(db_url, policy)
    engine = _migrate(db_url, "0013", down=True)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE event_exclusions SET until_us = :t"), {"t": _T + 5})
    finally:
        engine.dispose()
    with Ledger(db_url, policy, clock=lambda: _T + 1) as ledger:
        report = ledger.verify_audit()
        assert not report.ok and report.table == "event_exclusions"
        assert [e.details["revision"] for e in ledger.audit.entries() if e.action == "migrate"] == [
            "0014"  # the way down only: the way up found the table edited
        ]


def event_of(event_id: str, subject: str, type_: str) -> dict[str, object]:
    from tests.store._live import event

    return event(event_id, subject, type_, asset="bike")
