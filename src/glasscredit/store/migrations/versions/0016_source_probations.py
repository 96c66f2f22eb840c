"""Sources on probation: an operator's decision that a source's positive events about
the subjects it alone vouches for count only once the ledger has known them a while.

One row per probation (source, from, until, seasoning, the flags behind it, the reason,
who placed it and who released it). The events it holds are ``event_exclusions`` rows
(reason ``probation``). The table is new, so the chain's table digests take their
baseline at its first covered write.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_probations",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("from_us", sa.BigInteger, nullable=False),
        sa.Column("until_us", sa.BigInteger, nullable=True),
        sa.Column("seasoning_us", sa.BigInteger, nullable=False),
        sa.Column("flags", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("placed_by", sa.String(128), nullable=False),
        sa.Column("placed_at_us", sa.BigInteger, nullable=False),
        sa.Column("released_by", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("source_probations")
