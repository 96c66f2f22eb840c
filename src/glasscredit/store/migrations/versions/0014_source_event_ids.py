"""An event is known by (source, event_id): ids are per source (issue 11, item 7).

``event_id`` was unique across the ledger, so one source could send another source's id
first and have the real event refused as a conflict. The unique key becomes
(``event_id``, ``source``). Exclusion periods name their event's source too (filled in
here from the event: every id was unique until now, so each row names exactly one).

``event_exclusions`` is covered by the chain's table digests (``store/_coverage.py``),
which hash every column of a row: the new column changes every row's hash. So that
``audit verify`` still passes, this migration first checks the table against the state
the chain vouches for, hashed as the rows were, and only if it matches appends one
``migrate`` audit row vouching for the table as it now is (at the time of the newest
audit row: migrations read no clock). A table that did not match before stays reported.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_OLD_COLUMNS = ("id", "event_id", "subject", "from_us", "until_us", "reason", "ref")


def _rebaseline(conn: sa.Connection, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Vouch for ``event_exclusions`` hashed over ``new`` if it matches the chain over ``old``."""
    from glasscredit.store._adapters import dialect_named
    from glasscredit.store._audit import append_audit, chain_head
    from glasscredit.store._coverage import _encode, _sum, recorded_states

    name = "event_exclusions"
    dialect_named(conn.dialect.name).lock_chain(conn)
    recorded = recorded_states(conn, [name]).get(name)
    if recorded is None:
        return  # nothing vouched for yet: the first covered write takes the baseline
    order = " ORDER BY id"
    old_vec, old_n = _sum(name, conn.exec_driver_sql(f"SELECT {', '.join(old)} FROM {name}{order}"))
    state = recorded[1]
    if old_n != int(state["rows"]) or _encode(old_vec) != state["lthash"]:
        return  # already tampered with: leave it for audit verify to report
    vec, n = _sum(name, conn.exec_driver_sql(f"SELECT {', '.join(new)} FROM {name}{order}"))
    head = chain_head(conn)
    at_us = conn.exec_driver_sql("SELECT max(at_us) FROM audit_log").scalar()
    append_audit(
        conn,
        at_us=int(at_us or 0),
        actor="migration",
        action="migrate",
        head=head,
        details={
            "revision": revision,
            "change": "event_exclusions: column source",
            "state": {name: {"rows": n, "lthash": _encode(vec)}},
        },
    )


def upgrade() -> None:
    conn = op.get_bind()
    # naming the reflected unnamed unique constraint lets SQLite's batch copy drop it
    with op.batch_alter_table(
        "events",
        recreate="auto",
        naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
    ) as batch:
        batch.drop_constraint(
            "events_event_id_key" if conn.dialect.name == "postgresql" else "uq_events_event_id",
            type_="unique",
        )
        batch.create_unique_constraint("uq_events_event_id_source", ["event_id", "source"])
    with op.batch_alter_table("event_exclusions") as batch:
        batch.add_column(sa.Column("source", sa.String(64), nullable=True))
    op.execute(
        "UPDATE event_exclusions SET source = coalesce((SELECT events.source FROM events "
        "WHERE events.event_id = event_exclusions.event_id), '')"
    )
    with op.batch_alter_table("event_exclusions") as batch:
        batch.alter_column("source", existing_type=sa.String(64), nullable=False)
    _rebaseline(conn, _OLD_COLUMNS, (*_OLD_COLUMNS, "source"))


def downgrade() -> None:
    conn = op.get_bind()
    shared = conn.exec_driver_sql(
        "SELECT event_id FROM events GROUP BY event_id HAVING count(*) > 1 LIMIT 1"
    ).scalar()
    if shared is not None:
        raise RuntimeError(
            f"event_id {shared!r} is used by more than one source: ids cannot become "
            "global again (rule: downgrade below 0014 needs ids unique across sources)"
        )
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_event_id_source", type_="unique")
        batch.create_unique_constraint(
            "events_event_id_key" if conn.dialect.name == "postgresql" else "uq_events_event_id",
            ["event_id"],
        )
    _rebaseline(conn, (*_OLD_COLUMNS, "source"), _OLD_COLUMNS)  # before the column goes
    with op.batch_alter_table("event_exclusions") as batch:
        batch.drop_column("source")
