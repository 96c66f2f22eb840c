"""Synthetic honest + sybil endorsement graphs, and ranking-quality measures.

Used by the tests, the benchmark and the red-team simulator. The honest region is a
set of communities with power-law-ish (Chung-Lu, Pareto weights) degrees and a share
of edges across communities, so it is fast-mixing like the social graphs SybilRank
was evaluated on; the sybil region is as dense as the attacker likes and touches the
honest region only through ``attack_edges`` edges, each of which an honest subject
accepted. Nodes are numbered community by community (then the sybils), the order that
keeps the propagation kernel cache-friendly. Every endorsement is emitted in both
directions (a mutual endorsement), with a time before ``as_of_us``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["RankingQuality", "Scenario", "make_scenario", "ranking_quality"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Scenario:
    """A generated population: endorsement events plus the ground truth.

    Node ``i`` has subject id ``i``; honest nodes are ``0 .. n_honest - 1``, sybils
    follow. ``community`` is -1 for sybils.
    """

    endorser: IntArray
    endorsed: IntArray
    occurred_at_us: IntArray
    as_of_us: int
    is_sybil: npt.NDArray[np.bool_]
    community: IntArray
    identity_level: IntArray
    clean_history_months: IntArray
    flagged: npt.NDArray[np.bool_]
    n_attack_edges: int

    @property
    def n_subjects(self) -> int:
        return len(self.is_sybil)


def _weighted_endpoints(
    rng: np.random.Generator,
    cdf: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
) -> IntArray:
    """One node per row, drawn with probability proportional to weight within the
    cumulative-weight interval ``[lo, hi)`` of that row (a contiguous block of nodes)."""
    r = lo + rng.random(len(lo)) * (hi - lo)
    return np.minimum(np.searchsorted(cdf, r, side="right"), len(cdf) - 1).astype(np.int64)


def _region_edges(
    rng: np.random.Generator,
    offset: int,
    sizes: IntArray,
    n_edges: int,
    cross_share: float,
    exponent: float,
) -> tuple[IntArray, IntArray]:
    """Chung-Lu edges inside consecutive communities of ``sizes`` starting at ``offset``.

    A share ``cross_share`` of edges has its second end anywhere in the region, which
    is what makes the region fast-mixing while keeping community structure.
    """
    n = int(sizes.sum())
    # Pareto weights capped at 50x the minimum: a power-law body without the few
    # giant hubs that would make most of a community's edges self-pairs or repeats.
    weights = np.minimum(rng.pareto(exponent - 1.0, n) + 1.0, 50.0)
    cdf = np.cumsum(weights)
    total = cdf[-1]
    bounds = np.r_[0, np.cumsum(sizes)]
    low = np.r_[0.0, cdf][bounds[:-1]]
    high = cdf[bounds[1:] - 1]
    community_of_edge = rng.choice(len(sizes), size=n_edges, p=(high - low) / total)
    lo, hi = low[community_of_edge], high[community_of_edge]
    a = _weighted_endpoints(rng, cdf, lo, hi)
    cross = rng.random(n_edges) < cross_share
    lo2 = np.where(cross, 0.0, lo)
    hi2 = np.where(cross, total, hi)
    b = _weighted_endpoints(rng, cdf, lo2, hi2)
    return a + offset, b + offset


def make_scenario(
    n_honest: int,
    n_sybil: int,
    attack_edges: int,
    *,
    communities: int = 10,
    honest_mean_degree: float = 10.0,
    sybil_mean_degree: float = 10.0,
    cross_share: float = 0.05,
    degree_exponent: float = 2.5,
    as_of_us: int = 1_700_000_000_000_000,
    seed: int = 0,
) -> Scenario:
    """Generate an honest region of ``communities`` communities plus a sybil region.

    Parameters
    ----------
    n_honest, n_sybil:
        Node counts; ``n_sybil`` may be 0.
    attack_edges:
        Honest-sybil edges (``g``); endpoints uniform on each side.
    honest_mean_degree, sybil_mean_degree:
        Target mean degree of each region (self-pairs and repeats are left in the
        events, as real input would have them; the graph builder drops them).
    degree_exponent:
        Power-law exponent of the expected-degree distribution (Pareto weights).
    seed:
        Seed of the numpy ``Generator``: the same arguments give the same scenario.
    """
    errors: list[FieldError] = []
    if n_honest < communities or communities < 1:
        errors.append(
            FieldError(
                field="communities", rule="range", message="need 1 <= communities <= n_honest"
            )
        )
    if n_sybil < 0 or attack_edges < 0 or (attack_edges > 0 and n_sybil == 0):
        errors.append(
            FieldError(
                field="attack_edges",
                rule="range",
                message="n_sybil and attack_edges must be >= 0, and attack edges need sybils",
            )
        )
    if degree_exponent <= 2.0:
        errors.append(
            FieldError(
                field="degree_exponent",
                rule="range",
                message="degree_exponent must be > 2 (finite mean degree)",
            )
        )
    if errors:
        raise ValidationError(errors)
    rng = np.random.default_rng(seed)
    base, extra = divmod(n_honest, communities)
    sizes = np.full(communities, base, dtype=np.int64)
    sizes[:extra] += 1
    m_honest = round(n_honest * honest_mean_degree / 2)
    ha, hb = _region_edges(rng, 0, sizes, m_honest, cross_share, degree_exponent)
    parts_a, parts_b = [ha], [hb]
    if n_sybil:
        m_sybil = round(n_sybil * sybil_mean_degree / 2)
        sa, sb = _region_edges(
            rng, n_honest, np.array([n_sybil], dtype=np.int64), m_sybil, 0.0, degree_exponent
        )
        parts_a += [sa, rng.integers(0, n_honest, attack_edges)]
        parts_b += [sb, rng.integers(n_honest, n_honest + n_sybil, attack_edges)]
    a = np.concatenate(parts_a)
    b = np.concatenate(parts_b)
    times = as_of_us - rng.integers(1, 3 * 365 * 86_400_000_000, len(a))
    lag = rng.integers(0, 30 * 86_400_000_000, len(a))
    n = n_honest + n_sybil
    is_sybil = np.zeros(n, dtype=bool)
    is_sybil[n_honest:] = True
    community = np.full(n, -1, dtype=np.int64)
    community[:n_honest] = np.repeat(np.arange(communities, dtype=np.int64), sizes)
    # honest subjects: any identity level and history; sybils cannot pass strong
    # identity verification and have little history.
    level = np.where(is_sybil, rng.integers(0, 2, n), rng.integers(0, 4, n)).astype(np.int64)
    months = np.where(is_sybil, rng.integers(0, 7, n), rng.integers(0, 61, n)).astype(np.int64)
    flagged = rng.random(n) < np.where(is_sybil, 0.0, 0.02)
    return Scenario(
        endorser=np.concatenate([a, b]),
        endorsed=np.concatenate([b, a]),
        occurred_at_us=np.concatenate([times, np.minimum(times + lag, as_of_us)]),
        as_of_us=as_of_us,
        is_sybil=is_sybil,
        community=community,
        identity_level=level,
        clean_history_months=months,
        flagged=flagged,
        n_attack_edges=attack_edges,
    )


@dataclass(frozen=True, slots=True)
class RankingQuality:
    """How well trust separates honest subjects from sybils.

    Attributes
    ----------
    auc:
        Probability that a random honest subject has more trust than a random sybil
        (ties count one half): the Mann-Whitney form of the ROC AUC.
    sybils_below_95:
        Share of sybils with less trust than at least 95% of honest subjects, i.e.
        sybils that a cut catching only 5% of honest subjects would catch.
    """

    auc: float
    sybils_below_95: float


def ranking_quality(
    trust: npt.NDArray[np.float64], is_sybil: npt.NDArray[np.bool_]
) -> RankingQuality:
    """Exact AUC (average ranks for ties) and the share of sybils below 95% of honest."""
    sybil = np.asarray(is_sybil, dtype=bool)
    score = np.asarray(trust, dtype=np.float64)
    n_s = int(np.count_nonzero(sybil))
    n_h = len(sybil) - n_s
    if n_s == 0 or n_h == 0 or score.shape != sybil.shape:
        raise ValidationError(
            [
                FieldError(
                    field="is_sybil",
                    rule="both_classes",
                    message="need trust and labels of equal length with both honest "
                    "and sybil subjects",
                )
            ]
        )
    from scipy.stats import rankdata  # scipy.stats costs ~1.5 s to import: only when used

    ranks = rankdata(score)
    auc = (float(ranks[~sybil].sum()) - n_h * (n_h + 1) / 2) / (n_h * n_s)
    honest_sorted = np.sort(score[~sybil])
    # number of honest subjects with strictly more trust than each sybil
    above = n_h - np.searchsorted(honest_sorted, score[sybil], side="right")
    caught = above >= 0.95 * n_h
    return RankingQuality(auc=auc, sybils_below_95=float(np.mean(caught)))
