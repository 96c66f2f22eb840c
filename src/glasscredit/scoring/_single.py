"""Single-subject inputs in three raw DBAPI queries, for a fast ``Scorer.explain``.

An explanation needs one subject's events, its exclusions and its external values. The
SQLAlchemy Core path cost a connection and statement compilation per query (several
milliseconds); here one raw connection runs plain SQL on the ``(subject, occurred_at_us)``
index, the exclusions' subject index and the external tables' primary keys. The frames
built are exactly those the batch path builds (same schemas, same external join), so the
kernel sees the same input either way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from glasscredit.features import EXCLUSION_SCHEMA
from glasscredit.ledger import Ledger

__all__ = ["SubjectInputs", "join_external", "read_subject"]

_EVENT_SCHEMA = {"seq": pl.Int64, "event_id": pl.String, "subject": pl.String,
                 "source": pl.String, "type": pl.String, "occurred_at_us": pl.Int64,
                 "recorded_at_us": pl.Int64, "attributes": pl.String}
_EXTERNAL_TABLES = {"trust": "trust_values", "corroborated_reports": "report_values"}


@dataclass(frozen=True, slots=True)
class SubjectInputs:
    """What the kernel needs for one subject; ``known`` is False for an unknown subject."""

    known: bool
    events: pl.DataFrame
    exclusions: pl.DataFrame
    external: pl.DataFrame | None


def _marks(dialect: str, n: int) -> str:
    return ",".join(["?" if dialect == "sqlite" else "%s"] * n)


def read_subject(ledger: Ledger, subject: str, as_of_us: int,
                 attribute_types: Collection[str], external_names: Sequence[str]
                 ) -> SubjectInputs:
    """One subject's events recorded by ``as_of_us``, exclusions and external values.

    ``attributes`` is sent only for ``attribute_types`` (NULL elsewhere), as the batch
    reader does; ``external_names`` are the policy's external features, each read from
    its table's newest snapshot at or before ``as_of_us`` (as :meth:`Scorer.external`).
    """
    dialect = ledger.engine.dialect.name
    p = "?" if dialect == "sqlite" else "%s"
    types = sorted(attribute_types)
    attrs = f"CASE WHEN type IN ({_marks(dialect, len(types))}) THEN attributes END" \
        if types else "NULL"
    raw = ledger.engine.raw_connection()
    try:
        cur = raw.cursor()
        try:
            cur.execute(f"SELECT seq, event_id, subject, source, type, occurred_at_us, "
                        f"recorded_at_us, {attrs} FROM events WHERE subject = {p} "
                        f"AND recorded_at_us <= {p}", [*types, subject, as_of_us])
            ev_rows = cur.fetchall()
            known = bool(ev_rows)
            if not known:
                cur.execute(f"SELECT 1 FROM subjects WHERE subject = {p}", [subject])
                known = cur.fetchone() is not None
            cur.execute(f"SELECT event_id, from_us, until_us FROM event_exclusions "
                        f"WHERE subject = {p}", [subject])
            excl_rows = cur.fetchall()
            external = _external(cur, p, subject, as_of_us, external_names)
        finally:
            cur.close()
        raw.commit()  # end the read transaction (PostgreSQL opens one implicitly)
    finally:
        raw.close()
    return SubjectInputs(
        known,
        pl.DataFrame(ev_rows, schema=_EVENT_SCHEMA, orient="row"),
        pl.DataFrame(excl_rows, schema=EXCLUSION_SCHEMA, orient="row"),
        external)


def _external(cur: Any, p: str, subject: str, as_of_us: int,
              names: Sequence[str]) -> pl.DataFrame | None:
    """The same frame ``Scorer.external(as_of_us, [subject])`` returns."""
    frames: list[pl.DataFrame] = []
    for name in names:
        table = _EXTERNAL_TABLES.get(name)
        if table is None:
            continue
        cur.execute(f"SELECT max(as_of_us) FROM {table} WHERE as_of_us <= {p}", [as_of_us])
        snap = cur.fetchone()[0]
        if snap is None:
            continue
        cur.execute(f"SELECT subject, value FROM {table} WHERE as_of_us = {p} "
                    f"AND subject = {p}", [snap, subject])
        frames.append(pl.DataFrame(cur.fetchall(), orient="row",
                                   schema={"subject": pl.String, name: pl.Float64}))
    return join_external(frames)


def join_external(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    """One frame of external values by subject (None when no snapshot was found)."""
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.join(frame, on="subject", how="full", coalesce=True)
    return out
