"""Choosing the seeds of one snapshot from its inputs (shared by scipy and Spark).

The graph is built (mutual endorsements as of the time), each subject's established
mutual endorsers are counted (``_standing.py``: standing spreads from verified
anchors), the months of clean history are read (``_history.py``: only checked
negatives break them), communities are found when the caller gives none
(``_communities.py``), and :func:`select_seeds` takes the best-embedded eligible
subjects of each community: identity at the level attested by ``min_identity_sources``
distinct sources, ``min_clean_months`` on the ledger's clock, ``min_seed_degree``
mutual endorsements, at most ``seeds_per_community`` per community. The Spark runner
calls this same function on the driver, so both engines start from the same seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from glasscredit.trust._communities import label_communities
from glasscredit.trust._graph import EndorsementGraph, build_endorsement_graph
from glasscredit.trust._history import clean_months
from glasscredit.trust._inputs import TrustInputs
from glasscredit.trust._seeds import SeedPolicy, SeedSelection, select_seeds
from glasscredit.trust._settings import ReportSettings, TrustSettings
from glasscredit.trust._standing import anchors, established, established_endorsers

__all__ = ["SeedPlan", "edge_pairs", "plan_seeds"]


@dataclass(frozen=True, slots=True, eq=False)
class SeedPlan:
    """The graph, the seed selection and the seed ids (all with edges), and each
    subject's count of established mutual endorsers (what a reporter must earn;
    subjects with none are left out), and for each reporter of ``inputs.reports`` who
    those endorsers are (a reporter's *vouchers*: corroboration lets each vouch for
    one reporter per window)."""

    graph: EndorsementGraph
    selection: SeedSelection
    seeds: list[str]
    ties: frozenset[tuple[str, str]]
    earned: dict[str, int]
    vouchers: dict[str, frozenset[str]]


def edge_pairs(graph: EndorsementGraph) -> frozenset[tuple[str, str]]:
    """The graph's edges as ``(min id, max id)`` pairs of subject ids."""
    upper = sp.triu(graph.adjacency, k=1).tocoo()
    names = np.asarray(graph.subject_ids.to_pylist(), dtype=object)
    a, b = names[upper.row], names[upper.col]
    lo, hi = np.where(a < b, a, b), np.where(a < b, b, a)
    return frozenset(zip(lo.tolist(), hi.tolist(), strict=True))


def standing(
    graph: EndorsementGraph,
    level: np.ndarray,
    known_since_us: np.ndarray,
    as_of_us: int,
    settings: TrustSettings,
    reports: ReportSettings,
) -> np.ndarray:
    """Per node: established or not (``_standing.py``), standing spreading from the
    anchors the seed rules allow apart from history."""
    anchor = anchors(
        level,
        known_since_us,
        graph.degree,
        as_of_us=as_of_us,
        min_identity_level=settings.min_identity_level,
        min_known_months=settings.min_clean_months,
        min_degree=max(1, settings.min_seed_degree),
    )
    est = established(
        graph.adjacency,
        anchor,
        known_since_us,
        as_of_us=as_of_us,
        min_age_days=reports.endorser_age_days,
        min_endorsers=reports.min_endorsers,
    )
    return est


def vouchers_of(
    graph: EndorsementGraph, est: np.ndarray, names: list[str], who: set[str]
) -> dict[str, frozenset[str]]:
    """The established mutual endorsers of each subject in ``who`` (the reporters)."""
    index = {n: i for i, n in enumerate(names)}
    indptr, indices = graph.adjacency.indptr, graph.adjacency.indices
    out: dict[str, frozenset[str]] = {}
    for r in sorted(who):
        i = index.get(r)
        if i is None:
            continue
        row = indices[indptr[i] : indptr[i + 1]]
        out[r] = frozenset(names[j] for j in row[est[row]].tolist())
    return out


def plan_seeds(inputs: TrustInputs, settings: TrustSettings, reports: ReportSettings) -> SeedPlan:
    """Build the graph and choose the seeds of ``inputs`` (module docstring)."""
    subj = inputs.subjects
    names = subj["subject"].to_list()
    ids = pa.array(names, type=pa.string())
    end = inputs.endorsements
    graph = build_endorsement_graph(
        pa.array(end["endorser"].to_list(), type=pa.string()),
        pa.array(end["endorsed"].to_list(), type=pa.string()),
        end["occurred_at_us"].to_numpy().astype(np.int64),
        as_of_us=inputs.as_of_us,
        subjects=ids,
        mode=settings.graph_mode,
    )
    degree = graph.degree
    ties = edge_pairs(graph)
    level = subj["identity_level"].to_numpy().astype(np.int64)
    if "known_since_us" in subj.columns:
        est = standing(
            graph,
            level,
            subj["known_since_us"].to_numpy().astype(np.int64),
            inputs.as_of_us,
            settings,
            reports,
        )
    else:  # no ledger clock (a simulation's frame): nobody is known long enough
        est = np.zeros(len(names), dtype=bool)
    counts = established_endorsers(graph.adjacency, est)
    earned = {n: int(c) for n, c in zip(names, counts.tolist(), strict=True) if c}
    # a caller's frame without reports (a simulation) has no reporters to vouch for
    reporters = (
        set(inputs.reports["reporter"].drop_nulls())
        if "reporter" in inputs.reports.columns
        else set()
    )
    vouchers = vouchers_of(graph, est, names, reporters)
    if "clean_months" in subj.columns:  # given by the caller (a simulation)
        months = subj["clean_months"].to_numpy().astype(np.int64)
    else:
        candidate = (level >= settings.min_identity_level) & (degree >= settings.min_seed_degree)
        months = clean_months(
            subj,
            inputs.negatives,
            inputs.reports,
            inputs.upheld,
            candidates={n for n, c in zip(names, candidate.tolist(), strict=True) if c},
            trust=inputs.previous_trust,
            earned=earned,
            vouchers=vouchers,
            ties=ties,
            categories=list(inputs.categories),
            settings=reports,
            as_of_us=inputs.as_of_us,
        )
    selection = select_seeds(
        np.array(names, dtype=object),
        level,
        months,
        np.zeros(len(names), dtype=bool),
        policy=SeedPolicy(
            settings.min_identity_level,
            settings.min_clean_months,
            settings.seeds_per_community,
            max(1, settings.min_seed_degree),
        ),
        community=label_communities(graph.adjacency),
        degree=degree,
    )
    return SeedPlan(graph, selection, [str(s) for s in selection.seeds], ties, earned, vouchers)
