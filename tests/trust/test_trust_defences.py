"""Each defence does what it says, and honest subjects are not caught by it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.simulate import Scenario, make_scenario, ranking_quality
from glasscredit.trust import (
    EndorsementGraph,
    SeedPolicy,
    build_endorsement_graph,
    select_seeds,
    sybilrank,
)

T0 = 1_700_000_000_000_000
Ids = np.ndarray


def graph_of(
    sc: Scenario, src: Ids, dst: Ids, times: Ids, mode: str = "mutual"
) -> EndorsementGraph:
    return build_endorsement_graph(
        src,
        dst,
        times,
        as_of_us=sc.as_of_us,
        subjects=np.arange(sc.n_subjects),
        mode=mode,  # type: ignore[arg-type]
    )


def seeds_of(sc: Scenario) -> Ids:
    return select_seeds(
        np.arange(sc.n_subjects),
        sc.identity_level,
        sc.clean_history_months,
        sc.flagged,
        policy=SeedPolicy(),
        community=sc.community,
    ).seeds


@pytest.fixture(scope="module")
def attacked() -> Scenario:
    return make_scenario(10_000, 1_000, 10, seed=11)


@pytest.fixture(scope="module")
def baseline(attacked: Scenario) -> np.ndarray:
    sc = attacked
    g = graph_of(sc, sc.endorser, sc.endorsed, sc.occurred_at_us)
    return sybilrank(g, seeds_of(sc)).trust


def test_ranking_quality_with_1000_sybils_and_10_attack_edges(
    attacked: Scenario, baseline: np.ndarray
) -> None:
    quality = ranking_quality(baseline, attacked.is_sybil)
    assert quality.auc >= 0.95
    assert quality.sybils_below_95 >= 0.9


def test_seeds_are_never_sybils_under_the_default_policy(attacked: Scenario) -> None:
    seeds = seeds_of(attacked)
    assert len(seeds) == 50  # 5 in each of the 10 honest communities
    assert not attacked.is_sybil[seeds].any()


@pytest.mark.parametrize("bad", ["duplicate", "self", "unknown", "future"])
def test_bad_or_future_endorsements_are_neutral(
    attacked: Scenario, baseline: np.ndarray, bad: str
) -> None:
    # sybils repeat their own endorsements, endorse themselves, name made-up subjects,
    # or date endorsements after as_of: the trust of every subject is bit-identical.
    sc = attacked
    rng = np.random.default_rng(5)
    sybils = np.flatnonzero(sc.is_sybil)
    k = 5_000
    src = rng.choice(sybils, k)
    times = np.full(k, sc.as_of_us, dtype=np.int64)
    if bad == "duplicate":
        rows = rng.choice(np.flatnonzero(sc.is_sybil[sc.endorser]), k)
        src, dst = sc.endorser[rows], sc.endorsed[rows]
    elif bad == "self":
        dst = src
    elif bad == "unknown":
        dst = rng.integers(sc.n_subjects, 10 * sc.n_subjects, k)
    else:
        dst = rng.integers(0, sc.n_subjects, k)
        src = np.r_[src, dst]
        dst, times = np.r_[dst, src[:k]], np.full(2 * k, sc.as_of_us + 1, dtype=np.int64)
    g = graph_of(
        sc, np.r_[sc.endorser, src], np.r_[sc.endorsed, dst], np.r_[sc.occurred_at_us, times]
    )
    counted = {
        "duplicate": g.dropped.duplicate,
        "self": g.dropped.self_endorsement,
        "unknown": g.dropped.unknown_subject,
        "future": g.dropped.future,
    }[bad]
    assert counted >= k
    assert np.array_equal(sybilrank(g, seeds_of(sc)).trust, baseline)


def test_one_sided_endorsements_of_honest_subjects_gain_sybils_nothing(
    attacked: Scenario, baseline: np.ndarray
) -> None:
    # Every sybil endorses 5 honest subjects who never endorse back.
    sc = attacked
    rng = np.random.default_rng(8)
    sybils = np.repeat(np.flatnonzero(sc.is_sybil), 5)
    honest = rng.integers(0, 10_000, len(sybils))
    src, dst = np.r_[sc.endorser, sybils], np.r_[sc.endorsed, honest]
    times = np.r_[sc.occurred_at_us, np.full(len(sybils), sc.as_of_us - 1, dtype=np.int64)]
    mutual = sybilrank(graph_of(sc, src, dst, times), seeds_of(sc)).trust
    assert np.array_equal(mutual, baseline)
    # Under "either" the same spam becomes 5,000 attack edges: the defence is real.
    either = sybilrank(graph_of(sc, src, dst, times, mode="either"), seeds_of(sc)).trust
    assert ranking_quality(either, sc.is_sybil).auc < 0.8


def test_honest_subjects_are_not_caught_when_every_community_has_seeds() -> None:
    # No sybil at all: nearly every honest subject gets the full feature value, unlike a
    # rank percentile that would always put 5% of them at the bottom.
    sc = make_scenario(10_000, 0, 0, seed=2, cross_share=0.01)
    g = graph_of(sc, sc.endorser, sc.endorsed, sc.occurred_at_us)
    r = sybilrank(g, seeds_of(sc))
    assert np.mean(r.normalised >= 0.5) >= 0.97
    assert np.mean(r.normalised == 0.0) < 0.01


def test_communities_without_seeds_are_penalised_which_is_why_we_seed_them_all() -> None:
    sc = make_scenario(10_000, 0, 0, seed=2, cross_share=0.01)
    g = graph_of(sc, sc.endorser, sc.endorsed, sc.occurred_at_us)
    seeds = seeds_of(sc)
    half = seeds[sc.community[seeds] < 5]
    far = sc.community >= 5
    all_seeded = sybilrank(g, seeds).normalised
    half_seeded = sybilrank(g, half).normalised
    assert np.mean(all_seeded[far] >= 0.5) >= 0.97
    assert np.mean(half_seeded[far] >= 0.5) < 0.8


@st.composite
def honest_plus_sybils(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int, int, int]:
    """A connected honest ring with chords (nodes 0..h-1), a sybil region of any shape
    (nodes h..h+s-1) and exactly one attack edge."""
    h = draw(st.integers(3, 15))
    s = draw(st.integers(1, 15))
    pairs = [(i, (i + 1) % h) for i in range(h)]
    pairs += draw(st.lists(st.tuples(st.integers(0, h - 1), st.integers(0, h - 1)), max_size=20))
    pairs += draw(
        st.lists(st.tuples(st.integers(h, h + s - 1), st.integers(h, h + s - 1)), max_size=60)
    )
    attack = (draw(st.integers(0, h - 1)), draw(st.integers(h, h + s - 1)))
    return [*pairs, attack], h, s, attack[0]


@given(honest_plus_sybils(), st.integers(1, 10))
@settings(max_examples=60, deadline=None)
def test_sybil_region_trust_is_bounded_by_one_attack_edge(
    case: tuple[list[tuple[int, int]], int, int, int], steps: int
) -> None:
    # Per step at most mass(h) / deg(h) <= T / deg(h) crosses the attack edge, so after
    # k steps the sybil region holds at most k * T / deg(h), however many sybils and
    # however many edges among them.
    pairs, h, s, endpoint = case
    src = [a for a, _ in pairs] + [b for _, b in pairs]
    dst = [b for _, b in pairs] + [a for a, _ in pairs]
    g = build_endorsement_graph(src, dst, [T0] * len(src), as_of_us=T0, subjects=np.arange(h + s))
    total = 1.0
    r = sybilrank(g, [0], iterations=steps, total_trust=total)
    bound = steps * total / g.degree[endpoint]
    assert r.mass[h:].sum() <= bound * (1 + 1e-12)
    assert r.mass[:h].sum() >= total - bound * (1 + 1e-12)
