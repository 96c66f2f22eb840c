"""Why a score changed: the causes a change notice names.

A notice already lists each feature's points and the events that entered or left it;
the causes say what happened in the ledger to bring that about, in words: a new points
table or policy, a trust or reports snapshot recomputed, a dispute opened or upheld, a
burst held or released, new events recorded, events that aged out of their window. Each
cause is found from the two stored scores and the ledger, never guessed: an exclusion is
named only when one of its events entered or left a feature, a snapshot only when the
subject's value in it differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from glasscredit.policy import iso
from glasscredit.scoring._engine import EXTERNAL_SNAPSHOTS, ChunkResult, Scorer
from glasscredit.store import SnapshotVersion

__all__ = ["PINS", "CauseInputs", "cause_inputs", "change_causes", "snapshot_cause"]

#: detail keys a stored score pins what it read with: snapshot versions, newest event seq
PINS = ("v", "q")

_STARTED = {
    "dispute": "dispute {ref} opened",
    "burst_hold": "burst hold {ref}",
}
_ENDED = {
    "dispute": "dispute {ref} upheld",
    # the corrected version of a record starts counting (``store._corrections``)
    "correction": "correction {ref} confirmed",
    "burst_hold": "burst release {ref}",
}


def snapshot_cause(kind: str, version: int | None) -> str:
    """The words for a recomputed snapshot of ``kind`` (``version`` None: none applies)."""
    if version is None:
        return f"{kind} snapshot no longer applies"
    return f"{kind} recomputed (snapshot v{version})"


def _table_causes(scorer: Scorer, prev: dict[str, Any]) -> list[str]:
    out = []
    if prev["prev_policy_hash"] != scorer.policy.hash:
        out.append(f"policy {scorer.policy.hash[:12]} replaced {prev['prev_policy_hash'][:12]}")
    if prev["prev_model_hash"] != scorer.table_hash:
        own = scorer.policy.points is not None and scorer.policy.points.hash == scorer.table_hash
        what = "policy points table" if own else "points table"
        if scorer.table.source != "policy":  # a learned table: name the model it came from
            what = f"{what} learned by {scorer.table.source},"
        out.append(f"{what} {scorer.table_hash[:12]} replaced {prev['prev_model_hash'][:12]}")
    return out


@dataclass(frozen=True, slots=True)
class CauseInputs:
    """What naming causes reads from the ledger, read before the score writer's
    transaction (which holds the write lock): the exclusion periods of the chunk's
    excluded events, the snapshot versions read now, and every version of each kind."""

    periods: pl.DataFrame
    versions: dict[str, int]
    history: dict[str, list[SnapshotVersion]]


#: an event's key, source + 0x1f + event_id: ids are per source
_KEY = pl.concat_str([pl.col("source"), pl.lit("\x1f"), pl.col("event_id")])


def cause_inputs(scorer: Scorer, chunk: ChunkResult) -> CauseInputs:
    as_of = chunk.scored.as_of_us
    ids = chunk.exclusions["event_id"].unique().to_list()
    return CauseInputs(
        scorer.ledger.exclusions.periods(ids),
        chunk.versions if chunk.versions is not None else scorer.snapshot_versions(as_of),
        {k: scorer.ledger.snapshots.versions(k) for k in scorer.external_kinds},
    )


def _old_versions(
    inputs: CauseInputs, prev: dict[str, Any], detail: dict[str, Any]
) -> dict[str, int]:
    """The snapshot versions the previous score read: pinned in its detail, or (scores
    stored before the pins) the ones a read at its as-of and computation time takes."""
    pinned = detail.get("v")
    if isinstance(pinned, dict):
        return {str(k): int(v) for k, v in pinned.items()}
    a, c = int(prev["prev_as_of_us"]), int(prev["prev_computed_at_us"])
    out = {}
    for kind, versions in inputs.history.items():
        fit = [v for v in versions if v.as_of_us <= a and v.made_at_us <= c]
        if fit:
            out[kind] = max(fit, key=lambda v: (v.as_of_us, v.made_at_us, v.version)).version
    return out


def _external_causes(
    old: dict[str, int],
    new: dict[str, int],
    old_f: dict[str, Any],
    new_f: dict[str, Any],
) -> list[str]:
    out = []
    for name, kind in EXTERNAL_SNAPSHOTS.items():
        if old.get(kind) == new.get(kind) or name not in new_f:
            continue
        if old_f.get(name, [None])[0] != new_f[name][0]:
            out.append(snapshot_cause(kind, new.get(kind)))
    return out


def _exclusion_causes(
    periods: pl.DataFrame, moved: set[str], old_as_of: int, new_as_of: int
) -> tuple[list[str], set[str]]:
    """Causes from exclusion periods of the ``moved`` events (keys: source, 0x1f, id) that
    opened or closed between the two scores, and the events they explain."""
    out: list[str] = []
    explained: set[str] = set()
    if periods.height == 0 or not moved:
        return out, explained
    mine = periods.filter(_KEY.is_in(sorted(moved)))
    for e, src, start, end, reason, ref in mine.iter_rows():
        if old_as_of < start <= new_as_of:
            out.append(_STARTED.get(reason, "{reason} {ref}").format(reason=reason, ref=ref))
            explained.add(f"{src}\x1f{e}")
        if end is not None and old_as_of < end <= new_as_of:
            out.append(_ENDED.get(reason, "{reason} {ref} ended").format(reason=reason, ref=ref))
            explained.add(f"{src}\x1f{e}")
    return list(dict.fromkeys(out)), explained


def change_causes(
    scorer: Scorer,
    inputs: CauseInputs,
    prev: dict[str, Any],
    old_detail: dict[str, Any],
    new_detail: dict[str, Any],
    as_of_us: int,
    moved: tuple[pl.DataFrame, pl.DataFrame],
) -> list[str]:
    """The causes of one subject's change, most general first.

    ``prev``: the previous score's row (:data:`glasscredit.store.PREVIOUS_SCHEMA`);
    ``moved``: the (entered, left) counted events of this subject (``event_id``,
    ``recorded_at_us``).
    """
    old_as_of = int(prev["prev_as_of_us"])
    causes = _table_causes(scorer, prev)
    causes += _external_causes(
        _old_versions(inputs, prev, old_detail),
        inputs.versions,
        old_detail.get("f", {}),
        new_detail.get("f", {}),
    )
    entered, left = moved
    # an event is (source, event_id): another source's period for the same id explains nothing
    ids = set(entered.select(_KEY).to_series().to_list())
    ids |= set(left.select(_KEY).to_series().to_list())
    by_exclusion, explained = _exclusion_causes(inputs.periods, ids, old_as_of, as_of_us)
    causes += by_exclusion
    rest_in = entered.filter(~_KEY.is_in(sorted(explained)))
    new_events = rest_in.filter(pl.col("recorded_at_us") > old_as_of).height
    if new_events:
        causes.append(f"{new_events} new event{'s' if new_events > 1 else ''} recorded")
    aged = left.filter(~_KEY.is_in(sorted(explained))).height
    if aged:
        causes.append(f"{aged} event{'s' if aged > 1 else ''} aged out of a window")
    if not causes:
        causes.append(f"recomputed as of {iso(as_of_us)[:10]} (was {iso(old_as_of)[:10]})")
    return causes
