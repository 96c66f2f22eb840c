"""Adverse-action notices: a partner's action on the score, and the notice as given.

The notice's content (score, range, key factors) is stored when the action is recorded,
so the person later reads exactly what they were told, even after a rescore. Recording
is one transaction under the chain lock with its ``adverse.record`` audit row (the
pseudonym, the source, the action and the notice id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from glasscredit.policy import iso
from glasscredit.store._audit import append_audit
from glasscredit.store._dialect import Dialect
from glasscredit.store._disputes import _tag
from glasscredit.store._tables import adverse_actions

__all__ = ["AdverseAction", "SqlAdverseStore"]


@dataclass(frozen=True, slots=True)
class AdverseAction:
    """What a partner did on the score, and what the person was told."""

    notice_id: int
    subject: str
    source: str
    action: str
    at_us: int
    by: str
    score_id: int
    score: int
    score_range: tuple[int, int]
    scored_as_of_us: int
    factors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "subject": self.subject,
            "source": self.source,
            "action": self.action,
            "at": iso(self.at_us),
            "by": self.by,
            "score_id": self.score_id,
            "score": self.score,
            "score_range": list(self.score_range),
            "scored_as_of": iso(self.scored_as_of_us),
            "factors": self.factors,
        }


def _row(r: Any) -> AdverseAction:
    return AdverseAction(
        int(r.notice_id),
        r.subject,
        r.source,
        r.action,
        int(r.at_us),
        r.by,
        int(r.score_id),
        int(r.score),
        (int(r.score_min), int(r.score_max)),
        int(r.scored_as_of_us),
        json.loads(r.factors),
    )


class SqlAdverseStore:
    """Adverse actions on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def record(self, notice: AdverseAction) -> AdverseAction:
        """Store ``notice`` (its ``notice_id`` is ignored) and audit it; the stored one."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            tag = _tag(conn, notice.subject)
            pk = conn.execute(
                adverse_actions.insert().values(
                    subject=notice.subject,
                    source=notice.source,
                    action=notice.action,
                    at_us=notice.at_us,
                    by=notice.by,
                    score_id=notice.score_id,
                    score=notice.score,
                    score_min=notice.score_range[0],
                    score_max=notice.score_range[1],
                    scored_as_of_us=notice.scored_as_of_us,
                    factors=json.dumps(notice.factors, allow_nan=False),
                )
            ).inserted_primary_key
            assert pk is not None
            nid = int(pk[0])
            append_audit(
                conn,
                at_us=notice.at_us,
                actor=notice.by,
                action="adverse.record",
                tag=tag,
                details={"notice": nid, "source": notice.source, "action": notice.action},
            )
            row = conn.execute(
                select(adverse_actions).where(adverse_actions.c.notice_id == nid)
            ).one()
        return _row(row)

    def of_subject(self, subject: str) -> list[AdverseAction]:
        """The subject's notices, oldest first."""
        stmt = (
            select(adverse_actions)
            .where(adverse_actions.c.subject == subject)
            .order_by(adverse_actions.c.notice_id)
        )
        with self._engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt).all()]
