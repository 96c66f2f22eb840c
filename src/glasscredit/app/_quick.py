"""The service's hot paths: a cached API-key check and the stored score as JSON.

Built once per service process (:class:`QuickService`) over the process's ledger: reads
go through kept connections (:class:`glasscredit.store.QuickReads`), never a scorer or a
fresh connection.

Keys: a verified key is remembered by its keyed hash for ``key_ttl_s`` seconds. A key
revoked in this process (through the API, the console or any use case) is refused at
once (:func:`glasscredit.app.revoke_key` bumps a generation every cache checks); one
revoked by another process (the CLI, another worker) is refused within ``key_ttl_s``.

The stored score is the same document :func:`glasscredit.app.current_score` returns,
built from one indexed row (score, detail and statement) without pydantic; a score
stored before scores pinned what they read is left to the full use case (``None``).
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from glasscredit.app._access import KEY_PREFIX, Principal, _hash, revocation_generation
from glasscredit.app._context import Context
from glasscredit.exceptions import AuthenticationError
from glasscredit.policy import iso
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger, QuickReads

__all__ = ["KEY_TTL_S", "QuickService", "external_kinds"]

#: how long a verified key is trusted without reading it again (another process's
#: revocation takes effect within this; this process's at once)
KEY_TTL_S = 2.0
_MAX_KEYS = 10_000


def external_kinds(ledger: Ledger) -> list[str]:
    """The snapshot kinds the policy's external features read (the scorer's list)."""
    scorer = Scorer(ledger)
    try:
        return scorer.external_kinds
    finally:
        scorer.close()


class QuickService:
    """Kept read connections, the key cache and the policy's snapshot kinds of a process."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        key_ttl_s: float = KEY_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        size = 8 if ledger.adapter.name == "sqlite" else 4  # PostgreSQL: leave the pool room
        self.reads = QuickReads(ledger.engine, ledger.adapter.mark, size=size)
        self.kinds = external_kinds(ledger)
        self._ttl = key_ttl_s
        self._monotonic = monotonic
        self._keys: dict[str, tuple[Principal, float, int]] = {}
        self._lock = threading.Lock()

    def authenticate_key(self, ctx: Context, token: str) -> Principal:
        """:func:`glasscredit.app.authenticate_key`, remembered for a short while."""
        refused = AuthenticationError(
            "authorization: unknown, malformed or revoked API key [api_key]"
        )
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            raise refused
        digest = _hash(ctx, token)
        now, gen = self._monotonic(), revocation_generation()
        hit = self._keys.get(digest)
        if hit is not None and hit[1] > now and hit[2] == gen:
            return hit[0]
        rec = self.reads.key(parts[1])
        expected = rec.key_hash if rec is not None else "0" * 64
        ok = hmac.compare_digest(expected, digest)
        if rec is None or not ok or rec.revoked_at_us is not None:
            with self._lock:
                self._keys.pop(digest, None)
            raise refused
        name = f"{rec.role}:{rec.source or rec.name}"
        who = Principal(role=rec.role, name=name[:128], key_id=rec.key_id, source=rec.source)
        with self._lock:
            if len(self._keys) >= _MAX_KEYS:
                self._keys.clear()
            self._keys[digest] = (who, now + self._ttl, gen)
        return who

    def stored_score(self, subject: str) -> bytes | None:
        """The subject's latest stored score as :class:`~glasscredit.app.StoredScore` JSON.

        ``b""`` when the subject has no stored score; ``None`` when the score predates
        pinned inputs (the full use case then works out what it reflects).
        """
        row = self.reads.latest_score(subject)
        if row is None:
            return b""
        detail: dict[str, Any] = json.loads(row.detail)
        pinned, newest = detail.get("v"), detail.get("q")
        if not isinstance(pinned, dict) or not isinstance(newest, int):
            return None
        statement = (
            None
            if row.statement_text is None or row.statement_at_us is None
            else {
                "text": row.statement_text,
                "at": iso(row.statement_at_us),
                "by": row.statement_by,
            }
        )
        doc = {
            "score_id": row.score_id,
            "subject": row.subject,
            "as_of": iso(row.as_of_us),
            "computed_at": iso(row.computed_at_us),
            "score": row.score,
            "tier": row.tier,
            "policy_hash": row.policy_hash,
            "model_hash": row.model_hash,
            "inputs_digest": row.inputs_digest,
            "detail": {
                "f": {
                    k: [None if v[0] is None else float(v[0]), v[1]] for k, v in detail["f"].items()
                },
                "d": detail["d"],
                "r": detail["r"],
                "v": {str(k): int(v) for k, v in pinned.items()},
                "q": newest,
            },
            "statement": statement,
            "reflects": {
                "ledger_seq": newest,
                "snapshots": {k: pinned.get(k) for k in self.kinds},
            },
        }
        return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()

    def close(self) -> None:
        self.reads.close()
