"""The scored person's second-round rights: human review of a decision, own statement.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("review_id", _ID, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("about", sa.String(128), nullable=False),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("point_of_view", sa.Text, nullable=False),
        sa.Column("requested_at_us", sa.BigInteger, nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("deadline_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at_us", sa.BigInteger, nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("reasons", sa.Text, nullable=True),
    )
    op.create_table(
        "statements",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("statements")
    op.drop_table("reviews")
