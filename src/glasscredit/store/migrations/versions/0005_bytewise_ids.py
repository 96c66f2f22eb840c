"""PostgreSQL compares event and subject ids byte by byte (``COLLATE "C"``).

Ids are opaque tokens: a language's collation rules mean nothing for them, yet cost a
locale comparison (and no abbreviated keys) at every step of the unique ``event_id``
index and the subject index, on every insert. Byte order is also the order Python
sorts them in, so SQL and polars agree on "sorted by id". SQLite compares text
bytewise already.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        'ALTER TABLE events ALTER COLUMN event_id TYPE varchar(128) COLLATE "C", '
        'ALTER COLUMN subject TYPE varchar(64) COLLATE "C"'
    )
    op.execute('ALTER TABLE subjects ALTER COLUMN subject TYPE varchar(64) COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        'ALTER TABLE events ALTER COLUMN event_id TYPE varchar(128) COLLATE "default", '
        'ALTER COLUMN subject TYPE varchar(64) COLLATE "default"'
    )
    op.execute('ALTER TABLE subjects ALTER COLUMN subject TYPE varchar(64) COLLATE "default"')
