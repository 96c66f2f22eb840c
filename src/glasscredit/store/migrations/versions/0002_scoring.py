"""Scoring state: exclusions, stored scores, change notices, cursor, trust snapshots.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_exclusions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("from_us", sa.BigInteger, nullable=False),
        sa.Column("until_us", sa.BigInteger, nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
    )
    op.create_index("ix_event_exclusions_event_id", "event_exclusions", ["event_id"])
    op.create_index("ix_event_exclusions_subject", "event_exclusions", ["subject"])
    op.create_table(
        "scores",
        sa.Column("score_id", _ID, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("as_of_us", sa.BigInteger, nullable=False),
        sa.Column("computed_at_us", sa.BigInteger, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("policy_hash", sa.String(64), nullable=False),
        sa.Column("model_hash", sa.String(64), nullable=False),
        sa.Column("inputs_digest", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_scores_subject", "scores", ["subject", "score_id"])
    op.create_table(
        "score_changes",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("score_id", sa.BigInteger, nullable=False),
        sa.Column("prev_score_id", sa.BigInteger, nullable=False),
        sa.Column("old_score", sa.Integer, nullable=False),
        sa.Column("new_score", sa.Integer, nullable=False),
        sa.Column("old_tier", sa.String(64), nullable=False),
        sa.Column("new_tier", sa.String(64), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
    )
    op.create_index("ix_score_changes_subject", "score_changes", ["subject"])
    op.create_table(
        "scoring_cursor",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_score_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "trust_values",
        sa.Column("as_of_us", sa.BigInteger, primary_key=True),
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for name in ("trust_values", "scoring_cursor", "score_changes", "scores", "event_exclusions"):
        op.drop_table(name)
