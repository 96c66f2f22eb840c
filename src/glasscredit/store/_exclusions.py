"""Exclusion periods (disputes, removals, held bursts): when an event does not count.

Rows are appended by the stores of disputes and holds, in their own audited
transactions; a period is closed by setting ``until_us`` (never backdated). This module
reads them: as the kernel takes them, as a subject's export shows them, and the
permanent ones a reporter's weight loses by.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from glasscredit.store._schemas import EXCLUSION_SCHEMA
from glasscredit.store._tables import event_exclusions, events

__all__ = ["SqlExclusionStore"]


class SqlExclusionStore:
    """Exclusion reads on either database (the SQL is the same)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def frame(self, subjects_in: Collection[str] | None = None) -> pl.DataFrame:
        """``event_id``, ``from_us``, ``until_us`` of these subjects' periods (all: None)."""
        ex = event_exclusions
        stmt = select(ex.c.event_id, ex.c.from_us, ex.c.until_us)
        if subjects_in is not None:
            stmt = stmt.where(ex.c.subject.in_(list(subjects_in)))
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=EXCLUSION_SCHEMA, orient="row")

    def of_subject(self, subject: str) -> list[dict[str, Any]]:
        """A subject's periods in the order they were made, with reason and reference."""
        ex = event_exclusions
        with self._engine.connect() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    select(ex.c.event_id, ex.c.from_us, ex.c.until_us, ex.c.reason, ex.c.ref)
                    .where(ex.c.subject == subject)
                    .order_by(ex.c.id)
                )
            ]

    def permanent(
        self, event_type: str, as_of_us: int, *, not_reasons: Collection[str] = ()
    ) -> pl.DataFrame:
        """``event_id``, ``attributes`` of events of ``event_type`` excluded for good
        (``until_us`` NULL) from ``as_of_us`` or before, except for ``not_reasons``."""
        ex = event_exclusions
        stmt = (
            select(events.c.event_id, events.c.attributes)
            .join(ex, ex.c.event_id == events.c.event_id)
            .where(
                events.c.type == event_type,
                ex.c.until_us.is_(None),
                ex.c.from_us <= as_of_us,
                ex.c.reason.not_in(list(not_reasons)),
            )
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={"event_id": pl.String, "attributes": pl.String},
        )
