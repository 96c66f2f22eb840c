"""Adverse-action notices (FCRA 615, Reg B): a partner declined or priced on the score.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "adverse_actions",
        sa.Column("notice_id", _ID, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False, index=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("score_id", sa.BigInteger, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("score_min", sa.Integer, nullable=False),
        sa.Column("score_max", sa.Integer, nullable=False),
        sa.Column("scored_as_of_us", sa.BigInteger, nullable=False),
        sa.Column("factors", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("adverse_actions")
