"""Benchmark: SybilRank trust for 1,000,000 subjects next to igraph's personalized PageRank.

Run from the repository root: ``python bench/trust.py`` (``--subjects N`` for a reduced
run on a busy machine: the targets are for 1,000,000). Installs nothing; needs the
``bench`` extra (igraph) and exits 2 without it.

What is measured, all in this one run, medians of several runs (the machine is shared):

- graph build: :func:`build_endorsement_graph` from string subject ids as the ledger
  would hand them over (20,000,000 endorsement events = 10,000,000 mutual pairs, minus
  the self-pairs and repeats the generator leaves in, as real input would have);
- propagation: :func:`sybilrank` with the default ``ceil(log2 n)`` = 20 steps;
- igraph: ``Graph.personalized_pagerank`` (prpack) with reset on the same seeds, on the
  same graph;
- ranking quality on 10,000 honest + 1,000 sybil subjects behind 10 attack edges.

Wall time is what the targets are judged on. CPU time and the load average are printed
next to it because the machine is shared: when other jobs hold the cores, wall time
grows for glasscredit and igraph alike, and the ratio is the figure that survives.

The last line is the headline with its targets; the exit status is 1 if one is missed.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from glasscredit.simulate import make_scenario, ranking_quality
from glasscredit.trust import SeedPolicy, build_endorsement_graph, select_seeds, sybilrank

N_SUBJECTS = 1_000_000
MEAN_DEGREE = 20.0  # 10M undirected pairs on 1M subjects
COMMUNITIES = 100
TARGET_PROPAGATION_S = 2.0
TARGET_BUILD_S = 30.0
TARGET_SPEEDUP = 3.0
TARGET_AUC = 0.95


def timed(label: str, runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls of ``fn`` and the last result."""
    times, cpu = [], []
    result = None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median = statistics.median(times)
    shown = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"  {label:<46} median {median:7.2f} s wall, {statistics.median(cpu):7.2f} s CPU "
        f"(runs: {shown}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    return median, result


def seeds_for(scenario: Any, degree: np.ndarray) -> np.ndarray:
    """The default policy's choice: at least 3 mutual endorsements, the 10 best embedded
    per community (start mass by degree is ``sybilrank``'s default)."""
    return select_seeds(
        np.arange(scenario.n_subjects),
        scenario.identity_level,
        scenario.clean_history_months,
        scenario.flagged,
        policy=SeedPolicy(per_community=10, min_degree=3),
        community=scenario.community,
        degree=degree,
    ).seeds


def quality(ig: Any) -> tuple[float, float, float, float]:
    """Median AUC and share-below-95 over five scenarios, SybilRank and igraph PPR."""
    ours, ours95, theirs, theirs95 = [], [], [], []
    for seed in range(5):
        sc = make_scenario(10_000, 1_000, 10, seed=100 + seed)
        g = build_endorsement_graph(
            sc.endorser,
            sc.endorsed,
            sc.occurred_at_us,
            as_of_us=sc.as_of_us,
            subjects=np.arange(sc.n_subjects),
        )
        r = sybilrank(g, seeds_for(sc, g.degree))
        q = ranking_quality(r.trust, sc.is_sybil)
        ours.append(q.auc)
        ours95.append(q.sybils_below_95)
        coo = g.adjacency.tocoo()
        upper = coo.row < coo.col
        graph = ig.Graph(n=g.n_nodes, edges=np.column_stack([coo.row[upper], coo.col[upper]]))
        ppr = np.array(
            graph.personalized_pagerank(
                reset_vertices=r.seeds_used.tolist(), implementation="prpack"
            )
        )
        degree = np.maximum(g.degree, 1)
        p = ranking_quality(ppr / degree, sc.is_sybil)
        theirs.append(p.auc)
        theirs95.append(p.sybils_below_95)
    return (
        statistics.median(ours),
        statistics.median(ours95),
        statistics.median(theirs),
        statistics.median(theirs95),
    )


def main() -> int:
    global N_SUBJECTS
    if len(sys.argv) == 3 and sys.argv[1] == "--subjects":  # a reduced run on a busy machine
        N_SUBJECTS = int(sys.argv[2])
    try:
        import igraph as ig
    except ImportError:
        print(
            "igraph is not installed: install the bench extra (pip install igraph); "
            "no comparison without it"
        )
        return 2
    print(f"glasscredit trust benchmark: {N_SUBJECTS:,} subjects, igraph {ig.__version__}")
    start = time.perf_counter()
    sc = make_scenario(
        N_SUBJECTS, 0, 0, communities=COMMUNITIES, honest_mean_degree=MEAN_DEGREE, seed=1
    )
    names = pa.array([f"subject-{i:07d}" for i in range(sc.n_subjects)])
    endorser = names.take(pa.array(sc.endorser))
    endorsed = names.take(pa.array(sc.endorsed))
    times = pa.array(sc.occurred_at_us)
    print(
        f"  generated {len(endorser):,} endorsement events (string ids, numbered community "
        f"by community) in {time.perf_counter() - start:.1f} s",
        flush=True,
    )

    build_s, graph = timed(
        "build graph from string ids",
        3,
        lambda: build_endorsement_graph(endorser, endorsed, times, as_of_us=sc.as_of_us),
    )
    timed(
        "build graph from string ids, known subjects",
        1,
        lambda: build_endorsement_graph(
            endorser, endorsed, times, as_of_us=sc.as_of_us, subjects=names
        ),
    )
    print(
        f"  graph: {graph.n_nodes:,} nodes, {graph.n_edges:,} undirected edges; dropped "
        f"{graph.dropped.as_dict()}",
        flush=True,
    )
    # node i of the graph is subject int(name[8:]) (subjects named in no event are absent)
    node_subject = np.array([int(x[8:]) for x in graph.subject_ids.to_pylist()], np.int64)
    degree = np.zeros(sc.n_subjects, dtype=np.int64)
    degree[node_subject] = graph.degree
    seeds = names.take(pa.array(seeds_for(sc, degree)))
    sybilrank(graph, seeds, iterations=1)  # warm-up; also validates the seeds
    prop_s, result = timed("sybilrank (20 steps, 2 threads)", 5, lambda: sybilrank(graph, seeds))
    one_s, _ = timed(
        "sybilrank (20 steps, 1 thread)", 3, lambda: sybilrank(graph, seeds, threads=1)
    )

    start = time.perf_counter()
    coo = graph.adjacency.tocoo()
    upper = coo.row < coo.col
    igraph_graph = ig.Graph(
        n=graph.n_nodes, edges=np.column_stack([coo.row[upper], coo.col[upper]])
    )
    print(
        f"  igraph Graph construction (not compared): {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    reset = result.seeds_used.tolist()
    ppr_s, _ = timed(
        "igraph personalized_pagerank (prpack)",
        3,
        lambda: igraph_graph.personalized_pagerank(reset_vertices=reset, implementation="prpack"),
    )
    speedup = ppr_s / prop_s
    print(
        f"  ratio igraph PPR / glasscredit sybilrank: {speedup:.1f}x (2 threads), "
        f"{ppr_s / one_s:.1f}x (1 thread)",
        flush=True,
    )

    auc, below, ig_auc, ig_below = quality(ig)
    print(
        "  ranking quality, 10,000 honest + 1,000 sybils, 10 attack edges (median of 5 scenarios):"
    )
    print(f"    glasscredit sybilrank      AUC {auc:.4f}   sybils below 95% of honest {below:.1%}")
    print(
        f"    igraph PPR / degree        AUC {ig_auc:.4f}   sybils below 95% of honest "
        f"{ig_below:.1%}"
    )

    missed = []
    if prop_s >= TARGET_PROPAGATION_S:
        missed.append("propagation")
    if build_s >= TARGET_BUILD_S:
        missed.append("build")
    if speedup < TARGET_SPEEDUP:
        missed.append("speed-up")
    if auc < TARGET_AUC:
        missed.append("AUC")
    verdict = "all targets met" if not missed else "MISSED: " + ", ".join(missed)
    print(
        f"trust {N_SUBJECTS / 1e6:g}M subjects/{graph.n_edges / 1e6:.1f}M edges: propagation "
        f"{prop_s:.2f} s "
        f"(target < {TARGET_PROPAGATION_S:.0f} s), {speedup:.1f}x igraph PPR (target >= "
        f"{TARGET_SPEEDUP:.0f}x), build {build_s:.1f} s (target < {TARGET_BUILD_S:.0f} s), "
        f"AUC {auc:.3f} (target >= {TARGET_AUC}): {verdict}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
