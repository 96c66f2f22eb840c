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

from glasscredit.exceptions import NotFoundError
from glasscredit.features import countable_events, id_hash_sums, subject_pass
from glasscredit.policy import feature_text, iso
from glasscredit.scoring._batch_rows import detail_column, reason_codes
from glasscredit.scoring._causes import PINS, CauseInputs, cause_inputs, change_causes
from glasscredit.scoring._digest import V2, V3, digest_v1, digest_v2, external_text
from glasscredit.scoring._engine import ChunkResult, Scorer
from glasscredit.store import StoredScore

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
    unchanged: int = 0  # ``only_changed``: subjects whose inputs and points had not moved
    score_ids: dict[str, int] = field(default_factory=dict)
    causes: dict[str, int] = field(default_factory=dict)  # change notices per cause


def _pinned(frame: pl.DataFrame, versions: dict[str, int] | None) -> pl.Expr:
    """``detail`` with what the score read pinned: ``"v"`` the snapshot versions (when the
    reader knows them), ``"q"`` the newest event seq. Verification reads exactly these,
    so actions later in the same microsecond do not change what the score reproduces."""
    head = pl.col("detail").str.head(-1)
    parts: list[pl.Expr] = [head]
    if versions is not None:
        pins = ",".join(f'"{k}":{v}' for k, v in sorted(versions.items()))
        parts.append(pl.lit(f',"v":{{{pins}}}'))
    parts += [pl.lit(',"q":'), pl.col("last_seq").cast(pl.String), pl.lit("}")]
    return pl.concat_str(parts).alias("detail")


def _same(new: dict[str, Any], old: dict[str, Any]) -> bool:
    return bool(new["f"] == old.get("f") and new["d"] == old.get("d"))


def _drop_unchanged(
    scorer: Scorer, frame: pl.DataFrame, prev: pl.DataFrame, tx: Any
) -> tuple[pl.DataFrame, int]:
    """Keep the rows whose score, inputs digest, points, policy or table differ from the
    subject's newest stored score; move the cursor of the others. Returns the kept rows
    and how many were left as they were."""
    both = frame.join(prev, on="subject", how="inner").filter(
        (pl.col("score") == pl.col("prev_score"))
        & (pl.col("tier") == pl.col("prev_tier"))
        & (pl.col("inputs_digest") == pl.col("prev_inputs_digest"))
        & (pl.col("prev_policy_hash") == scorer.policy.hash)
        & (pl.col("prev_model_hash") == scorer.table_hash)
    )
    if both.height == 0:
        return frame, 0
    olds = tx.details(both["prev_score_id"].to_list())
    same = [
        s
        for s, d, pid in both.select("subject", "detail", "prev_score_id").iter_rows()
        if _same(json.loads(d), olds[pid])
    ]
    tx.advance(both.filter(pl.col("subject").is_in(same)).select("subject", "last_seq"))
    return frame.filter(~pl.col("subject").is_in(same)), len(same)


def store_chunk(
    scorer: Scorer, chunk: ChunkResult, computed_at_us: int, *, only_changed: bool = False
) -> StoreReport:
    """Append one score per subject of the chunk; notices for those whose score changed.

    Rows are built column-wise (detail JSON and reason codes included, see
    :mod:`._batch_rows`) and handed to the store's score writer (its bulk path), in one
    transaction that holds the chain lock, as every writer of scores does.
    ``only_changed``: store only subjects whose points or inputs moved (the others keep
    their score; their cursor moves past the events they were rescored for).
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
    ).with_columns(_pinned(frame, chunk.versions))
    report = StoreReport()
    why = cause_inputs(scorer, chunk)  # read before the writer takes the lock
    with scorer.ledger.scores.writing() as tx:
        prev = tx.previous(frame["subject"].to_list())
        if only_changed:
            frame, report.unchanged = _drop_unchanged(scorer, frame, prev, tx)
        subjects_in = frame["subject"].to_list()
        next_id = tx.next_score_id()
        frame = frame.with_columns(
            pl.int_range(next_id, next_id + frame.height, dtype=pl.Int64).alias("score_id"),
            pl.lit(chunk.scored.as_of_us, dtype=pl.Int64).alias("as_of_us"),
            pl.lit(computed_at_us, dtype=pl.Int64).alias("computed_at_us"),
            pl.lit(policy.hash).alias("policy_hash"),
            pl.lit(scorer.table_hash).alias("model_hash"),
        ).with_columns(pl.col("score_id").alias("last_score_id"))
        tx.append(frame)
        report.score_ids = dict(zip(subjects_in, frame["score_id"].to_list(), strict=True))
        moved = (
            frame.select("subject", "score_id", "score", "tier", "detail")
            .join(prev, on="subject", how="inner")
            .filter(
                (pl.col("score") != pl.col("prev_score")) | (pl.col("tier") != pl.col("prev_tier"))
            )
        )
        olds = tx.details(moved["prev_score_id"].to_list())
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
                    "prev": r,
                },
                r,
                json.loads(r["detail"]),
            )
            for r in moved.iter_rows(named=True)
        ]
        if changed:
            notices = _notices(scorer, chunk, changed, why)
            for n in notices.values():
                for c in n["causes"]:
                    report.causes[c] = report.causes.get(c, 0) + 1
            tx.append_notices(
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
                        "diff": notices[subj],
                    }
                    for subj, sid, old, r, _ in changed
                ]
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
            "recorded_at_us",
            *[pl.col(f"_in_{n}").alias(n) for n in names],
        )
        .unpivot(
            index=["subject", "event_id", "type", "source", "occurred_at_us", "recorded_at_us"],
            variable_name="feature",
            value_name="counts",
        )
        .filter(pl.col("counts"))
        .drop("counts")
        .collect()
    )


def _in_order(events: pl.DataFrame) -> pl.DataFrame:
    """Each event once, oldest first (ties by id, then source): a notice reads the same
    every time. An event is (source, event_id): ids are per source."""
    return events.unique(["event_id", "source"]).sort("occurred_at_us", "event_id", "source")


def _notices(
    scorer: Scorer,
    chunk: ChunkResult,
    changed: list[tuple[str, int, dict[str, Any], dict[str, Any], dict[str, Any]]],
    why: CauseInputs,
) -> dict[str, dict[str, Any]]:
    """Per changed subject: points delta per feature with the events that moved it."""
    as_of = chunk.scored.as_of_us
    who = [c[0] for c in changed]
    now = _counted_pairs(scorer, chunk, who, as_of)
    by_old: dict[int, list[str]] = {}
    for subj, _, old, _, _ in changed:
        by_old.setdefault(old["as_of_us"], []).append(subj)
    before = pl.concat([_counted_pairs(scorer, chunk, s, t) for t, s in by_old.items()])
    keys = ["subject", "event_id", "source", "feature"]
    entered = now.join(before.select(keys), on=keys, how="anti")
    left = before.join(now.select(keys), on=keys, how="anti")
    labels = {t: (spec.label or t) for t, spec in scorer.policy.event_types.items()}
    ratio_inputs = {
        f.name: [f.numerator, f.denominator] for f in scorer.policy.features if f.agg == "ratio"
    }
    out: dict[str, dict[str, Any]] = {}
    for subj, _, old, r, new_detail in changed:
        mine = (
            entered.filter(pl.col("subject") == subj).unique(["event_id", "source"]),
            left.filter(pl.col("subject") == subj).unique(["event_id", "source"]),
        )
        causes = change_causes(scorer, why, old["prev"], old["detail"], new_detail, as_of, mine)
        versions = _corrected_versions(why, causes, as_of)
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
                    "change": versions.get((e["source"], e["event_id"]), "counted"),
                    "type": e["type"],
                    "source": e["source"],
                    "occurred_at": iso(e["occurred_at_us"]),
                }
                for e in _in_order(ev_in).iter_rows(named=True)
            ] + [
                {
                    "event_id": e["event_id"],
                    "change": versions.get((e["source"], e["event_id"]), "stopped counting"),
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
                because = "; ".join(
                    f"{labels[e['type']]} of {e['occurred_at'][:10]} reported by "
                    f"{e['source']} {e['change']}"
                    for e in evs[:5]
                )
                # plain words: the feature's label from the policy's texts, never its name
                what = feature_text(scorer.policy, name).label
                lines.append(f"{pts - old_pts:+d}: {what}" + (f" ({because})" if because else ""))
        out[subj] = {
            "old_score": old["score"],
            "new_score": r["score"],
            "old_tier": old["tier"],
            "new_tier": r["tier"],
            "delta": r["score"] - old["score"],
            "causes": causes,
            "features": feats,
            "lines": lines,
        }
    return out


def _corrected_versions(
    why: CauseInputs, causes: list[str], as_of_us: int
) -> dict[tuple[str, str], str]:
    """When a confirmed correction is among ``causes``: the words for its two versions,
    keyed by (source, event id). Read from the exclusion periods fetched before the
    writer's transaction: a new version is excluded (reason ``correction``) until its
    confirmation; the original is the event its dispute (same ref) froze."""
    if not any(c.startswith("correction ") for c in causes):
        return {}
    p = why.periods
    new = p.filter(
        (pl.col("reason") == "correction")
        & pl.col("until_us").is_not_null()
        & (pl.col("until_us") <= as_of_us)
    )
    out: dict[tuple[str, str], str] = {}
    for r in new.iter_rows(named=True):
        out[(r["source"], r["event_id"])] = "counted as corrected at your request"
        orig = p.filter((pl.col("ref") == r["ref"]) & (pl.col("reason") != "correction"))
        for o in orig.iter_rows(named=True):
            out[(o["source"], o["event_id"])] = "replaced by its corrected version"
    return out


def score_history(scorer: Scorer, subject: str) -> list[StoredScore]:
    return scorer.ledger.scores.history(subject)


def score_notices(scorer: Scorer, subject: str) -> list[dict[str, Any]]:
    return [
        {
            "score_id": n.score_id,
            "prev_score_id": n.prev_score_id,
            "at": iso(n.at_us),
            **n.diff,
        }
        for n in scorer.ledger.scores.notices(subject)
    ]


def _recomputed_digest(scorer: Scorer, stored: StoredScore, current: str) -> str:
    """The stored score's digest recomputed in its own version (``current`` is version 3).

    A version-1 or version-2 digest (scores stored before ids were per source) is
    recomputed from the ids of the events that count now, read and passed through the
    kernel again (old scores only).
    """
    if current == stored.inputs_digest or stored.inputs_digest.startswith(V3):
        return current
    subject, t = stored.subject, stored.as_of_us
    versions, max_seq = _pins(stored)
    ext = scorer.external(t, [subject], made_by_us=stored.computed_at_us, versions=versions)
    events = scorer.events([subject], t)
    if max_seq is not None:
        events = events.filter(pl.col("seq") <= max_seq)
    one = subject_pass(
        events,
        scorer.policy,
        t,
        subject,
        exclusions=scorer.exclusions([subject]),
        external=ext,
    )
    text = external_text(subject, ext)
    if stored.inputs_digest.startswith(V2):
        return digest_v2(*id_hash_sums(one.counted_ids), text)
    return digest_v1(one.counted_ids, text)


def _pins(stored: StoredScore) -> tuple[dict[str, int] | None, int | None]:
    """The snapshot versions and newest event seq a stored score pinned (None: older
    scores, which are read by their computation time instead)."""
    v, q = (stored.detail.get(k) for k in PINS)
    versions = {str(k): int(x) for k, x in v.items()} if isinstance(v, dict) else None
    return versions, (int(q) if isinstance(q, int) else None)


def verify_score(scorer: Scorer, score_id: int) -> dict[str, Any]:
    """Recompute a stored score from the ledger; identical, or the exact difference.

    The inputs are read as the score read them: the snapshot versions it pinned (or,
    for scores stored before pins, those made by its computation time) and its events
    up to the newest it had seen, so later writes in the same microsecond do not count.
    """
    stored = scorer.ledger.scores.get(score_id)
    if stored is None:
        raise NotFoundError(f"score {score_id} does not exist")
    versions, max_seq = _pins(stored)
    now = scorer.explain(
        stored.subject,
        stored.as_of_us,
        made_by_us=stored.computed_at_us,
        versions=versions,
        max_seq=max_seq,
    )
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
