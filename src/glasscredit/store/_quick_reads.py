"""The service's hot reads: a subject's stored score and an API key, on kept connections.

The SQLite engine opens a connection per checkout (``NullPool``: a millisecond of
pragmas each time), and a PostgreSQL checkout pings the server first. A service
answering thousands of reads a second cannot pay that per request, so
:class:`QuickReads` keeps up to ``size`` raw driver connections in autocommit mode
(each statement reads the newest committed state) and hands them out one at a time.
Each read is one statement on primary keys: the scoring cursor names the subject's
newest score, joined with the score row and the subject's statement.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from glasscredit.store._access import ApiKeyRecord

__all__ = ["LatestScore", "QuickReads"]

_LATEST = (
    "SELECT s.score_id, s.subject, s.as_of_us, s.computed_at_us, s.score, s.tier, "
    's.policy_hash, s.model_hash, s.inputs_digest, s.detail, st.text, st.at_us, st."by" '
    "FROM scoring_cursor c JOIN scores s ON s.score_id = c.last_score_id "
    "LEFT JOIN statements st ON st.subject = c.subject WHERE c.subject = {m}"
)
_KEY = (
    "SELECT key_id, name, role, source, key_hash, created_at_us, created_by, revoked_at_us, "
    "revoked_by FROM api_keys WHERE key_id = {m}"
)


@dataclass(frozen=True, slots=True)
class LatestScore:
    """A subject's newest stored score as stored (``detail`` is its JSON text), and the
    subject's statement when they have one."""

    score_id: int
    subject: str
    as_of_us: int
    computed_at_us: int
    score: int
    tier: str
    policy_hash: str
    model_hash: str
    inputs_digest: str
    detail: str
    statement_text: str | None
    statement_at_us: int | None
    statement_by: str | None


class QuickReads:
    """Up to ``size`` kept read connections of ``engine`` (autocommit), lent per read."""

    def __init__(self, engine: Engine, mark: str, *, size: int = 8) -> None:
        self._engine = engine
        self._size = size
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._open = 0
        self._latest = _LATEST.format(m=mark)
        self._key = _KEY.format(m=mark)

    def _connect(self) -> Any:
        raw = self._engine.raw_connection()
        driver: Any = raw.dbapi_connection
        if self._engine.dialect.name == "postgresql":
            driver.autocommit = True  # each SELECT sees the newest commit; no open transaction
        return raw

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        try:
            raw = self._idle.get_nowait()
        except queue.Empty:
            raw = self._connect()
            with self._lock:
                self._open += 1
        try:
            cur = raw.cursor()
            try:
                cur.execute(sql, params)
                row = cur.fetchone()
            finally:
                cur.close()
        except BaseException:
            self._discard(raw)  # a broken connection is never lent again
            raise
        if self._idle.qsize() < self._size:
            self._idle.put(raw)
        else:
            self._discard(raw)
        return None if row is None else tuple(row)

    def _discard(self, raw: Any) -> None:
        with self._lock:
            self._open -= 1
        try:
            if self._engine.dialect.name == "postgresql":
                raw.dbapi_connection.autocommit = False  # back to the pool as it came
            raw.close()
        except Exception:  # closing a dead connection may fail; it is gone either way
            raw.invalidate()

    def latest_score(self, subject: str) -> LatestScore | None:
        """The subject's newest stored score (the one the scoring cursor names), or None."""
        row = self._one(self._latest, (subject,))
        if row is None:
            return None
        return LatestScore(
            int(row[0]),
            row[1],
            int(row[2]),
            int(row[3]),
            int(row[4]),
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            row[10],
            None if row[11] is None else int(row[11]),
            row[12],
        )

    def key(self, key_id: str) -> ApiKeyRecord | None:
        """The API key ``key_id`` (its keyed hash, its role, whether revoked), or None."""
        row = self._one(self._key, (key_id,))
        if row is None:
            return None
        return ApiKeyRecord(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            int(row[5]),
            row[6],
            None if row[7] is None else int(row[7]),
            row[8],
        )

    @property
    def connections(self) -> int:
        """Connections open now (lent and idle)."""
        return self._open

    def close(self) -> None:
        while True:
            try:
                raw = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(raw)
