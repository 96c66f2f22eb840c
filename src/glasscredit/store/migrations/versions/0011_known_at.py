"""The ledger's clock of an event: ``known_at_us``, from when the ledger knew it.

A live event is known when it is recorded, so every existing row gets its
``recorded_at_us``. An event loaded in an operator-approved backfill keeps its true
``recorded_at_us`` and is known from the date the operator attests the source knew it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("known_at_us", sa.BigInteger, nullable=True))
    op.execute("UPDATE events SET known_at_us = recorded_at_us")
    # no default: an insert that forgot the column must fail, never count as known
    with op.batch_alter_table("events") as batch:
        batch.alter_column("known_at_us", existing_type=sa.BigInteger, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("known_at_us")
