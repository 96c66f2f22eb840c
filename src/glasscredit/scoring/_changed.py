"""The subjects whose score may have changed since it was stored, found without scoring.

``score --changed`` rescores these and stores those whose points or inputs digest did
change. Each source of change is found by a query, not by rescoring everyone:

* new events: the scoring cursor's ``last_seq`` against each subject's newest event;
* a different policy or points table than the subject's newest score was made under;
* an exclusion period (dispute, hold, release) that opened or closed after the
  subject's newest score's as-of time;
* a recomputed trust or reports snapshot: the values of the version a read takes now
  against those of every version the subjects' newest scores may have read, subject
  by subject (a value that appears, goes or differs).

A subject found in a difference is kept when the version its newest score pinned (or,
for scores stored before pins, one it may have read) is the one that differs. What is
then stored is decided by the digest and points themselves
(:func:`._history.store_chunk`).
"""

from __future__ import annotations

import json

import polars as pl

from glasscredit.scoring._engine import Scorer
from glasscredit.store import SnapshotVersion

__all__ = ["changed_subjects", "snapshot_changes"]


def _maybe_read(versions: list[SnapshotVersion], as_of_us: int, computed_at_us: int) -> set[int]:
    """Every version of one kind a score at ``as_of_us`` computed at ``computed_at_us``
    may have read: the one a read made before then takes, and any made in that
    microsecond (with a frozen clock some are made after the score, some before)."""
    fit = [v for v in versions if v.as_of_us <= as_of_us]
    out = {v.version for v in fit if v.made_at_us == computed_at_us}
    before = [v for v in fit if v.made_at_us < computed_at_us]
    if before:
        out.add(max(before, key=lambda v: (v.as_of_us, v.made_at_us, v.version)).version)
    return out


_EMPTY = pl.DataFrame(schema={"subject": pl.String, "value": pl.Float64})


def _values(
    scorer: Scorer, kind: str, version: int | None, cache: dict[int, pl.DataFrame]
) -> pl.DataFrame:
    if version is None:
        return _EMPTY
    if version not in cache:
        got = scorer.ledger.snapshots.values(kind, 0, version=version)
        assert got is not None
        cache[version] = got
    return cache[version]


def _differ(before: pl.DataFrame, after: pl.DataFrame) -> set[str]:
    """Subjects whose value appears, goes or differs between two versions."""
    both = before.join(after, on="subject", how="full", coalesce=True, suffix="_new")
    diff = both.filter(
        pl.col("value").is_null()
        | pl.col("value_new").is_null()
        | (pl.col("value") != pl.col("value_new"))
    )
    return set(diff["subject"].to_list())


def snapshot_changes(scorer: Scorer, as_of_us: int) -> set[str]:
    """Scored subjects whose value in the version of some kind a read as of
    ``as_of_us`` takes now differs from that in a version their newest stored score
    may have read.

    The distinct (as-of, computed-at) times of the newest scores say which versions
    were read (few: one per scoring run); each of those is compared with the version
    read now, and a subject found in a difference is kept when its own score may have
    read that version.
    """
    times = scorer.ledger.scores.last_scored_times()
    suspects: dict[tuple[str, int | None], set[str]] = {}
    history: dict[str, list[SnapshotVersion]] = {}
    for kind in scorer.external_kinds:
        now = scorer.ledger.snapshots.chosen(kind, as_of_us)
        history[kind] = scorer.ledger.snapshots.versions(kind)
        olds: set[int | None] = set()
        for a, c in times:
            got: set[int | None] = set(_maybe_read(history[kind], a, c))
            olds |= got or {None}
        olds.discard(now)
        cache: dict[int, pl.DataFrame] = {}
        new = _values(scorer, kind, now, cache)
        for old in olds:
            moved = _differ(_values(scorer, kind, old, cache), new)
            if moved:
                suspects[(kind, old)] = moved
    everyone = set().union(*suspects.values())
    if not everyone:
        return set()
    out: set[str] = set()
    last = scorer.ledger.scores.last_scored_of(everyone).with_columns(
        pl.col("detail").str.json_path_match("$.v").alias("v")
    )
    pins: dict[str, dict[str, int]] = {}
    for subject, a, c, v in last.select("subject", "as_of_us", "computed_at_us", "v").iter_rows():
        if v is not None and v not in pins:
            pins[v] = {str(k): int(x) for k, x in json.loads(v).items()}
        for kind, versions in history.items():
            # the versions it pinned, or (older scores) those it may have read
            read: set[int | None] = {pins[v].get(kind)} if v is not None else set()
            if v is None:
                read |= _maybe_read(versions, a, c) or {None}
            if any(subject in suspects.get((kind, x), ()) for x in read):
                out.add(subject)
                break
    return out


def changed_subjects(scorer: Scorer, as_of_us: int) -> list[str]:
    """Subjects whose points or inputs may differ from their newest stored score (see
    the module docstring), sorted."""
    scores = scorer.ledger.scores
    who = set(scores.stale_subjects())
    who |= set(scores.scored_under_other(scorer.policy.hash, scorer.table_hash))
    who |= set(scores.excluded_since_scored(as_of_us))
    who |= snapshot_changes(scorer, as_of_us)
    return sorted(who)
