"""Batch ingest of a JSON Lines body: the service's fast way in.

A JSON body becomes Python objects row by row and goes through the exact validator
(about 23 us of CPU per event); a JSON Lines body is what ``glasscredit ingest FILE``
reads column-wise (Arrow parses and the column validator checks whole columns: about
10 us per event at 20,000-event batches). The body is written to a private temporary
file and ingested as that file, so both ways see the same rows under the same numbers
and the same per-row refusals. A source key's body is read row by row, since each row
must name that source (refused by row otherwise, as with a JSON body).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from glasscredit.app._access import Principal
from glasscredit.app._context import Context
from glasscredit.app._ledger import IngestResult, ingest_result
from glasscredit.exceptions import AccessDeniedError, FieldError, ValidationError
from glasscredit.store import BrokenRow, read_events

__all__ = ["JSON_LINES", "ingest_lines"]

#: the media type of a JSON Lines body (one event object per line)
JSON_LINES = "application/x-ndjson"


def ingest_lines(
    ctx: Context, principal: Principal, body: bytes, *, backfill: int | None = None
) -> IngestResult:
    """Ingest a JSON Lines body for a caller (rows numbered by line, from 1)."""
    if principal.role not in ("source", "operator"):
        raise AccessDeniedError(f"role: {principal.role} may not report events [role]")
    if not body.strip():
        raise ValidationError([FieldError("body", "required", "one JSON event object per line")])
    limit = ctx.policy.ingest.max_file_bytes
    if len(body) > limit:
        raise ValidationError(
            [FieldError("body", "max_bytes", f"larger than {limit} bytes (max_file_bytes)")]
        )
    fd, name = tempfile.mkstemp(prefix="glasscredit-ingest-", suffix=".jsonl")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        actor = principal.name
        if principal.role == "operator":  # the file's column-wise path
            return ingest_result(
                ctx.ledger.ingest_file(path, fmt="jsonl", actor=actor, backfill=backfill)
            )
        assert principal.source is not None  # a source key always names its source
        own = _own_numbered(read_events(path, ctx.policy, "jsonl"), principal.source)
        return ingest_result(ctx.ledger.ingest(own, actor=actor, numbered=True, backfill=backfill))
    finally:
        path.unlink(missing_ok=True)


def _own_numbered(
    rows: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]], source: str
) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    """Rows naming another source refused by row (a source key reports only as itself)."""
    for n, rec in rows:
        if isinstance(rec, BrokenRow) or rec.get("source") == source:
            yield n, rec
        else:
            why = f"a {source!r} key reports only as {source!r}"
            yield n, BrokenRow(FieldError("source", "own_source", why, n))
