"""Corrections (GDPR Art. 16): a dispute that asks to correct one attribute of an event.

One row per such dispute: the attribute, the value the person asks for and the value the
record held, what the source answered and, once confirmed, the id of the new version of
the event (a new row of ``events``: the original is never updated). The table is new, so
the chain's table digests take their baseline at its first covered write.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("dispute_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("subject", sa.String(64), nullable=False, index=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("attribute", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Text, nullable=False),
        sa.Column("new_value", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_at_us", sa.BigInteger, nullable=True),
        sa.Column("answered_by", sa.String(128), nullable=True),
        sa.Column("new_event_id", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("corrections")
