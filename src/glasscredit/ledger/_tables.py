"""The ledger's tables (SQLAlchemy Core). Migrations create them; this module reads them.

Events are append-only: the code has no UPDATE path for them and deletes them only on
erasure. Time columns are int64 microseconds since the epoch, UTC (exact everywhere).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

__all__ = ["audit_log", "events", "metadata", "sources", "subjects"]

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("first_seen_us", BigInteger, nullable=False),
)

# Opaque ids only. ``salt`` keys the pseudonymous tag that audit rows carry instead of
# the id, so destroying it on erasure unlinks the audit trail from the person.
subjects = Table(
    "subjects",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("salt", String(32), nullable=False),
    Column("first_seen_us", BigInteger, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("subject", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("attributes", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("batch", BigInteger, nullable=False),
    Index("ix_events_subject_occurred", "subject", "occurred_at_us"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("at_us", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_tag", String(64), nullable=True, index=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
)
