"""Approved backfills: history a source may load, and from when the ledger knew it.

An operator approves a backfill for one source and a range of ``occurred_at``, attesting
the date from which the source knew the facts (``known_from_us``), with who approved
and why. The approval is a row of ``backfills`` (covered by the chain's table digests)
and an audit row carrying all of it, in one transaction. Events ingested into it keep
their true ``recorded_at_us`` (so every stored score still reproduces) and are known
from ``max(occurred_at_us, known_from_us)``; each ingest batch's audit row names the
backfill and its ``known_from_us``, which is what ``audit verify`` checks every event's
``known_at_us`` against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.policy import BackfillWindow, iso
from glasscredit.store._audit import insert_audited
from glasscredit.store._dialect import Dialect
from glasscredit.store._tables import backfills

__all__ = ["Backfill", "SqlBackfillStore", "check_backfill"]

MAX_REASON = 1_000


@dataclass(frozen=True, slots=True)
class Backfill:
    """One approved backfill, as stored."""

    backfill_id: int
    source: str
    occurred_from_us: int
    occurred_to_us: int
    known_from_us: int
    approved_by: str
    approved_at_us: int
    reason: str

    @property
    def window(self) -> BackfillWindow:
        """What ingest admits into it."""
        return BackfillWindow(
            self.backfill_id,
            self.source,
            self.occurred_from_us,
            self.occurred_to_us,
            self.known_from_us,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "backfill_id": self.backfill_id,
            "source": self.source,
            "occurred_from": iso(self.occurred_from_us),
            "occurred_to": iso(self.occurred_to_us),
            "known_from": iso(self.known_from_us),
            "approved_by": self.approved_by,
            "approved_at": iso(self.approved_at_us),
            "reason": self.reason,
        }


def check_backfill(
    source: str,
    sources: set[str],
    occurred_from_us: int,
    occurred_to_us: int,
    known_from_us: int,
    at_us: int,
    reason: str,
) -> None:
    """Refuse an approval that names an unknown source, an empty or future range, a
    known-from date before the range or after the approval, or no reason."""
    errors: list[FieldError] = []
    if source not in sources:
        errors.append(FieldError("source", "unknown_source", f"{source!r} is not declared"))
    if occurred_from_us > occurred_to_us:
        errors.append(FieldError("occurred_to", "range", "is before occurred_from"))
    if occurred_to_us > at_us:
        errors.append(
            FieldError("occurred_to", "future", "a backfill loads history: not after now")
        )
    if known_from_us > at_us:
        errors.append(
            FieldError("known_from", "future", "the operator attests a date that has passed")
        )
    if known_from_us < occurred_from_us:
        errors.append(
            FieldError(
                "known_from",
                "before_range",
                "a source cannot have known facts before the first of them occurred",
            )
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        errors.append(FieldError("reason", "length", f"must be 1 to {MAX_REASON} characters"))
    if errors:
        raise ValidationError(errors)


class SqlBackfillStore:
    """Approved backfills on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def approve(
        self,
        *,
        source: str,
        occurred_from_us: int,
        occurred_to_us: int,
        known_from_us: int,
        approved_by: str,
        reason: str,
        at_us: int,
    ) -> Backfill:
        """Store an approval (validated by the caller) with its audit row; returns it."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            row = insert_audited(
                conn,
                backfills,
                {
                    "source": source,
                    "occurred_from_us": occurred_from_us,
                    "occurred_to_us": occurred_to_us,
                    "known_from_us": known_from_us,
                    "approved_by": approved_by,
                    "approved_at_us": at_us,
                    "reason": reason,
                },
                at_us=at_us,
                actor=approved_by,
                action="backfill_approve",
                key="backfill",
                details={
                    "source": source,
                    "occurred_from_us": occurred_from_us,
                    "occurred_to_us": occurred_to_us,
                    "known_from_us": known_from_us,
                    "reason": reason,
                },
            )
        return _backfill(tuple(row.values()))

    def get(self, backfill_id: int) -> Backfill:
        """One approval (``NotFoundError`` for an unknown id)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(backfills).where(backfills.c.id == backfill_id)).first()
        if row is None:
            raise NotFoundError(f"no approved backfill {backfill_id}")
        return _backfill(tuple(row))

    def all(self) -> list[Backfill]:
        """Every approval, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(backfills).order_by(backfills.c.id)).all()
        return [_backfill(tuple(r)) for r in rows]


def _backfill(row: tuple[Any, ...]) -> Backfill:
    i, src, lo, hi, known, by, at, reason = row
    return Backfill(int(i), str(src), int(lo), int(hi), int(known), str(by), int(at), str(reason))
