"""Erasure checked inside ingest's write transaction: nothing erased comes back.

An ingest that started before an erasure must not put the erased subject back, so the
check cannot be a list read once when the ingest starts. Each batch's transaction,
holding the chain lock that erasure also takes, asks the erasure keys about the batch's
subjects (and the subjects its events name, as endorser or reporter): one indexed lookup,
and nothing at all while no one has been erased.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from sqlalchemy import Connection, bindparam, select

from glasscredit.exceptions import FieldError
from glasscredit.store._audit import subject_hash
from glasscredit.store._tables import erasures

__all__ = ["drop_erased", "naming_attributes"]

_CHUNK = 10_000
_MESSAGE = "names a subject who was erased; their records are refused"


def naming_attributes(named: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Per attribute that names a subject, the event types declaring it."""
    out: dict[str, list[str]] = {}
    for type_, attrs in named.items():
        for a in attrs:
            out.setdefault(a, []).append(type_)
    return out


def drop_erased(
    conn: Connection, frame: pl.DataFrame, by_attr: Mapping[str, list[str]]
) -> tuple[pl.DataFrame, list[FieldError]]:
    """``frame`` without the events about or naming an erased subject, and their refusals."""
    if not frame.height or conn.execute(select(erasures.c.subject_hash).limit(1)).first() is None:
        return frame, []
    fields = {"subject": pl.col("subject")}
    for attr, types in by_attr.items():
        fields[f"attributes.{attr}"] = (
            pl.when(pl.col("type").is_in(types))
            .then(pl.col("attributes").str.json_path_match(f"$.{attr}"))
            .otherwise(None)
        )
    named = frame.select(**fields)
    names = {v for c in named.columns for v in named.get_column(c).drop_nulls().unique()}
    by_hash = {subject_hash(n): n for n in names}
    keys = list(by_hash)
    stmt = select(erasures.c.subject_hash).where(
        erasures.c.subject_hash.in_(bindparam("keys", expanding=True))
    )
    gone = {
        by_hash[h]
        for i in range(0, len(keys), _CHUNK)
        for h in conn.execute(stmt, {"keys": keys[i : i + _CHUNK]}).scalars()
    }
    if not gone:
        return frame, []
    hit = {c: named.get_column(c).is_in(list(gone)).fill_null(False) for c in named.columns}
    refused = pl.Series([False] * frame.height)
    for mask in hit.values():
        refused = refused | mask
    errors = []
    for i in refused.arg_true().to_list():
        field = next(c for c, mask in hit.items() if mask[i])
        errors.append(FieldError(field, "erased", _MESSAGE, int(frame.item(i, "row"))))
    return frame.filter(~refused), errors
