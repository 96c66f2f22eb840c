"""The append-only store: tables, migrations, ingest, audit chain.

SQLite (a file) is the embedded default; PostgreSQL is selected by a database URL.
"""

from glasscredit.store._audit import ChainReport, subject_tag, verify_chain
from glasscredit.store._ingest import IngestReport
from glasscredit.store._readers import FORMATS, BrokenRow, read_events
from glasscredit.store._store import EVENT_SCHEMA, Ledger, StoredEvent, migrate, sqlite_url

__all__ = [
    "EVENT_SCHEMA",
    "FORMATS",
    "BrokenRow",
    "ChainReport",
    "IngestReport",
    "Ledger",
    "StoredEvent",
    "migrate",
    "read_events",
    "sqlite_url",
    "subject_tag",
    "verify_chain",
]
