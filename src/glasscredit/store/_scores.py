"""Stored scores, change notices and the scoring cursor.

Score rows are written column-wise through the adapter's bulk path (COPY on
PostgreSQL, ``executemany`` on SQLite), and each subject's newest stored score and last
event seen go into ``scoring_cursor`` in the same transaction. Score ids are assigned
under the chain lock, as every writer of scores does, so they stay in order. The
reads that a batch needs per chunk (previous scores, their details) go through the
raw driver: the SQLAlchemy row objects cost more than the queries.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, bindparam, func, select, update

from glasscredit.store._audit import append_audit
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._records import StoredNotice, StoredScore
from glasscredit.store._tables import (
    event_exclusions,
    events,
    score_changes,
    scores,
    scoring_cursor,
)

__all__ = [
    "CURSOR_COLUMNS",
    "PREVIOUS_SCHEMA",
    "SCORE_COLUMNS",
    "SqlScoreStore",
    "SqlScoreWriter",
    "after_scored",
]

SCORE_COLUMNS = (
    "score_id",
    "subject",
    "as_of_us",
    "computed_at_us",
    "score",
    "tier",
    "policy_hash",
    "model_hash",
    "inputs_digest",
    "detail",
)
CURSOR_COLUMNS = ("subject", "last_seq", "last_score_id")
PREVIOUS_SCHEMA = {
    "subject": pl.String,
    "prev_score_id": pl.Int64,
    "prev_score": pl.Int64,
    "prev_tier": pl.String,
    "prev_as_of_us": pl.Int64,
    "prev_computed_at_us": pl.Int64,
    "prev_policy_hash": pl.String,
    "prev_model_hash": pl.String,
    "prev_inputs_digest": pl.String,
}
_IN_LIST = 20_000  # ids per statement: below SQLite's 32,766 parameters


def after_scored(conn: Connection, subjects_in: Collection[str], now_us: int) -> int:
    """``now_us``, or one microsecond after the newest as-of time of these subjects'
    stored scores when that is not earlier.

    A writer of exclusions calls it under the chain lock and stamps its change with the
    result: a score stored as of ``t`` must still read the same at ``t`` afterwards, so
    a later change never takes effect at ``t`` or before (two actions in the same
    microsecond, as with a frozen clock, or a writer whose clock is behind).
    """
    subjects = list(subjects_in)
    newest = None
    for i in range(0, len(subjects), _IN_LIST):
        got = conn.execute(
            select(func.max(scores.c.as_of_us)).where(
                scores.c.subject.in_(subjects[i : i + _IN_LIST])
            )
        ).scalar()
        if got is not None and (newest is None or int(got) > newest):
            newest = int(got)
    return now_us if newest is None or newest < now_us else newest + 1


class SqlScoreWriter:
    """Score writes inside one transaction that holds the chain lock."""

    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect
        self.tracker = StateTracker(conn)
        self.written = 0
        self.at_us = 0

    def previous(self, subjects_in: Sequence[str]) -> pl.DataFrame:
        """Each subject's newest stored score (:data:`PREVIOUS_SCHEMA`), without its detail."""
        sql = (
            "SELECT c.subject, c.last_score_id, s.score, s.tier, s.as_of_us, "
            "s.computed_at_us, s.policy_hash, s.model_hash, s.inputs_digest "
            "FROM scoring_cursor c JOIN scores s ON s.score_id = c.last_score_id "
            "WHERE c.subject IN ({})"
        )
        rows = [
            r
            for i in range(0, len(subjects_in), _IN_LIST)
            for r in self._dialect.raw_rows(self._conn, sql, subjects_in[i : i + _IN_LIST])
        ]
        return pl.DataFrame(rows, schema=PREVIOUS_SCHEMA, orient="row")

    def next_score_id(self) -> int:
        got = self._conn.execute(select(func.coalesce(func.max(scores.c.score_id), 0)))
        return int(got.scalar_one()) + 1

    def append(self, frame: pl.DataFrame) -> None:
        """Store ``frame``'s scores (:data:`SCORE_COLUMNS`) and move each subject's cursor
        (``last_seq``, ``last_score_id``)."""
        if frame.height == 0:
            return
        table = frame.select(list(SCORE_COLUMNS))
        self.tracker.add_frame(scores, table)  # hashed in a thread while the rows go in
        self._dialect.insert_rows(self._conn, "scores", SCORE_COLUMNS, table.rows())
        self.written += frame.height
        self.at_us = max(self.at_us, int(frame.get_column("computed_at_us").max()))  # type: ignore[arg-type]
        self._dialect.insert_rows(
            self._conn,
            "scoring_cursor",
            CURSOR_COLUMNS,
            frame.select(list(CURSOR_COLUMNS)).iter_rows(),
            upsert_key="subject",
        )

    def advance(self, frame: pl.DataFrame) -> None:
        """Move the cursor's ``last_seq`` of ``frame``'s subjects (``subject``,
        ``last_seq``) without storing a score: their inputs did not change."""
        if frame.height:
            self._conn.execute(
                update(scoring_cursor)
                .where(scoring_cursor.c.subject == bindparam("s"))
                .values(last_seq=bindparam("q")),
                [{"s": s, "q": q} for s, q in frame.select("subject", "last_seq").iter_rows()],
            )

    def details(self, score_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Parsed ``detail`` of these stored scores."""
        sql = "SELECT score_id, detail FROM scores WHERE score_id IN ({})"
        return {
            int(r[0]): json.loads(r[1])
            for i in range(0, len(score_ids), _IN_LIST)
            for r in self._dialect.raw_rows(self._conn, sql, score_ids[i : i + _IN_LIST])
        }

    def append_notices(self, notices: Sequence[Mapping[str, Any]]) -> None:
        """Store change notices (``score_changes`` columns; ``diff`` a JSON-ready dict)."""
        if notices:
            self._conn.execute(
                score_changes.insert(),
                [
                    {**n, "diff": json.dumps(n["diff"], separators=(",", ":"), allow_nan=False)}
                    for n in notices
                ],
            )


def _stored(row: Any) -> StoredScore:
    return StoredScore(
        int(row.score_id),
        row.subject,
        int(row.as_of_us),
        int(row.computed_at_us),
        int(row.score),
        row.tier,
        row.policy_hash,
        row.model_hash,
        row.inputs_digest,
        json.loads(row.detail),
    )


class SqlScoreStore:
    """Stored scores on either database (the adapter brings the bulk paths)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    @contextmanager
    def writing(self) -> Iterator[SqlScoreWriter]:
        """One transaction holding the chain lock; committed when the block ends."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)  # serialise score id assignment with other writers
            writer = SqlScoreWriter(conn, self._dialect)
            yield writer
            if writer.written:  # the chain vouches for the scores table's new digest
                append_audit(
                    conn,
                    at_us=writer.at_us,
                    actor="scoring",
                    action="scores",
                    details={"scores": writer.written},
                    tracker=writer.tracker,
                )

    def history(self, subject: str) -> list[StoredScore]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(scores).where(scores.c.subject == subject).order_by(scores.c.score_id)
            ).all()
        return [_stored(r) for r in rows]

    def get(self, score_id: int) -> StoredScore | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(scores).where(scores.c.score_id == score_id)).first()
        return None if row is None else _stored(row)

    def notices(self, subject: str) -> list[StoredNotice]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(score_changes)
                .where(score_changes.c.subject == subject)
                .order_by(score_changes.c.id)
            ).all()
        return [
            StoredNotice(int(r.score_id), int(r.prev_score_id), int(r.at_us), json.loads(r.diff))
            for r in rows
        ]

    def current(self, subject: str) -> int | None:
        """The subject's newest stored score (the one the cursor points at), or None."""
        with self._engine.connect() as conn:
            got = conn.execute(
                select(scores.c.score)
                .join(scoring_cursor, scoring_cursor.c.last_score_id == scores.c.score_id)
                .where(scoring_cursor.c.subject == subject)
            ).scalar()
        return None if got is None else int(got)

    def in_period(self, start_us: int, end_us: int) -> pl.DataFrame:
        """``score_id``, ``subject``, ``score``, ``detail`` (JSON) of every stored score with
        ``start_us <= as_of < end_us``."""
        stmt = select(scores.c.score_id, scores.c.subject, scores.c.score, scores.c.detail).where(
            scores.c.as_of_us >= start_us, scores.c.as_of_us < end_us
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        schema = {
            "score_id": pl.Int64,
            "subject": pl.String,
            "score": pl.Int64,
            "detail": pl.String,
        }
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")

    def stale_subjects(self) -> list[str]:
        """Subjects whose newest event is beyond what their last stored score has seen."""
        newest = (
            select(events.c.subject, func.max(events.c.seq).label("m"))
            .group_by(events.c.subject)
            .subquery()
        )
        stmt = (
            select(newest.c.subject)
            .select_from(
                newest.outerjoin(scoring_cursor, scoring_cursor.c.subject == newest.c.subject)
            )
            .where((scoring_cursor.c.last_seq.is_(None)) | (newest.c.m > scoring_cursor.c.last_seq))
            .order_by(newest.c.subject)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    # -- what changed since each subject's last score (``score --changed``) ---------------
    def last_scored_of(self, subjects_in: Collection[str]) -> pl.DataFrame:
        """``subject``, ``as_of_us``, ``computed_at_us``, ``detail`` (JSON) of the newest
        score of those of ``subjects_in`` that have one."""
        wanted = sorted(set(subjects_in))
        sql = (
            "SELECT c.subject, s.as_of_us, s.computed_at_us, s.detail FROM scoring_cursor c "
            "JOIN scores s ON s.score_id = c.last_score_id WHERE c.subject IN ({})"
        )
        with self._engine.connect() as conn:
            rows = [
                r
                for i in range(0, len(wanted), _IN_LIST)
                for r in self._dialect.raw_rows(conn, sql, wanted[i : i + _IN_LIST])
            ]
        schema = {
            "subject": pl.String,
            "as_of_us": pl.Int64,
            "computed_at_us": pl.Int64,
            "detail": pl.String,
        }
        return pl.DataFrame(rows, schema=schema, orient="row")

    def last_scored_times(self) -> list[tuple[int, int]]:
        """The distinct ``(as_of_us, computed_at_us)`` of every subject's newest score."""
        stmt = (
            select(scores.c.as_of_us, scores.c.computed_at_us)
            .join(scoring_cursor, scoring_cursor.c.last_score_id == scores.c.score_id)
            .distinct()
        )
        with self._engine.connect() as conn:
            return [(int(a), int(c)) for a, c in conn.execute(stmt).all()]

    def scored_under_other(self, policy_hash: str, model_hash: str) -> list[str]:
        """Subjects whose newest score was made under another policy or points table."""
        stmt = (
            select(scoring_cursor.c.subject)
            .join(scores, scores.c.score_id == scoring_cursor.c.last_score_id)
            .where((scores.c.policy_hash != policy_hash) | (scores.c.model_hash != model_hash))
            .order_by(scoring_cursor.c.subject)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def excluded_since_scored(self, as_of_us: int) -> list[str]:
        """Subjects with an exclusion period that opened or closed after their newest
        score's as-of time and by ``as_of_us`` (a dispute, a hold, a release)."""
        ex = event_exclusions
        after = scores.c.as_of_us

        def moved(col: Any) -> Any:
            return col.is_not(None) & (col > after) & (col <= as_of_us)

        stmt = (
            select(ex.c.subject)
            .join(scoring_cursor, scoring_cursor.c.subject == ex.c.subject)
            .join(scores, scores.c.score_id == scoring_cursor.c.last_score_id)
            .where(moved(ex.c.from_us) | moved(ex.c.until_us))
            .distinct()
        )
        with self._engine.connect() as conn:
            return sorted(conn.execute(stmt).scalars())
