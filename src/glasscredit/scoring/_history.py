"""Score history: store scores with their hashes and digest, notices of change, verify.

A stored score records the as-of time, the policy and points-table hashes, and the digest
of the events that counted, so it can be recomputed from the ledger and checked. When a
subject's new score differs from its previous one, a change notice records the exact
difference in points per feature and the events that entered or left each feature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, select

from glasscredit.exceptions import NotFoundError
from glasscredit.features import countable_events, subject_pass
from glasscredit.scoring._batch_rows import detail_column, reason_codes
from glasscredit.scoring._digest import V2, digest_v1, external_text
from glasscredit.scoring._engine import ChunkResult, Scorer
from glasscredit.scoring._explain import iso
from glasscredit.store._audit import lock_chain
from glasscredit.store._tables import score_changes, scores

__all__ = [
    "StoreReport",
    "StoredScore",
    "score_history",
    "score_notices",
    "store_chunk",
    "verify_score",
]


@dataclass(slots=True)
class StoreReport:
    stored: int = 0
    changed: int = 0
    score_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredScore:
    score_id: int
    subject: str
    as_of_us: int
    computed_at_us: int
    score: int
    tier: str
    policy_hash: str
    model_hash: str
    inputs_digest: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "score_id": self.score_id,
            "subject": self.subject,
            "as_of": iso(self.as_of_us),
            "computed_at": iso(self.computed_at_us),
            "score": self.score,
            "tier": self.tier,
            "policy_hash": self.policy_hash,
            "model_hash": self.model_hash,
            "inputs_digest": self.inputs_digest,
            "detail": self.detail,
        }


_PREVIOUS_SCHEMA = {
    "subject": pl.String,
    "prev_score_id": pl.Int64,
    "prev_score": pl.Int64,
    "prev_tier": pl.String,
    "prev_as_of_us": pl.Int64,
}


def _raw_query(conn: Connection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``{}`` stands for the list of ``params``) through the raw driver."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    cur = conn.connection.cursor()
    try:
        cur.execute(sql.format(", ".join([mark] * len(params))), params)
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def _previous(conn: Connection, subjects_in: list[str]) -> pl.DataFrame:
    """Each subject's newest stored score (id, score, tier, as-of), without its detail.

    Through the raw driver: the SQLAlchemy row objects cost more than the query.
    """
    sql = (
        "SELECT c.subject, c.last_score_id, s.score, s.tier, s.as_of_us "
        "FROM scoring_cursor c JOIN scores s ON s.score_id = c.last_score_id "
        "WHERE c.subject IN ({})"
    )
    rows = [
        r
        for i in range(0, len(subjects_in), 20_000)
        for r in _raw_query(conn, sql, subjects_in[i : i + 20_000])
    ]
    return pl.DataFrame(rows, schema=_PREVIOUS_SCHEMA, orient="row")


def _details(conn: Connection, score_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Parsed ``detail`` of these stored scores (those whose successor changed)."""
    sql = "SELECT score_id, detail FROM scores WHERE score_id IN ({})"
    return {
        int(r[0]): json.loads(r[1])
        for i in range(0, len(score_ids), 20_000)
        for r in _raw_query(conn, sql, score_ids[i : i + 20_000])
    }


_SCORE_COLS = (
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
_CURSOR_COLS = ("subject", "last_seq", "last_score_id")


def _insert_rows(
    conn: Connection,
    table: str,
    cols: tuple[str, ...],
    frame: pl.DataFrame,
    *,
    upsert_key: str | None = None,
) -> None:
    """Insert ``frame``'s rows through the raw driver (COPY on PostgreSQL).

    ``upsert_key``: replace the row with the same key (``ON CONFLICT``, same text on
    SQLite and PostgreSQL; COPY cannot upsert, so those go through executemany).
    """
    if frame.height == 0:
        return
    names = ", ".join(cols)
    rows = frame.select(list(cols)).iter_rows()
    cur = conn.connection.cursor()
    try:
        if conn.dialect.name == "postgresql" and upsert_key is None:
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(cols))})"
        if upsert_key is not None:
            sql += f" ON CONFLICT ({upsert_key}) DO UPDATE SET " + ", ".join(
                f"{c} = excluded.{c}" for c in cols if c != upsert_key
            )
        cur.executemany(sql, list(rows))
    finally:
        cur.close()


def store_chunk(scorer: Scorer, chunk: ChunkResult, computed_at_us: int) -> StoreReport:
    """Append one score per subject of the chunk; notices for those whose score changed.

    Rows are built column-wise (detail JSON and reason codes included, see
    :mod:`._batch_rows`) and inserted through the raw driver; score ids are assigned
    under the chain lock, as every writer of scores does.
    """
    policy = scorer.policy
    names = list(scorer.table.features)
    dims = list(policy.dimensions)
    feats = chunk.scored.features.frame.select(["subject", *names])
    frame = (
        chunk.scored.frame.join(feats, on="subject", how="left")
        .join(chunk.digests, on="subject", how="left")
        .with_columns(pl.col("inputs_digest").fill_null(""))
    )
    frame = frame.join(chunk.last_seq, on="subject", how="left").with_columns(
        pl.col("last_seq").fill_null(0)
    )
    frame = frame.with_columns(
        detail_column(frame, names, dims, reason_codes(policy, scorer.table, frame))
    )
    report = StoreReport()
    with scorer.ledger.engine.begin() as conn:
        lock_chain(conn)  # serialise score id assignment with other writers
        subjects_in = frame["subject"].to_list()
        prev = _previous(conn, subjects_in)
        next_id = (
            int(conn.execute(select(func.coalesce(func.max(scores.c.score_id), 0))).scalar_one())
            + 1
        )
        frame = frame.with_columns(
            pl.int_range(next_id, next_id + frame.height, dtype=pl.Int64).alias("score_id"),
            pl.lit(chunk.scored.as_of_us, dtype=pl.Int64).alias("as_of_us"),
            pl.lit(computed_at_us, dtype=pl.Int64).alias("computed_at_us"),
            pl.lit(policy.hash).alias("policy_hash"),
            pl.lit(scorer.model_hash).alias("model_hash"),
        ).with_columns(pl.col("score_id").alias("last_score_id"))
        _insert_rows(conn, "scores", _SCORE_COLS, frame)
        _insert_rows(conn, "scoring_cursor", _CURSOR_COLS, frame, upsert_key="subject")
        report.score_ids = dict(zip(subjects_in, frame["score_id"].to_list(), strict=True))
        moved = (
            frame.select("subject", "score_id", "score", "tier", "detail")
            .join(prev, on="subject", how="inner")
            .filter(
                (pl.col("score") != pl.col("prev_score")) | (pl.col("tier") != pl.col("prev_tier"))
            )
        )
        olds = _details(conn, moved["prev_score_id"].to_list())
        changed = [
            (
                r["subject"],
                int(r["score_id"]),
                {
                    "score_id": r["prev_score_id"],
                    "score": r["prev_score"],
                    "tier": r["prev_tier"],
                    "as_of_us": r["prev_as_of_us"],
                    "detail": olds[r["prev_score_id"]],
                },
                r,
                json.loads(r["detail"]),
            )
            for r in moved.iter_rows(named=True)
        ]
        if changed:
            notices = _notices(scorer, chunk, changed)
            conn.execute(
                score_changes.insert(),
                [
                    {
                        "subject": subj,
                        "score_id": sid,
                        "prev_score_id": old["score_id"],
                        "old_score": old["score"],
                        "new_score": r["score"],
                        "old_tier": old["tier"],
                        "new_tier": r["tier"],
                        "at_us": computed_at_us,
                        "diff": json.dumps(notices[subj], separators=(",", ":"), allow_nan=False),
                    }
                    for subj, sid, old, r, _ in changed
                ],
            )
    report.stored = frame.height
    report.changed = len(changed)
    return report


def _counted_pairs(
    scorer: Scorer, chunk: ChunkResult, subjects_in: list[str], as_of_us: int
) -> pl.DataFrame:
    names = [f.name for f in scorer.policy.features if f.is_event_aggregate]
    ev = chunk.events.filter(pl.col("subject").is_in(subjects_in))
    lf = countable_events(ev, scorer.policy, as_of_us, chunk.exclusions)
    return (
        lf.select(
            "subject",
            "event_id",
            "type",
            "source",
            "occurred_at_us",
            *[pl.col(f"_in_{n}").alias(n) for n in names],
        )
        .unpivot(
            index=["subject", "event_id", "type", "source", "occurred_at_us"],
            variable_name="feature",
            value_name="counts",
        )
        .filter(pl.col("counts"))
        .drop("counts")
        .collect()
    )


def _in_order(events: pl.DataFrame) -> pl.DataFrame:
    """Each event once, oldest first (ties by id): a notice reads the same every time."""
    return events.unique("event_id").sort("occurred_at_us", "event_id")


def _notices(
    scorer: Scorer,
    chunk: ChunkResult,
    changed: list[tuple[str, int, dict[str, Any], dict[str, Any], dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """Per changed subject: points delta per feature with the events that moved it."""
    as_of = chunk.scored.as_of_us
    who = [c[0] for c in changed]
    now = _counted_pairs(scorer, chunk, who, as_of)
    by_old: dict[int, list[str]] = {}
    for subj, _, old, _, _ in changed:
        by_old.setdefault(old["as_of_us"], []).append(subj)
    before = pl.concat([_counted_pairs(scorer, chunk, s, t) for t, s in by_old.items()])
    keys = ["subject", "event_id", "feature"]
    entered = now.join(before.select(keys), on=keys, how="anti")
    left = before.join(now.select(keys), on=keys, how="anti")
    labels = {t: (spec.label or t) for t, spec in scorer.policy.event_types.items()}
    ratio_inputs = {
        f.name: [f.numerator, f.denominator] for f in scorer.policy.features if f.agg == "ratio"
    }
    out: dict[str, dict[str, Any]] = {}
    for subj, _, old, r, new_detail in changed:
        lines, feats = [], {}
        for name, (value, pts) in new_detail["f"].items():
            old_val, old_pts = old["detail"]["f"].get(name, [None, 0])
            if pts == old_pts and value == old_val:
                continue
            srcs = ratio_inputs.get(name, [name])
            ev_in = entered.filter((pl.col("subject") == subj) & pl.col("feature").is_in(srcs))
            ev_out = left.filter((pl.col("subject") == subj) & pl.col("feature").is_in(srcs))
            evs = [
                {
                    "event_id": e["event_id"],
                    "change": "counted",
                    "type": e["type"],
                    "source": e["source"],
                    "occurred_at": iso(e["occurred_at_us"]),
                }
                for e in _in_order(ev_in).iter_rows(named=True)
            ] + [
                {
                    "event_id": e["event_id"],
                    "change": "stopped counting",
                    "type": e["type"],
                    "source": e["source"],
                    "occurred_at": iso(e["occurred_at_us"]),
                }
                for e in _in_order(ev_out).iter_rows(named=True)
            ]
            feats[name] = {
                "old_value": old_val,
                "new_value": value,
                "old_points": old_pts,
                "new_points": pts,
                "delta": pts - old_pts,
                "events": evs,
            }
            if pts != old_pts:
                causes = "; ".join(
                    f"{labels[e['type']]} of {e['occurred_at'][:10]} reported by "
                    f"{e['source']} {e['change']}"
                    for e in evs[:5]
                )
                lines.append(f"{pts - old_pts:+d}: {name}" + (f" ({causes})" if causes else ""))
        out[subj] = {
            "old_score": old["score"],
            "new_score": r["score"],
            "old_tier": old["tier"],
            "new_tier": r["tier"],
            "delta": r["score"] - old["score"],
            "features": feats,
            "lines": lines,
        }
    return out


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


def score_history(scorer: Scorer, subject: str) -> list[StoredScore]:
    with scorer.ledger.engine.connect() as conn:
        rows = conn.execute(
            select(scores).where(scores.c.subject == subject).order_by(scores.c.score_id)
        ).all()
    return [_stored(r) for r in rows]


def score_notices(scorer: Scorer, subject: str) -> list[dict[str, Any]]:
    with scorer.ledger.engine.connect() as conn:
        rows = conn.execute(
            select(score_changes)
            .where(score_changes.c.subject == subject)
            .order_by(score_changes.c.id)
        ).all()
    return [
        {
            "score_id": int(r.score_id),
            "prev_score_id": int(r.prev_score_id),
            "at": iso(int(r.at_us)),
            **json.loads(r.diff),
        }
        for r in rows
    ]


def _recomputed_digest(scorer: Scorer, stored: StoredScore, current: str) -> str:
    """The stored score's digest recomputed in its own version (``current`` is version 2).

    A version-1 digest (64 hex digits) is recomputed from the ids of the events that
    count now, read and passed through the kernel again (old scores only).
    """
    if current == stored.inputs_digest or stored.inputs_digest.startswith(V2):
        return current
    subject, t = stored.subject, stored.as_of_us
    ext = scorer.external(t, [subject])
    one = subject_pass(
        scorer.events([subject], t),
        scorer.policy,
        t,
        subject,
        exclusions=scorer.exclusions([subject]),
        external=ext,
    )
    return digest_v1(one.counted_ids, external_text(subject, ext))


def verify_score(scorer: Scorer, score_id: int) -> dict[str, Any]:
    """Recompute a stored score from the ledger; identical, or the exact difference."""
    with scorer.ledger.engine.connect() as conn:
        row = conn.execute(select(scores).where(scores.c.score_id == score_id)).first()
    if row is None:
        raise NotFoundError(f"score {score_id} does not exist")
    stored = _stored(row)
    now = scorer.explain(stored.subject, stored.as_of_us)
    diffs: list[str] = []
    if now.score != stored.score:
        diffs.append(f"score: stored {stored.score}, recomputed {now.score}")
    if now.tier != stored.tier:
        diffs.append(f"tier: stored {stored.tier}, recomputed {now.tier}")
    if now.policy_hash != stored.policy_hash:
        diffs.append("policy_hash: the policy in force differs from the one stored")
    if now.model_hash != stored.model_hash:
        diffs.append("model_hash: the points table in force differs from the one stored")
    if _recomputed_digest(scorer, stored, now.inputs_digest) != stored.inputs_digest:
        diffs.append("inputs_digest: the events that count differ from those at scoring")
    for line in now.features:
        old = stored.detail["f"].get(line.name)
        if old is None:
            diffs.append(f"{line.name}: not in the stored score")
        elif old[1] != line.points or old[0] != line.value:
            diffs.append(
                f"{line.name}: stored value {old[0]} ({old[1]:+d} points), "
                f"recomputed {line.value} ({line.points:+d} points)"
            )
    return {
        "score_id": score_id,
        "subject": stored.subject,
        "as_of": iso(stored.as_of_us),
        "identical": not diffs,
        "stored_score": stored.score,
        "recomputed_score": now.score,
        "differences": diffs,
    }
