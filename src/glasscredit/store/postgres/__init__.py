"""The PostgreSQL adapter: ``COPY`` in and out, ``unnest``, an advisory lock on the chain."""

from glasscredit.store.postgres._dialect import PostgresDialect

__all__ = ["PostgresDialect"]
