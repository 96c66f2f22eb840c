"""Exclusion periods (disputes, removals, held bursts): when an event does not count.

Rows are appended by the stores of disputes and holds, in their own audited
transactions; a period is closed by setting ``until_us`` (never backdated). This module
reads them: as the kernel takes them and as a subject's export shows them; and the
reports that a dispute verdict removed, which a reporter's weight loses by.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from glasscredit.store._disputes import DEADLINE_ACTOR
from glasscredit.store._schemas import EXCLUSION_SCHEMA
from glasscredit.store._tables import disputes, event_exclusions, events

__all__ = ["SqlExclusionStore"]


class SqlExclusionStore:
    """Exclusion reads on either database (the SQL is the same)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def frame(self, subjects_in: Collection[str] | None = None) -> pl.DataFrame:
        """``event_id``, ``source``, ``from_us``, ``until_us`` of these subjects' periods
        (all: None)."""
        ex = event_exclusions
        stmt = select(ex.c.event_id, ex.c.source, ex.c.from_us, ex.c.until_us)
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
                    select(
                        ex.c.event_id,
                        ex.c.source,
                        ex.c.from_us,
                        ex.c.until_us,
                        ex.c.reason,
                        ex.c.ref,
                    )
                    .where(ex.c.subject == subject)
                    .order_by(ex.c.id)
                )
            ]

    def periods(self, event_ids: Collection[str]) -> pl.DataFrame:
        """``event_id``, ``source``, ``from_us``, ``until_us``, ``reason``, ``ref`` of the
        periods of events with these ids (every source's: ids are per source), in the order
        they were made (what a change notice names as the cause)."""
        ex = event_exclusions
        wanted = sorted(set(event_ids))
        rows: list[Any] = []
        with self._engine.connect() as conn:
            for i in range(0, len(wanted), 20_000):
                rows += conn.execute(
                    select(
                        ex.c.event_id,
                        ex.c.source,
                        ex.c.from_us,
                        ex.c.until_us,
                        ex.c.reason,
                        ex.c.ref,
                    )
                    .where(ex.c.event_id.in_(wanted[i : i + 20_000]))
                    .order_by(ex.c.id)
                ).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={**EXCLUSION_SCHEMA, "reason": pl.String, "ref": pl.String},
        )

    def resolved(self, event_types: Collection[str], outcome: str, as_of_us: int) -> pl.DataFrame:
        """``event_id``, ``subject``, ``attributes`` of events of ``event_types`` on which
        a dispute was resolved as ``outcome`` (``removed`` or ``upheld``) by ``as_of_us``.

        Only a verdict is read: an open dispute, a lapse at the deadline or a burst hold
        never is, so a reporter
        is penalised only when a verdict removed their report, and a record stands as
        checked only when a verdict upheld it.
        """
        stmt = (
            select(events.c.event_id, events.c.subject, events.c.attributes)
            .distinct()
            .join(
                disputes,
                (disputes.c.event_id == events.c.event_id) & (disputes.c.source == events.c.source),
            )
            .where(
                events.c.type.in_(list(event_types)),
                disputes.c.status == outcome,
                disputes.c.resolved_at_us <= as_of_us,
                # a lapse at the deadline removes the record but is no verdict
                disputes.c.resolved_by != DEADLINE_ACTOR,
            )
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={"event_id": pl.String, "subject": pl.String, "attributes": pl.String},
        )
