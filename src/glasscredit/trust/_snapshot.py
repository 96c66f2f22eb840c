"""Trust snapshots from the ledger: endorsement graph -> SybilRank -> stored ``trust`` version.

A snapshot is computed for one ``as_of`` time from the events that count at that time
and appended to the store as a new version of that time, stamped with when it was made
(the ledger's clock) and vouched for by an audit row; nothing is replaced. The scorer
reads the newest snapshot at or before the time it scores; verifying a stored score
reads the versions made by the time it was computed, so a past score is reproduced
with the trust it was computed with, even after a recomputation.

Seeds are chosen for embedding (``trust/_plan.py``) and stored beside the values (the
``trust_seeds`` snapshot). A recomputation that loses more than ``max_seed_loss`` of the
previous snapshot's seeds is not stored unless forced: the previous snapshot stays in
force and the refusal is audited and returned as an alert, because a sudden loss of
seeds is what a knock-out attack looks like (reports or negatives filed against the
seeds, endorsements withdrawn), and without seeds every honest subject loses the trust
points. Raw endorsement counts never reach a score; only the degree-normalised trust
in [0, 1] does (the ``trust`` feature).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa

from glasscredit.policy import EXTERNAL_FEATURES
from glasscredit.store import SnapshotVersion, Store
from glasscredit.trust._graph import DroppedEdges
from glasscredit.trust._inputs import SEEDS_KIND, TrustInputs, load_trust_inputs
from glasscredit.trust._plan import plan_seeds
from glasscredit.trust._settings import (
    ReportSettings,
    TrustSettings,
    report_settings,
    trust_settings,
)
from glasscredit.trust._sybilrank import sybilrank

__all__ = [
    "SEEDS_KIND",
    "TRUST_KIND",
    "TrustSnapshot",
    "compute_trust",
    "snapshot_from_inputs",
    "store_trust",
]


@dataclass(frozen=True, slots=True)
class TrustSnapshot:
    """Normalised trust of every known subject as of one time, and how it was made.

    ``values`` maps subject -> trust in [0, 1] (0 for subjects without a mutual
    endorsement or out of reach of every seed). ``seeds`` are the seed ids used;
    ``ties`` the graph's edges as ``(min id, max id)`` pairs (report corroboration
    treats tied reporters as one). ``earned`` maps subject -> established mutual
    endorsers (``trust/_standing.py``; subjects with none left out): what a reporter
    must have to weigh; ``vouchers`` maps each reporter to those endorsers.
    ``reference`` is the normalisation reference (the median trust of the ``eligible``
    seed-eligible subjects). ``previous_seeds`` and ``seeds_lost`` compare the seeds
    with those of the snapshot a read takes now; ``alert`` says why this snapshot must
    not replace it (None: nothing wrong); ``stored`` whether it was stored.
    """

    as_of_us: int
    values: dict[str, float]
    seeds: list[str]
    n_edges: int
    iterations: int
    dropped: DroppedEdges
    ties: frozenset[tuple[str, str]]
    reference: float = 0.0
    eligible: int = 0
    communities_without_seed: int = 0
    previous_seeds: int | None = None
    seeds_lost: int = 0
    alert: str | None = None
    stored: bool = False
    earned: dict[str, int] = field(default_factory=dict)
    vouchers: dict[str, frozenset[str]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        vals = np.array(list(self.values.values()), dtype=np.float64)
        return {
            "as_of_us": self.as_of_us,
            "subjects": len(self.values),
            "seeds": len(self.seeds),
            "edges": self.n_edges,
            "iterations": self.iterations,
            "dropped": self.dropped.as_dict(),
            "median": float(np.median(vals)) if len(vals) else 0.0,
            "reached": int(np.count_nonzero(vals > 0)),
            "reference": self.reference,
            "eligible": self.eligible,
            "communities_without_seed": self.communities_without_seed,
            "previous_seeds": self.previous_seeds,
            "seeds_lost": self.seeds_lost,
            "alert": self.alert,
            "stored": self.stored,
        }


def _seed_alert(
    previous: frozenset[str] | None, seeds: list[str], max_loss: float
) -> tuple[int, str | None]:
    """Seeds of ``previous`` that are gone, and the alert when too many are."""
    if not previous:
        return 0, None
    lost = len(previous - set(seeds))
    share = lost / len(previous)
    if share <= max_loss:
        return lost, None
    return lost, (
        f"{lost} of the {len(previous)} seeds of the snapshot in force are no longer seeds "
        f"({share:.0%}, more than settings.trust.max_seed_loss {max_loss:.0%}); the snapshot "
        f"in force is kept. Look for reports, negative records or withdrawn endorsements "
        f"aimed at the seeds; if the change is right, store it with force"
    )


def snapshot_from_inputs(
    inputs: TrustInputs,
    settings: TrustSettings,
    reports: ReportSettings | None = None,
) -> TrustSnapshot:
    """Trust as of ``inputs.as_of_us``: pure function of the inputs and the settings."""
    plan = plan_seeds(inputs, settings, reports or ReportSettings())
    graph = plan.graph
    lost, alert = _seed_alert(inputs.previous_seeds, plan.seeds, settings.max_seed_loss)
    common: dict[str, Any] = {
        "eligible": len(plan.selection.eligible),
        "communities_without_seed": len(plan.selection.communities_without_seed),
        "previous_seeds": None if inputs.previous_seeds is None else len(inputs.previous_seeds),
        "seeds_lost": lost,
        "alert": alert,
        "earned": plan.earned,
        "vouchers": plan.vouchers,
    }
    if not plan.seeds:
        # Trust starts nowhere: nobody is vouched for by a verified seed, so nobody
        # gains from connections. Every subject is stored at 0, not left out.
        values = dict.fromkeys(inputs.subjects["subject"].to_list(), 0.0)
        return TrustSnapshot(
            inputs.as_of_us, values, [], graph.n_edges, 0, graph.dropped, plan.ties, **common
        )
    result = sybilrank(
        graph,
        pa.array(plan.seeds, type=pa.string()),
        iterations=settings.iterations,
        reference=pa.array([str(s) for s in plan.selection.eligible], type=pa.string()),
    )
    values = dict(zip(graph.subject_ids.to_pylist(), result.normalised.tolist(), strict=True))
    return TrustSnapshot(
        inputs.as_of_us,
        values,
        plan.seeds,
        graph.n_edges,
        result.iterations,
        graph.dropped,
        plan.ties,
        reference=result.reference,
        **common,
    )


TRUST_KIND = EXTERNAL_FEATURES["trust"].snapshot  # the snapshots the ``trust`` feature reads


def store_trust(
    ledger: Store, snapshot: TrustSnapshot, *, actor: str = "trust", forced: bool = False
) -> SnapshotVersion:
    """Append ``snapshot`` and its seeds as new versions, made now (the ledger's clock),
    in one audited transaction (``forced``: stored despite its alert, said in the audit)."""
    details: dict[str, object] = {"seeds": len(snapshot.seeds), "seeds_lost": snapshot.seeds_lost}
    if forced:
        details["forced"] = snapshot.alert or ""
    return ledger.snapshots.append(
        TRUST_KIND,
        snapshot.as_of_us,
        snapshot.values,
        made_at_us=ledger.clock(),
        actor=actor,
        companions={SEEDS_KIND: dict.fromkeys(snapshot.seeds, 1.0)},
        details=details,
    )


def compute_trust(
    ledger: Store, as_of_us: int, *, store: bool = True, force: bool = False
) -> TrustSnapshot:
    """Build the endorsement graph as of ``as_of_us``, propagate trust, and store it.

    Parameters
    ----------
    ledger:
        The ledger; its policy's ``settings.trust`` chooses the seeds and graph mode.
    as_of_us:
        Only events that count at this time are used; the snapshot is stored under it.
    store:
        Append the values as a new ``trust`` snapshot version (the ``trust`` feature
        reads them). A snapshot with an alert (too many seeds lost) is not stored: an
        audit row ``snapshot.trust.kept`` says why, and the snapshot in force stays.
    force:
        Store it even with an alert (the operator reviewed the change).
    """
    policy = ledger.policy
    snapshot = snapshot_from_inputs(
        load_trust_inputs(ledger, as_of_us), trust_settings(policy), report_settings(policy)
    )
    if not store:
        return snapshot
    if snapshot.alert is not None and not force:
        ledger.snapshots.keep(
            TRUST_KIND,
            as_of_us,
            at_us=ledger.clock(),
            actor="trust",
            details={
                "previous_seeds": snapshot.previous_seeds,
                "seeds": len(snapshot.seeds),
                "seeds_lost": snapshot.seeds_lost,
                "alert": snapshot.alert,
            },
        )
        return snapshot
    store_trust(ledger, snapshot, forced=snapshot.alert is not None)
    return replace(snapshot, stored=True)
