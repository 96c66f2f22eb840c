"""Alembic environment: runs on the connection glasscredit hands it (never a global)."""

from __future__ import annotations

from alembic import context

from glasscredit.store._tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - glasscredit always passes a connection
    raise RuntimeError("glasscredit migrations run through glasscredit.store.migrate()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
