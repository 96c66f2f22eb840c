"""Dispute outcomes with reasons, the 15-day extension, and what the source said.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("resolution", sa.Text),
    ("new_information", sa.Text),
    ("extended_at_us", sa.BigInteger),
    ("source_response", sa.Text),
    ("source_responded_at_us", sa.BigInteger),
)


def upgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
