"""The ledger's sequence as a feed: which subjects have events after a position.

``events.seq`` grows in commit order (every writer appends under the chain lock, which
it holds until it commits), so a reader that remembers the last position it saw misses
no event and sees none twice. The scoring worker follows it; the durable truth of what
each subject's last score has seen stays the scoring cursor (``stale_subjects``).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine, func, select

from glasscredit.store._tables import events, scoring_cursor

__all__ = ["EventFeed", "SqlEventFeed"]


class EventFeed(Protocol):
    def head(self) -> int: ...

    def subjects_after(self, position: int, *, limit: int = ...) -> tuple[list[str], int]: ...

    def stale_among(self, subjects: list[str]) -> list[str]: ...

    def position_of(self, subject: str, *, recorded_by_us: int) -> int: ...


class SqlEventFeed:
    """The feed on either database (the SQL is the same)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def head(self) -> int:
        """The newest position (0 for an empty ledger)."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())

    def position_of(self, subject: str, *, recorded_by_us: int) -> int:
        """The newest position among ``subject``'s events recorded by then (0: none).

        What a score as of ``recorded_by_us`` could see of the subject's file: a read of
        that score names it, so two reads can be told apart by what they rest on.
        """
        with self._engine.connect() as conn:
            got = conn.execute(
                select(func.max(events.c.seq)).where(
                    (events.c.subject == subject) & (events.c.recorded_at_us <= recorded_by_us)
                )
            ).scalar()
        return 0 if got is None else int(got)

    def subjects_after(self, position: int, *, limit: int = 100_000) -> tuple[list[str], int]:
        """Subjects of the next ``limit`` events after ``position``, and the new position."""
        stmt = (
            select(events.c.seq, events.c.subject)
            .where(events.c.seq > position)
            .order_by(events.c.seq)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if not rows:
            return [], position
        return sorted({r.subject for r in rows}), int(rows[-1].seq)

    def stale_among(self, subjects: list[str]) -> list[str]:
        """Those of ``subjects`` with an event their last stored score has not seen."""
        out: list[str] = []
        for i in range(0, len(subjects), 5_000):
            part = subjects[i : i + 5_000]
            newest = (
                select(events.c.subject, func.max(events.c.seq).label("m"))
                .where(events.c.subject.in_(part))
                .group_by(events.c.subject)
                .subquery()
            )
            cur = scoring_cursor
            stmt = (
                select(newest.c.subject)
                .select_from(newest.outerjoin(cur, cur.c.subject == newest.c.subject))
                .where(cur.c.last_seq.is_(None) | (newest.c.m > cur.c.last_seq))
            )
            with self._engine.connect() as conn:
                out.extend(conn.execute(stmt).scalars())
        return sorted(out)
