"""Canonical forms: the one way glasscredit writes JSON to hash, hashes it, and spells ids.

Every digest glasscredit stores or checks (a policy's and a points table's hash, an
event's content hash, an audit row's hash, erasure keys, score digests) is made here,
so a verifier that recomputes one uses the very bytes the writer hashed. The forms are
frozen: a change would make stored digests fail to verify, and
``tests/test_canonical.py`` pins known values. The identifier patterns are the ones
every validator (exact and columnar) checks, declared once.

This module is at the bottom of the layering, beside :mod:`glasscredit.exceptions`: it
imports nothing from glasscredit.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "FIELD_SEPARATOR",
    "IDENTIFIER_PATTERN",
    "IDENTIFIER_RE",
    "SUBJECT_PATTERN",
    "SUBJECT_RE",
    "TYPE_NAME_PATTERN",
    "TYPE_NAME_RE",
    "canonical_json",
    "digest",
    "field_digest",
    "sha256_hex",
    "stream_digest",
]

#: separates the fields of a record hashed with :func:`field_digest` (ASCII unit separator)
FIELD_SEPARATOR = "\x1f"

#: a subject id: an opaque token, never a name or an e-mail address
SUBJECT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
#: an event id or a reference attribute: an opaque token of a source's own making
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$"
#: an event type or attribute family name: dotted lower-case words (``payment.on_time``)
TYPE_NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
SUBJECT_RE = re.compile(SUBJECT_PATTERN)
IDENTIFIER_RE = re.compile(IDENTIFIER_PATTERN)
TYPE_NAME_RE = re.compile(TYPE_NAME_PATTERN)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys, ASCII only, NaN and infinities refused."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256_hex(data: str | bytes | memoryview) -> str:
    """Hex sha256 of bytes, or of text as UTF-8."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def stream_digest(parts: Iterable[str | bytes]) -> str:
    """sha256 of the parts one after the other (text as UTF-8), without joining them.

    The digests over many records (an ingest batch's id/hash lines, a batch's leaves, a
    snapshot's values) feed their records here in a fixed order.
    """
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
    return h.hexdigest()


def digest(value: Any) -> str:
    """sha256 of the canonical JSON of a value: the hash of a policy or a points table."""
    return sha256_hex(canonical_json(value))


def field_digest(*fields: object) -> str:
    """sha256 of the fields' text joined by :data:`FIELD_SEPARATOR` (``None`` as empty).

    The record hashes (an event's content, an audit row, an event's leaf) are of this
    form; the last field is typically a canonical JSON document.
    """
    return sha256_hex(FIELD_SEPARATOR.join("" if f is None else str(f) for f in fields))
