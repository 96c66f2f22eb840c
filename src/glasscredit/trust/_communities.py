"""Communities of the mutual-endorsement graph, for seeding each of them.

Why: SybilRank stops after about ``log2 n`` steps, before trust has crossed the sparse
cuts between honest communities, so every community needs seeds of its own; and the
number of seeds per community is bounded, so that no one group (a compromised one
included) holds most of the starting trust. When the caller knows no communities,
they are found here.

How: synchronous label propagation (Raghavan et al. 2007), vectorised on the CSR
matrix. Each round every node takes the label held by most of its neighbours and
itself (its own label counts once, which damps the two-cycle oscillation synchronous
updates are prone to), ties going to the smallest label; labels start as node indices.
Deterministic, no randomness: the same graph gives the same communities. A round is
one sort of ``nnz + n`` keys; rounds stop when fewer than ``tolerance`` of the nodes
change, or after ``max_rounds``. Nodes without edges stay alone (they cannot be seeds).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["label_communities"]


def label_communities(
    adjacency: sp.csr_array, *, max_rounds: int = 15, tolerance: float = 0.001
) -> npt.NDArray[np.int64]:
    """Community label of every node (the smallest node index that carries it)."""
    n = int(adjacency.shape[0])
    labels = np.arange(n, dtype=np.int64)
    if n == 0 or adjacency.nnz == 0:
        return labels
    indptr = np.asarray(adjacency.indptr, dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    rows = np.concatenate([rows, np.arange(n, dtype=np.int64)])
    cols = np.concatenate([np.asarray(adjacency.indices, dtype=np.int64), np.arange(n)])
    for _ in range(max_rounds):
        keys = np.sort(rows * n + labels[cols])
        first = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(keys)))
        node, label = np.divmod(keys[starts], n)
        # per node: the most frequent label, the smallest on a tie (runs are sorted by
        # node, then label; lexsort's last key is the primary one)
        order = np.lexsort((label, -counts, node))
        node, label = node[order], label[order]
        lead = np.ones(len(node), dtype=bool)
        np.not_equal(node[1:], node[:-1], out=lead[1:])
        chosen = np.empty(n, dtype=np.int64)
        chosen[node[lead]] = label[lead]
        changed = int(np.count_nonzero(chosen != labels))
        labels = chosen
        if changed <= tolerance * n:
            break
    # name each community by its smallest member, so labels do not depend on history
    first_member = np.full(n, n, dtype=np.int64)
    np.minimum.at(first_member, labels, np.arange(n, dtype=np.int64))
    out: npt.NDArray[np.int64] = first_member[labels]
    return out
