"""Operator-approved backfills: history a source may load, known from an attested date.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backfills",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("occurred_from_us", sa.BigInteger, nullable=False),
        sa.Column("occurred_to_us", sa.BigInteger, nullable=False),
        sa.Column("known_from_us", sa.BigInteger, nullable=False),
        sa.Column("approved_by", sa.String(128), nullable=False),
        sa.Column("approved_at_us", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("backfills")
