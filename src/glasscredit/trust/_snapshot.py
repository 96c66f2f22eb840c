"""Trust snapshots from the ledger: endorsement graph -> SybilRank -> stored ``trust`` version.

A snapshot is computed for one ``as_of`` time from the events that count at that time
and appended to the store as a new version of that time, stamped with when it was made
(the ledger's clock) and vouched for by an audit row; nothing is replaced. The scorer
reads the newest snapshot at or before the time it scores; verifying a stored score
reads the versions made by the time it was computed, so a past score is reproduced
with the trust it was computed with, even after a recomputation.

Seeds are chosen by policy (``settings.trust``): identity verified at
``min_identity_level`` or better and ``min_clean_months`` known with no countable
negative event. Raw endorsement counts never reach a score; only the degree-normalised
trust in [0, 1] does (the ``trust`` feature).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from glasscredit.policy import EXTERNAL_FEATURES
from glasscredit.store import SnapshotVersion, Store
from glasscredit.trust._graph import DroppedEdges, build_endorsement_graph
from glasscredit.trust._inputs import TrustInputs, load_trust_inputs
from glasscredit.trust._seeds import SeedPolicy, select_seeds
from glasscredit.trust._settings import TrustSettings, trust_settings
from glasscredit.trust._sybilrank import sybilrank

__all__ = [
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
    treats tied reporters as one).
    """

    as_of_us: int
    values: dict[str, float]
    seeds: list[str]
    n_edges: int
    iterations: int
    dropped: DroppedEdges
    ties: frozenset[tuple[str, str]]

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
        }


def snapshot_from_inputs(inputs: TrustInputs, settings: TrustSettings) -> TrustSnapshot:
    """Trust as of ``inputs.as_of_us``: pure function of the inputs and the settings."""
    subj = inputs.subjects
    ids = pa.array(subj["subject"].to_list(), type=pa.string())
    end = inputs.endorsements
    graph = build_endorsement_graph(
        pa.array(end["endorser"].to_list(), type=pa.string()),
        pa.array(end["endorsed"].to_list(), type=pa.string()),
        end["occurred_at_us"].to_numpy().astype(np.int64),
        as_of_us=inputs.as_of_us,
        subjects=ids,
        mode=settings.graph_mode,
    )
    seeds = select_seeds(
        np.array(subj["subject"].to_list(), dtype=object),
        subj["identity_level"].to_numpy().astype(np.int64),
        subj["clean_months"].to_numpy().astype(np.int64),
        np.zeros(subj.height, dtype=bool),
        policy=SeedPolicy(settings.min_identity_level, settings.min_clean_months, None),
    )
    seed_ids = [str(s) for s in seeds.seeds]
    coo = graph.adjacency.tocoo()
    names = graph.subject_ids.to_pylist()
    ties = frozenset(
        (names[i], names[j])
        for i, j in zip(coo.row.tolist(), coo.col.tolist(), strict=True)
        if names[i] < names[j]
    )
    degree = graph.degree
    connected = [
        s
        for s, i in zip(seed_ids, graph.index_of(seed_ids) if seed_ids else [], strict=True)
        if degree[i] > 0
    ]
    if not connected:
        # Trust starts nowhere: nobody is vouched for by a verified seed, so nobody
        # gains from connections. Every subject is stored at 0, not left out.
        values = dict.fromkeys(subj["subject"].to_list(), 0.0)
        return TrustSnapshot(inputs.as_of_us, values, [], graph.n_edges, 0, graph.dropped, ties)
    result = sybilrank(graph, pa.array(connected, type=pa.string()), iterations=settings.iterations)
    values = dict(zip(graph.subject_ids.to_pylist(), result.normalised.tolist(), strict=True))
    return TrustSnapshot(
        inputs.as_of_us, values, connected, graph.n_edges, result.iterations, graph.dropped, ties
    )


TRUST_KIND = EXTERNAL_FEATURES["trust"].snapshot  # the snapshots the ``trust`` feature reads


def store_trust(ledger: Store, snapshot: TrustSnapshot, *, actor: str = "trust") -> SnapshotVersion:
    """Append ``snapshot`` as a new version, made now (the ledger's clock)."""
    return ledger.snapshots.append(
        TRUST_KIND, snapshot.as_of_us, snapshot.values, made_at_us=ledger.clock(), actor=actor
    )


def compute_trust(ledger: Store, as_of_us: int, *, store: bool = True) -> TrustSnapshot:
    """Build the endorsement graph as of ``as_of_us``, propagate trust, and store it.

    Parameters
    ----------
    ledger:
        The ledger; its policy's ``settings.trust`` chooses the seeds and graph mode.
    as_of_us:
        Only events that count at this time are used; the snapshot is stored under it.
    store:
        Append the values as a new ``trust`` snapshot version (the ``trust`` feature
        reads them).
    """
    snapshot = snapshot_from_inputs(
        load_trust_inputs(ledger, as_of_us), trust_settings(ledger.policy)
    )
    if store:
        store_trust(ledger, snapshot)
    return snapshot
