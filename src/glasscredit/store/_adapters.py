"""Which adapter serves a database URL: SQLite for ``sqlite:`` URLs, PostgreSQL otherwise."""

from __future__ import annotations

from glasscredit.exceptions import LedgerError
from glasscredit.store._dialect import Dialect
from glasscredit.store.postgres import PostgresDialect
from glasscredit.store.sqlite import SqliteDialect

__all__ = ["dialect_named"]

_ADAPTERS: dict[str, Dialect] = {"sqlite": SqliteDialect(), "postgresql": PostgresDialect()}


def dialect_named(backend: str) -> Dialect:
    """The adapter of a SQLAlchemy backend name (``sqlite``, ``postgresql``)."""
    found = _ADAPTERS.get(backend)
    if found is None:
        raise LedgerError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return found
