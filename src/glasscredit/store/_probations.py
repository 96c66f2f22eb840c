"""Sources on probation, and the events a probation holds until they are seasoned.

An operator places a source on probation (after reviewing its flags, or on other
evidence): from ``from_us`` on the ledger's clock until it is released, the source's
positive events about subjects it alone vouches for count only once the ledger has
known them ``seasoning_us``. The probation is a row of ``source_probations``; each held
event is an ``event_exclusions`` row (reason ``probation``, ref ``probation:<id>``)
from the time the ledger knew it to that time plus the seasoning, so the kernel, the
single subject and Spark read the same periods. A hold never starts at or before a
stored score of its subject (that score must still reproduce); releasing, or the
subject gaining a second independent source, closes the open periods at the time of
the decision, never earlier. Every write appends an audit row in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select, update

from glasscredit.exceptions import ConflictError, NotFoundError
from glasscredit.policy import iso
from glasscredit.store._audit import append_audit, insert_audited
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._scores import after_scored
from glasscredit.store._tables import event_exclusions, scores, source_probations

__all__ = ["PROBATION_REASON", "Probation", "SqlProbationStore"]

PROBATION_REASON = "probation"
_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Probation:
    """One source's probation, as stored."""

    probation_id: int
    source: str
    from_us: int
    until_us: int | None
    seasoning_us: int
    flags: list[str] = field(default_factory=list)
    reason: str = ""
    placed_by: str = ""
    placed_at_us: int = 0
    released_by: str | None = None

    @property
    def ref(self) -> str:
        """The ``ref`` of its exclusion rows."""
        return f"probation:{self.probation_id}"

    def active_at(self, t_us: int) -> bool:
        return self.from_us <= t_us and (self.until_us is None or self.until_us > t_us)

    def as_dict(self) -> dict[str, Any]:
        return {
            "probation_id": self.probation_id,
            "source": self.source,
            "from": iso(self.from_us),
            "until": None if self.until_us is None else iso(self.until_us),
            "seasoning_days": self.seasoning_us / 86_400_000_000,
            "flags": self.flags,
            "reason": self.reason,
            "placed_by": self.placed_by,
            "placed_at": iso(self.placed_at_us),
            "released_by": self.released_by,
        }


def _probation(row: Sequence[Any]) -> Probation:
    i, src, lo, hi, seasoning, flags, reason, by, at, released = row
    return Probation(
        int(i),
        str(src),
        int(lo),
        None if hi is None else int(hi),
        int(seasoning),
        [str(f) for f in json.loads(flags)],
        str(reason),
        str(by),
        int(at),
        None if released is None else str(released),
    )


def _newest_scores(conn: Connection, subjects: Collection[str]) -> dict[str, int]:
    """Per subject, the newest as-of time of its stored scores (none: absent)."""
    wanted = sorted(set(subjects))
    out: dict[str, int] = {}
    for i in range(0, len(wanted), _CHUNK):
        for s, t in conn.execute(
            select(scores.c.subject, func.max(scores.c.as_of_us))
            .where(scores.c.subject.in_(wanted[i : i + _CHUNK]))
            .group_by(scores.c.subject)
        ):
            out[str(s)] = int(t)
    return out


def _close(conn: Connection, tracker: StateTracker, where: Any, at_us: int) -> int:
    """Close the exclusion periods matching ``where`` at ``at_us``, counted out of and
    back into the table's digest by id; how many were closed."""
    ex = event_exclusions
    ids = [int(i) for i in conn.execute(select(ex.c.id).where(where)).scalars()]
    for i in range(0, len(ids), _CHUNK):
        part = ex.c.id.in_(ids[i : i + _CHUNK])
        tracker.remove(ex, part)
        conn.execute(update(ex).where(part).values(until_us=at_us))
        tracker.add(ex, part)
    return len(ids)


class SqlProbationStore:
    """Probations and their holds on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    # -- reads --------------------------------------------------------------------------
    def all(self) -> list[Probation]:
        """Every probation, oldest first."""
        p = source_probations
        with self._engine.connect() as conn:
            return [_probation(tuple(r)) for r in conn.execute(select(p).order_by(p.c.id))]

    def active(self, at_us: int) -> list[Probation]:
        """The probations in force at ``at_us``."""
        return [p for p in self.all() if p.active_at(at_us)]

    def open_for(self, source: str) -> Probation | None:
        """The source's probation not yet released, if any."""
        return next((p for p in self.all() if p.source == source and p.until_us is None), None)

    # -- writes -------------------------------------------------------------------------
    def place(
        self,
        source: str,
        *,
        from_us: int,
        seasoning_us: int,
        flags: Sequence[str],
        reason: str,
        actor: str,
        at_us: int,
    ) -> Probation:
        """Put ``source`` on probation from ``from_us`` (validated by the caller);
        a source already on probation is a conflict."""
        p = source_probations
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            if conn.execute(
                select(p.c.id).where(p.c.source == source, p.c.until_us.is_(None))
            ).first():
                raise ConflictError(f"source {source!r} is already on probation")
            row = insert_audited(
                conn,
                p,
                {
                    "source": source,
                    "from_us": from_us,
                    "until_us": None,
                    "seasoning_us": seasoning_us,
                    "flags": json.dumps(list(flags)),
                    "reason": reason,
                    "placed_by": actor,
                    "placed_at_us": at_us,
                    "released_by": None,
                },
                at_us=at_us,
                actor=actor,
                action="source_probation",
                key="probation",
                details={
                    "source": source,
                    "from_us": from_us,
                    "seasoning_us": seasoning_us,
                    "flags": list(flags),
                    "reason": reason,
                },
            )
        return _probation(tuple(row.values()))

    def release(self, source: str, at_us: int, *, actor: str) -> tuple[Probation, int]:
        """End the source's open probation at ``at_us``: its open holds close then (the
        events count from then on); returns the probation and the holds closed."""
        p, ex = source_probations, event_exclusions
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            row = conn.execute(
                select(p).where(p.c.source == source, p.c.until_us.is_(None))
            ).first()
            if row is None:
                raise NotFoundError(f"source {source!r} is not on probation")
            prob = _probation(tuple(row))
            held = and_(
                ex.c.ref == prob.ref, ex.c.reason == PROBATION_REASON, ex.c.until_us > at_us
            )
            subjects = set(conn.execute(select(ex.c.subject).where(held)).scalars())
            at_us = max(at_us, prob.from_us, after_scored(conn, subjects, at_us))
            tracker = StateTracker(conn)
            tracker.remove(p, p.c.id == prob.probation_id)
            closed = _close(conn, tracker, and_(ex.c.ref == prob.ref, ex.c.until_us > at_us), at_us)
            conn.execute(
                update(p)
                .where(p.c.id == prob.probation_id)
                .values(until_us=at_us, released_by=actor)
            )
            tracker.add(p, p.c.id == prob.probation_id)
            append_audit(
                conn,
                at_us=at_us,
                actor=actor,
                tracker=tracker,
                action="source_release",
                details={"probation": prob.probation_id, "source": source, "closed": closed},
            )
        released = Probation(
            prob.probation_id,
            prob.source,
            prob.from_us,
            at_us,
            prob.seasoning_us,
            prob.flags,
            prob.reason,
            prob.placed_by,
            prob.placed_at_us,
            actor,
        )
        return released, closed

    def hold(
        self,
        prob: Probation,
        rows: Sequence[tuple[str, str, int]],
        at_us: int,
        *,
        actor: str,
    ) -> int:
        """Hold these events of ``prob``'s source, each ``(event_id, subject,
        known_at_us)``, from when the ledger knew it (never at or before a stored score
        of its subject) until it has known it ``prob.seasoning_us``; events already held
        by ``prob`` are skipped (idempotent). Returns the holds added (audited)."""
        ex = event_exclusions
        added = 0
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            done = set(conn.execute(select(ex.c.event_id).where(ex.c.ref == prob.ref)).scalars())
            todo = [r for r in rows if r[0] not in done]
            newest = _newest_scores(conn, {s for _, s, _ in todo})
            out = []
            for eid, subject, known in todo:
                start = max(known, newest.get(subject, known - 1) + 1, prob.from_us)
                end = known + prob.seasoning_us
                if start < end:
                    out.append(
                        {
                            "event_id": eid,
                            "source": prob.source,
                            "subject": subject,
                            "from_us": start,
                            "until_us": end,
                            "reason": PROBATION_REASON,
                            "ref": prob.ref,
                        }
                    )
            if out:
                tracker = StateTracker(conn)
                tracker.remove(ex, ex.c.ref == prob.ref)
                for i in range(0, len(out), _CHUNK):
                    conn.execute(ex.insert(), out[i : i + _CHUNK])
                tracker.add(ex, ex.c.ref == prob.ref)
                added = len(out)
                append_audit(
                    conn,
                    at_us=at_us,
                    actor=actor,
                    tracker=tracker,
                    action="probation_hold",
                    details={
                        "probation": prob.probation_id,
                        "source": prob.source,
                        "ref": prob.ref,
                        "events": added,
                        "subjects": len({r["subject"] for r in out}),
                    },
                )
        return added

    def lift(self, prob: Probation, subjects: Collection[str], at_us: int, *, actor: str) -> int:
        """Close ``prob``'s open holds on these subjects at ``at_us`` (each now has a
        second independent source); returns the holds closed (audited)."""
        ex = event_exclusions
        wanted = sorted(set(subjects))
        if not wanted:
            return 0
        closed = 0
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            at_us = after_scored(conn, wanted, at_us)
            tracker = StateTracker(conn)
            for i in range(0, len(wanted), _CHUNK):
                mine = and_(
                    ex.c.ref == prob.ref,
                    ex.c.until_us > at_us,
                    ex.c.subject.in_(wanted[i : i + _CHUNK]),
                )
                closed += _close(conn, tracker, mine, at_us)
            if closed:
                append_audit(
                    conn,
                    at_us=at_us,
                    actor=actor,
                    tracker=tracker,
                    action="probation_lift",
                    details={
                        "probation": prob.probation_id,
                        "source": prob.source,
                        "events": closed,
                        "why": "a second independent source",
                    },
                )
        return closed

    def held_by(self, prob: Probation, at_us: int) -> dict[str, int]:
        """Per subject, the events ``prob`` holds at ``at_us``."""
        ex = event_exclusions
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(ex.c.subject, func.count())
                .where(ex.c.ref == prob.ref, ex.c.from_us <= at_us, ex.c.until_us > at_us)
                .group_by(ex.c.subject)
            ).all()
        return {str(s): int(n) for s, n in rows}
