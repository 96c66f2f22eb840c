"""The audit chain as the core reads it: verify it, and find the rows about a subject.

Rows are appended inside the transactions of the changes they record (ingest,
disputes, holds, snapshots, erasure); this store reads them, and appends the rows of
decisions that change no table (:meth:`SqlAuditStore.note`). Rows about a subject carry
their pseudonym (:func:`subject_tag`), which erasure unlinks by destroying the salt.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select

from glasscredit.merkle import leaf_hash
from glasscredit.store._audit import (
    AuditEntry,
    ChainReport,
    append_audit,
    subject_tag,
    verify_chain,
)
from glasscredit.store._coverage import verify_tables
from glasscredit.store._dialect import Dialect
from glasscredit.store._tables import audit_log, event_tombstones, subjects

__all__ = ["SqlAuditStore"]


class SqlAuditStore:
    """The audit chain on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def note(self, action: str, details: dict[str, Any], *, at_us: int, actor: str) -> AuditEntry:
        """Append a row for an operator's decision that changes no covered table (a
        reviewed source flag): the chain vouches that it was made, when and by whom."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            return append_audit(conn, at_us=at_us, actor=actor, action=action, details=details)

    def verify(self) -> ChainReport:
        """Verify the chain (erased events count through their tombstones), then every
        covered table against the digests the chain vouches for."""
        tombs: dict[int, list[str]] = {}
        with self._engine.connect() as conn:
            for batch, leaf in conn.execute(
                select(event_tombstones.c.batch, event_tombstones.c.leaf)
            ):
                tombs.setdefault(int(batch), []).append(leaf)
            report = verify_chain(conn, tombstones=tombs)
            if not report.ok:
                return report
            bad = verify_tables(conn)
        if bad is not None:
            report.ok, report.first_bad_seq = False, bad.seq
            report.problem, report.table, report.row = bad.problem, bad.table, bad.row
        return report

    def leaves(self) -> list[bytes]:
        """The Merkle log's leaves: each audit row's ``row_hash`` as RFC 9162 leaf data,
        in chain order (the row hash commits to the row and, through it, its batch)."""
        with self._engine.connect() as conn:
            return [
                leaf_hash(bytes.fromhex(h))
                for h in conn.execute(
                    select(audit_log.c.row_hash).order_by(audit_log.c.seq)
                ).scalars()
            ]

    def raw_row(self, seq: int) -> tuple[AuditEntry, str] | None:
        """Row ``seq`` with its details exactly as hashed (``state`` included), for a proof.

        The entry's ``details`` are the parsed JSON; the string is what the row hash
        covers, so a verifier recomputes the hash from it byte for byte.
        """
        with self._engine.connect() as conn:
            r = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).first()
        if r is None:
            return None
        entry = AuditEntry(
            int(r.seq),
            int(r.at_us),
            r.actor,
            r.action,
            r.subject_tag,
            json.loads(r.details),
            r.prev_hash,
            r.row_hash,
        )
        return entry, str(r.details)

    def tag_of(self, subject: str) -> str | None:
        """The subject's pseudonym in audit rows (None: unknown or erased)."""
        with self._engine.connect() as conn:
            salt = conn.execute(
                select(subjects.c.salt).where(subjects.c.subject == subject)
            ).scalar()
        return None if salt is None else subject_tag(str(salt), subject)

    def entries(self, *, tag: str | None = None, action: str | None = None) -> list[AuditEntry]:
        """Audit rows in chain order, optionally only those with this tag or action.

        The covered tables' digests (``state``) are verification machinery, left out of
        the details read here; :meth:`verify` reads them.
        """
        stmt = select(audit_log).order_by(audit_log.c.seq)
        if tag is not None:
            stmt = stmt.where(audit_log.c.subject_tag == tag)
        if action is not None:
            stmt = stmt.where(audit_log.c.action == action)
        with self._engine.connect() as conn:
            return [
                AuditEntry(
                    int(r.seq),
                    int(r.at_us),
                    r.actor,
                    r.action,
                    r.subject_tag,
                    _without_state(json.loads(r.details)),
                    r.prev_hash,
                    r.row_hash,
                )
                for r in conn.execute(stmt).all()
            ]


def _without_state(details: dict[str, object]) -> dict[str, object]:
    details.pop("state", None)
    return details
