"""Service access: API keys (stored as keyed hashes only) and the log of who read a file.

A key row keeps the HMAC of the token, never the token; creating and revoking a key each
append an audit row to the chain in the same transaction. Every read of a subject's
score or file by a source, an operator or an auditor is one ``file_reads`` row (who,
when, with which declared purpose, what was read): the subject's list of inquiries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import BigInteger, Column, Engine, Index, Integer, String, Table, delete, select

from glasscredit.exceptions import ConflictError, NotFoundError
from glasscredit.store._audit import append_audit
from glasscredit.store._dialect import Dialect
from glasscredit.store._tables import metadata

__all__ = ["AccessStore", "ApiKeyRecord", "FileRead", "SqlAccessStore", "api_keys", "file_reads"]

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # operator | source | auditor
    Column("source", String(64), nullable=True),  # the source a source key speaks for
    Column("key_hash", String(64), nullable=False),  # HMAC-SHA256(server secret, token)
    Column("created_at_us", BigInteger, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("revoked_at_us", BigInteger, nullable=True),
    Column("revoked_by", String(128), nullable=True),
)

file_reads = Table(
    "file_reads",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("subject", String(64), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("reader", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("what", String(32), nullable=False),
    Index("ix_file_reads_subject", "subject", "at_us"),
)


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    name: str
    role: str
    source: str | None
    key_hash: str
    created_at_us: int
    created_by: str
    revoked_at_us: int | None
    revoked_by: str | None


@dataclass(frozen=True, slots=True)
class FileRead:
    subject: str
    at_us: int
    reader: str
    role: str
    purpose: str
    what: str


class AccessStore(Protocol):
    """API keys and the file-read log (the service's tables)."""

    def add_key(self, key: ApiKeyRecord) -> None: ...

    def key(self, key_id: str) -> ApiKeyRecord | None: ...

    def all_keys(self) -> list[ApiKeyRecord]: ...

    def revoke_key(self, key_id: str, *, at_us: int, actor: str) -> ApiKeyRecord: ...

    def record_read(self, read: FileRead) -> None: ...

    def reads_of(self, subject: str) -> list[FileRead]: ...

    def forget_reads(self, subject: str) -> int: ...


def _key(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        row.key_id,
        row.name,
        row.role,
        row.source,
        row.key_hash,
        int(row.created_at_us),
        row.created_by,
        None if row.revoked_at_us is None else int(row.revoked_at_us),
        row.revoked_by,
    )


class SqlAccessStore:
    """API keys and file reads on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def add_key(self, key: ApiKeyRecord) -> None:
        """Store a new key's hash and audit its creation (never the token itself)."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            if conn.execute(
                select(api_keys.c.key_id).where(api_keys.c.key_id == key.key_id)
            ).first():
                raise ConflictError(f"key_id: {key.key_id!r} exists [unique]")
            conn.execute(
                api_keys.insert().values(
                    key_id=key.key_id,
                    name=key.name,
                    role=key.role,
                    source=key.source,
                    key_hash=key.key_hash,
                    created_at_us=key.created_at_us,
                    created_by=key.created_by,
                    revoked_at_us=None,
                    revoked_by=None,
                )
            )
            append_audit(
                conn,
                at_us=key.created_at_us,
                actor=key.created_by,
                action="key.create",
                details={
                    "key_id": key.key_id,
                    "name": key.name,
                    "role": key.role,
                    "source": key.source,
                },
            )

    def key(self, key_id: str) -> ApiKeyRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        return None if row is None else _key(row)

    def all_keys(self) -> list[ApiKeyRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(api_keys).order_by(api_keys.c.created_at_us, api_keys.c.key_id)
            )
            return [_key(r) for r in rows]

    def revoke_key(self, key_id: str, *, at_us: int, actor: str) -> ApiKeyRecord:
        """Revoke a key from ``at_us`` on (audited); revoking twice is a ``ConflictError``."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
            if row is None:
                raise NotFoundError(f"key_id: {key_id!r} is not a key [exists]")
            if row.revoked_at_us is not None:
                raise ConflictError(f"key_id: {key_id!r} is already revoked [active]")
            conn.execute(
                api_keys.update()
                .where(api_keys.c.key_id == key_id)
                .values(revoked_at_us=at_us, revoked_by=actor)
            )
            append_audit(
                conn, at_us=at_us, actor=actor, action="key.revoke", details={"key_id": key_id}
            )
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one()
        return _key(row)

    def record_read(self, read: FileRead) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                file_reads.insert().values(
                    subject=read.subject,
                    at_us=read.at_us,
                    reader=read.reader,
                    role=read.role,
                    purpose=read.purpose,
                    what=read.what,
                )
            )

    def reads_of(self, subject: str) -> list[FileRead]:
        """Every recorded read of the subject's file, oldest first."""
        r = file_reads
        stmt = select(r.c.subject, r.c.at_us, r.c.reader, r.c.role, r.c.purpose, r.c.what)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt.where(r.c.subject == subject).order_by(r.c.at_us, r.c.id))
            return [FileRead(s, int(t), who, role, p, w) for s, t, who, role, p, w in rows]

    def forget_reads(self, subject: str) -> int:
        """Delete the subject's read log (erasure); how many rows went."""
        with self._engine.begin() as conn:
            return int(
                conn.execute(delete(file_reads).where(file_reads.c.subject == subject)).rowcount
            )
