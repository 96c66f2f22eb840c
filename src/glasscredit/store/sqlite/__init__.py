"""The SQLite adapter: a file, WAL, one writer at a time, ``executemany`` fast paths."""

from glasscredit.store.sqlite._dialect import SqliteDialect

__all__ = ["SqliteDialect"]
