"""The scored person's rights: disputes, notices to sources, tombstones, erasures.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("dispute_id", _ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("opened_at_us", sa.BigInteger, nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("deadline_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_at_us", sa.BigInteger, nullable=True),
        sa.Column("resolved_by", sa.String(128), nullable=True),
    )
    for col in ("event_id", "subject", "source"):
        op.create_index(f"ix_disputes_{col}", "disputes", [col])
    op.create_table(
        "dispute_notices",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("dispute_id", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_dispute_notices_dispute_id", "dispute_notices", ["dispute_id"])
    op.create_index("ix_dispute_notices_source", "dispute_notices", ["source"])
    op.create_table(
        "event_tombstones",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("batch", sa.BigInteger, nullable=False),
        sa.Column("leaf", sa.String(64), nullable=False),
    )
    op.create_index("ix_event_tombstones_batch", "event_tombstones", ["batch"])
    op.create_table(
        "erasures",
        sa.Column("subject_hash", sa.String(64), primary_key=True),
        sa.Column("erased_at_us", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for name in ("erasures", "event_tombstones", "dispute_notices", "disputes"):
        op.drop_table(name)
