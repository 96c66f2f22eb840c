"""SybilRank: early-terminated, degree-normalised trust propagation from seeds.

Cao et al. (NSDI 2012). Total trust starts on verified seeds, each in proportion to its
degree (the stationary share: an attack edge next to a seed then drains no more per
step than one next to anyone else, however few edges the seed has); in each step every node
splits its trust evenly among its neighbours (a power iteration of the random-walk
matrix ``A D^-1``). Run to convergence this would give every node trust proportional
to its degree, sybils included; stopped after about ``log2 n`` steps it has mixed
through the fast-mixing honest region but only trickled through the few attack edges
into the sybil region. Dividing by degree then removes the advantage of having many
edges, so the lowest ranks are the likely fakes.

Why the kernel looks like this: a step is ``x <- A (x / deg)``: one element-wise
multiply and one CSR mat-vec on the unit-weight adjacency, which scipy runs in C and
releases the GIL for; no copy of the 2m-entry matrix is ever made. Rows are cut into
contiguous zero-copy blocks mat-vec'd on a thread each; every output entry is still
summed by one thread in the same order, so the result is bit-identical for any thread
count. float64 throughout: trust values on a million nodes
span many orders of magnitude and float32 would tie the sybil tail.
"""

from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.trust._graph import EndorsementGraph, IdArray

__all__ = [
    "StartMass",
    "TrustResult",
    "default_iterations",
    "normalise_trust",
    "propagate",
    "sybilrank",
]

FloatArray = npt.NDArray[np.float64]
#: how the total trust is split over the seeds
StartMass: TypeAlias = Literal["degree", "even"]


def default_iterations(n_nodes: int) -> int:
    """``ceil(log2 n)`` steps (at least 1): the mixing time of a fast-mixing graph."""
    return max(1, math.ceil(math.log2(n_nodes))) if n_nodes > 1 else 1


@dataclass(frozen=True, slots=True, eq=False)
class TrustResult:
    """Trust of every node of one graph, aligned with ``subject_ids``.

    Attributes
    ----------
    subject_ids:
        Node index -> subject id (the graph's).
    mass:
        Trust held by each node after the last step, before degree normalisation;
        it sums to ``total_trust`` (minus what sat on isolated seeds, which is none:
        isolated seeds are left out, see ``seeds_ignored``).
    trust:
        ``mass / degree``, 0 for nodes of degree 0: the SybilRank ranking value.
    normalised:
        ``min(1, trust / reference)`` in [0, 1], the feature value; monotone in
        ``trust``.
    reference:
        The median ``trust`` of the reference nodes that trust reached: by default the
        seeds, in the ledger every seed-eligible subject. A set sybils cannot join,
        so they cannot move the bar they are measured against (see
        :func:`normalise_trust`).
    iterations, total_trust:
        The parameters used.
    seeds_used, seeds_ignored:
        Node indices of seeds that started with trust, and the count of seeds left
        out because they had no edge as of the graph's time.
    """

    subject_ids: pa.Array
    mass: FloatArray
    trust: FloatArray
    normalised: FloatArray
    reference: float
    iterations: int
    total_trust: float
    seeds_used: npt.NDArray[np.int64]
    seeds_ignored: int
    _graph: EndorsementGraph

    def lookup(self, ids: IdArray) -> tuple[FloatArray, FloatArray]:
        """``(trust, normalised)`` for the given subject ids, in their order."""
        idx = self._graph.index_of(ids)
        return self.trust[idx], self.normalised[idx]

    def as_dict(self) -> dict[Any, float]:
        """Subject id -> degree-normalised trust (small graphs, tests, exports)."""
        return dict(zip(self.subject_ids.to_pylist(), self.trust.tolist(), strict=True))


def _row_blocks(adjacency: sp.csr_array, threads: int) -> list[tuple[int, sp.csr_array]]:
    """Zero-copy row blocks of ``adjacency`` with about equal numbers of non-zeros."""
    n = adjacency.shape[0]
    nnz = adjacency.nnz
    if threads <= 1 or nnz < 1_000_000:
        return [(0, adjacency)]
    cuts = np.searchsorted(adjacency.indptr, np.linspace(0, nnz, threads + 1)[1:-1])
    bounds = [0, *sorted({int(c) for c in cuts if 0 < c < n}), n]
    blocks = []
    for first, stop in itertools.pairwise(bounds):
        lo, hi = int(adjacency.indptr[first]), int(adjacency.indptr[stop])
        indptr = adjacency.indptr[first : stop + 1] - adjacency.indptr[first]
        block = sp.csr_array(
            (adjacency.data[lo:hi], adjacency.indices[lo:hi], indptr),
            shape=(stop - first, n),
            copy=False,
        )
        blocks.append((first, block))
    return blocks


def propagate(
    adjacency: sp.csr_array, start: FloatArray, iterations: int, *, threads: int | None = None
) -> FloatArray:
    """``iterations`` steps of ``x <- A (x / deg)`` from ``start``.

    Conserves the sum of ``x`` over nodes with edges (a degree-0 node's mass has
    nowhere to go and is dropped). ``A`` must be symmetric with unit weights.
    """
    if threads is None:
        threads = min(2, os.cpu_count() or 1)
    degree = np.diff(adjacency.indptr)
    inverse_degree = np.zeros(len(degree), dtype=np.float64)
    np.divide(1.0, degree, out=inverse_degree, where=degree > 0)
    blocks = _row_blocks(adjacency, threads)
    x = np.asarray(start, dtype=np.float64).copy()
    share = np.empty_like(x)
    if len(blocks) == 1:
        for _ in range(iterations):
            np.multiply(x, inverse_degree, out=share)
            x = np.asarray(adjacency @ share)
        return x

    def step(block: tuple[int, sp.csr_array], src: FloatArray, dst: FloatArray) -> None:
        first, matrix = block
        dst[first : first + matrix.shape[0]] = matrix @ src

    with ThreadPoolExecutor(max_workers=len(blocks)) as pool:
        for _ in range(iterations):
            np.multiply(x, inverse_degree, out=share)
            futures = [pool.submit(step, block, share, x) for block in blocks]
            for future in futures:
                future.result()
    return x


def normalise_trust(
    trust: FloatArray, reference_nodes: npt.ArrayLike | None = None
) -> tuple[FloatArray, float]:
    """``min(1, trust / reference)`` and the reference: the median positive trust of
    ``reference_nodes`` (node indices; None: of every node).

    Why a median and not a rank percentile: a percentile always puts 5% of subjects in
    the bottom 5%, even in a graph with no sybil at all, so honest subjects would be
    penalised for the mere existence of others. Relative to the median, a typical
    honest subject (trust close to the stationary ``T / 2m``) gets 1 and only subjects
    far below it lose points. Why the median of a *fixed* set: the median of everyone
    reached counts the sybils too, so a ring of a thousand sybils with little trust
    each lowers the bar and lifts every low value relative to it; the median of subjects
    that passed the seed checks (identity from two sources, years of clean history,
    several endorsements) is out of the sybils' reach. When no reference node holds
    trust (tiny graphs, where an odd number of steps can leave every seed empty) the
    median of all positive trust is used instead. Monotone non-decreasing in
    ``trust``; 0 when trust is 0.
    """
    pool = trust if reference_nodes is None else trust[np.asarray(reference_nodes, np.int64)]
    positive = pool[pool > 0]
    if len(positive) == 0:
        positive = trust[trust > 0]
    if len(positive) == 0:
        return np.zeros_like(trust), 0.0
    reference = float(np.median(positive))
    normalised = np.ones_like(trust)
    below = trust < reference  # only these need the ratio, which then cannot overflow
    np.divide(trust, reference, out=normalised, where=below)
    return normalised, reference


def sybilrank(
    graph: EndorsementGraph,
    seeds: IdArray,
    *,
    iterations: int | None = None,
    total_trust: float | None = None,
    threads: int | None = None,
    start: StartMass = "degree",
    reference: IdArray | None = None,
) -> TrustResult:
    """Trust of every subject of ``graph`` by SybilRank from ``seeds``.

    Parameters
    ----------
    graph:
        From :func:`build_endorsement_graph`.
    seeds:
        Subject ids of the trusted seeds (see :func:`select_seeds`); repeats count
        once; unknown ids are refused. Seeds with no edge are left out (they have
        nobody to pass trust to) and counted in ``seeds_ignored``.
    iterations:
        Steps of propagation; default ``ceil(log2 n)``. Implementations differ
        (``log10``, ``ln``, ``log2``), hence a parameter.
    total_trust:
        Trust placed on the seeds; default ``n`` (so the average degree-normalised
        trust at stationarity is ``n / 2m``). The normalised value does not depend on
        it: trust and reference scale together.
    threads:
        Row blocks processed in parallel (default ``min(2, cpus)``); results do not
        depend on it.
    start:
        ``"degree"`` (default): each seed starts with total trust times its share of
        the seeds' degrees; ``"even"``: split evenly (the paper's original form).
    reference:
        Subject ids whose median positive trust is the normalisation reference
        (unknown ids are refused); default the seeds used.
    """
    n = graph.n_nodes
    errors: list[FieldError] = []
    if iterations is not None and (isinstance(iterations, bool) or iterations < 1):
        errors.append(
            FieldError(
                field="iterations", rule="positive", message="iterations must be an integer >= 1"
            )
        )
    if total_trust is not None and not (math.isfinite(total_trust) and total_trust > 0):
        errors.append(
            FieldError(
                field="total_trust",
                rule="positive_finite",
                message="total_trust must be a finite number > 0",
            )
        )
    if start not in ("degree", "even"):
        errors.append(
            FieldError(field="start", rule="one_of", message="start must be 'degree' or 'even'")
        )
    if errors:
        raise ValidationError(errors)
    steps = default_iterations(n) if iterations is None else int(iterations)
    total = float(n) if total_trust is None else float(total_trust)

    seed_idx = np.unique(graph.index_of(seeds))
    degree = graph.degree
    used = seed_idx[degree[seed_idx] > 0]
    if len(used) == 0:
        raise ValidationError(
            [
                FieldError(
                    field="seeds",
                    rule="connected_seed",
                    message=f"none of the {len(seed_idx)} seed(s) has an edge as of "
                    f"{graph.as_of_us}; trust cannot start anywhere",
                )
            ]
        )
    initial = np.zeros(n, dtype=np.float64)
    if start == "degree":
        weight = degree[used].astype(np.float64)
        initial[used] = total * weight / weight.sum()
    else:
        initial[used] = total / len(used)
    mass = propagate(graph.adjacency, initial, steps, threads=threads)
    trust = np.zeros(n, dtype=np.float64)
    np.divide(mass, degree, out=trust, where=degree > 0)
    pool = used if reference is None else np.unique(graph.index_of(reference))
    normalised, ref_value = normalise_trust(trust, pool)
    return TrustResult(
        subject_ids=graph.subject_ids,
        mass=mass,
        trust=trust,
        normalised=normalised,
        reference=ref_value,
        iterations=steps,
        total_trust=total,
        seeds_used=used,
        seeds_ignored=int(len(seed_idx) - len(used)),
        _graph=graph,
    )
