"""Seed selection by policy, the ranking-quality measures, the scenario generator."""

from __future__ import annotations

import numpy as np
import pytest

import glasscredit.trust as trust
from glasscredit.exceptions import ValidationError
from glasscredit.simulate import make_scenario, ranking_quality
from glasscredit.trust import SeedPolicy, select_seeds


def test_seeds_meet_every_threshold_and_strongest_come_first() -> None:
    ids = np.array(["a", "b", "c", "d", "e", "f"])
    level = np.array([3, 3, 2, 3, 3, 3])
    months = np.array([30, 24, 99, 60, 10, 48])
    flagged = np.array([False, False, False, True, False, False])
    # eligible: a (3, 30), b (3, 24), f (3, 48); c fails level, d is flagged, e history.
    # strongest two: f (48 months), a (30 months)
    sel = select_seeds(
        ids,
        level,
        months,
        flagged,
        policy=SeedPolicy(min_identity_level=3, min_clean_months=24, per_community=2),
    )
    assert sel.seeds.tolist() == ["a", "f"]
    every = select_seeds(ids, level, months, flagged, policy=SeedPolicy(per_community=None))
    assert every.seeds.tolist() == ["a", "b", "f"]


def test_seeds_per_community_and_unseeded_communities_reported() -> None:
    ids = np.arange(8)
    level = np.array([3, 3, 3, 3, 3, 1, 1, 3])
    months = np.array([30, 40, 50, 30, 30, 30, 30, 30])
    flagged = np.zeros(8, dtype=bool)
    community = np.array([0, 0, 0, 1, 1, 2, 2, 1])
    # community 0: 2 (50), 1 (40) of three; community 1: ties on (3, 30) -> by id 3, 4;
    # community 2: nobody reaches level 3.
    sel = select_seeds(
        ids, level, months, flagged, policy=SeedPolicy(per_community=2), community=community
    )
    assert sel.seeds.tolist() == [1, 2, 3, 4]
    assert sel.communities_without_seed.tolist() == [2]


def test_seed_selection_does_not_depend_on_row_order() -> None:
    sc = make_scenario(2_000, 100, 3, seed=4)
    ids = np.arange(sc.n_subjects)
    perm = np.random.default_rng(1).permutation(sc.n_subjects)
    args = (sc.identity_level, sc.clean_history_months, sc.flagged, sc.community)
    a = select_seeds(ids, *args[:3], policy=SeedPolicy(), community=args[3])
    b = select_seeds(
        ids[perm], *(x[perm] for x in args[:3]), policy=SeedPolicy(), community=args[3][perm]
    )
    assert a.seeds.tolist() == b.seeds.tolist()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"identity_level": np.array([3])}, "identity_level"),
        ({"clean_history_months": np.array([1.5, 2.0])}, "clean_history_months"),
        ({"flagged": np.array([0, 1])}, "flagged"),
        ({"subject_ids": np.array([7, 7])}, "subject_ids"),
        ({"policy": SeedPolicy(per_community=0)}, "per_community"),
    ],
)
def test_seed_selection_refuses_bad_arrays(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "subject_ids": np.array([1, 2]),
        "identity_level": np.array([3, 3]),
        "clean_history_months": np.array([30, 30]),
        "flagged": np.array([False, False]),
        "policy": SeedPolicy(),
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as info:
        select_seeds(**args)  # type: ignore[arg-type]
    assert [e.field for e in info.value.errors] == [field]


def test_ranking_quality_by_hand() -> None:
    # honest 3, 2, 1; sybils 2, 0. Pairs (honest > sybil) of 6: 3>2 1, 3>0 1, 2=2 1/2,
    # 2>0 1, 1<2 0, 1>0 1 -> 4.5 / 6 = 0.75.
    # below 95% of honest = more trust in at least 2.85 of 3 honest, i.e. all 3:
    # sybil 0 yes, sybil 2 no (2 is not below 2) -> 1/2.
    q = ranking_quality(
        np.array([3.0, 2.0, 1.0, 2.0, 0.0]), np.array([False, False, False, True, True])
    )
    assert q.auc == 0.75
    assert q.sybils_below_95 == 0.5
    with pytest.raises(ValidationError, match="both_classes"):
        ranking_quality(np.array([1.0]), np.array([False]))


def test_scenario_is_reproducible_and_shaped_as_asked() -> None:
    a = make_scenario(1_000, 100, 7, communities=4, seed=9)
    b = make_scenario(1_000, 100, 7, communities=4, seed=9)
    assert np.array_equal(a.endorser, b.endorser)
    assert np.array_equal(a.occurred_at_us, b.occurred_at_us)
    assert a.n_subjects == 1_100
    assert a.is_sybil.sum() == 100
    assert np.bincount(a.community[:1_000]).tolist() == [250, 250, 250, 250]
    assert (a.occurred_at_us <= a.as_of_us).all()
    # exactly 7 events in each direction cross between honest and sybil nodes
    crossing = a.is_sybil[a.endorser] != a.is_sybil[a.endorsed]
    assert crossing.sum() == 2 * 7
    with pytest.raises(ValidationError):
        make_scenario(10, 0, 3)


def test_public_surface_is_pinned() -> None:
    # The core's names are pinned; the ledger wiring may add its own next to them.
    assert set(trust.__all__) >= {
        "DroppedEdges",
        "EndorsementGraph",
        "GraphMode",
        "SeedPolicy",
        "SeedSelection",
        "TrustResult",
        "build_endorsement_graph",
        "default_iterations",
        "normalise_trust",
        "propagate",
        "select_seeds",
        "sybilrank",
    }
    for name in trust.__all__:
        assert getattr(trust, name) is not None
