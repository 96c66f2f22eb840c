"""The append-only store: tables, migrations, ingest, audit chain.

SQLite (a file) is the embedded default; PostgreSQL is selected by a database URL.
"""

from glasscredit.ledger._audit import ChainReport, subject_tag, verify_chain
from glasscredit.ledger._ingest import IngestReport
from glasscredit.ledger._readers import FORMATS, BrokenRow, read_events
from glasscredit.ledger._store import EVENT_SCHEMA, Ledger, StoredEvent, migrate, sqlite_url

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
