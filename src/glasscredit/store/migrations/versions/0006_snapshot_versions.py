"""Trust and report snapshots become append-only versions, stamped with when they were made.

A snapshot recomputed for the same as-of time used to replace the stored rows, so a
score computed with the old values no longer reproduced. Now each computation appends
a version (``snapshot_versions``: its number, kind, as-of time, the time it was made,
how many values) and its values under that version; nothing is deleted or replaced.
Rows stored before this migration become versions made at 0 (their making time is
unknown; they stay visible to every read, as they were).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KINDS = (("trust", "trust_values"), ("reports", "report_values"))
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _values_table(table: str) -> None:
    op.create_table(
        table,
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )


def upgrade() -> None:
    op.create_table(
        "snapshot_versions",
        sa.Column("version", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("as_of_us", sa.BigInteger, nullable=False),
        sa.Column("made_at_us", sa.BigInteger, nullable=False),
        sa.Column("n_values", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_snapshot_versions_lookup",
        "snapshot_versions",
        ["kind", "as_of_us", "made_at_us", "version"],
    )
    for kind, table in _KINDS:
        op.execute(f"CREATE TABLE _gc_old_{table} AS SELECT as_of_us, subject, value FROM {table}")
        op.drop_table(table)
        _values_table(table)
        op.execute(
            "INSERT INTO snapshot_versions (kind, as_of_us, made_at_us, n_values) "
            f"SELECT '{kind}', as_of_us, 0, count(*) FROM _gc_old_{table} "
            "GROUP BY as_of_us ORDER BY as_of_us"
        )
        op.execute(
            f"INSERT INTO {table} (version, subject, value) SELECT v.version, o.subject, "
            f"o.value FROM _gc_old_{table} o JOIN snapshot_versions v ON v.kind = '{kind}' "
            "AND v.as_of_us = o.as_of_us"
        )
        op.drop_table(f"_gc_old_{table}")


def downgrade() -> None:
    for _kind, table in _KINDS:
        # the newest version of each as-of time is what the old schema kept
        op.execute(
            f"CREATE TABLE _gc_new_{table} AS SELECT v.as_of_us, t.subject, t.value "
            f"FROM {table} t JOIN snapshot_versions v ON v.version = t.version "
            "WHERE v.version = (SELECT max(w.version) FROM snapshot_versions w "
            "WHERE w.kind = v.kind AND w.as_of_us = v.as_of_us)"
        )
        op.drop_table(table)
        op.create_table(
            table,
            sa.Column("as_of_us", sa.BigInteger, primary_key=True),
            sa.Column("subject", sa.String(64), primary_key=True),
            sa.Column("value", sa.Float, nullable=False),
        )
        op.execute(
            f"INSERT INTO {table} (as_of_us, subject, value) "
            f"SELECT as_of_us, subject, value FROM _gc_new_{table}"
        )
        op.drop_table(f"_gc_new_{table}")
    op.drop_index("ix_snapshot_versions_lookup", "snapshot_versions")
    op.drop_table("snapshot_versions")
