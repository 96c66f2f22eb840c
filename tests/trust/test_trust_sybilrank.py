"""SybilRank on hand-built graphs, with the expected values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.exceptions import ValidationError
from glasscredit.trust import (
    EndorsementGraph,
    build_endorsement_graph,
    default_iterations,
    normalise_trust,
    sybilrank,
)

T0 = 1_700_000_000_000_000


def mutual(pairs: list[tuple[str, str]]) -> EndorsementGraph:
    """Graph where every listed pair endorsed each other (both directions)."""
    src = [a for a, _ in pairs] + [b for _, b in pairs]
    dst = [b for _, b in pairs] + [a for a, _ in pairs]
    return build_endorsement_graph(src, dst, [T0] * len(src), as_of_us=T0)


def test_default_iterations_is_ceil_log2() -> None:
    # log2(3) = 1.58 -> 2; log2(4) = 2; log2(6) = 2.58 -> 3; log2(1e6) = 19.93 -> 20
    assert [default_iterations(n) for n in (1, 2, 3, 4, 6, 1_000_000)] == [1, 1, 2, 2, 3, 20]


def test_path_of_three_from_an_end() -> None:
    # a - b - c, seed a, T = 1, degrees 1, 2, 1; default steps ceil(log2 3) = 2.
    # step 1: a gives all of its 1 to b            -> (0, 1, 0)
    # step 2: b splits 1 over a and c, 1/2 each    -> (1/2, 0, 1/2)
    # divide by degree: (1/2 / 1, 0 / 2, 1/2 / 1)  = (0.5, 0, 0.5)
    r = sybilrank(mutual([("a", "b"), ("b", "c")]), ["a"], total_trust=1.0)
    assert r.iterations == 2
    assert r.mass.tolist() == [0.5, 0.0, 0.5]
    assert r.trust.tolist() == [0.5, 0.0, 0.5]
    # the median of the positive trust values (0.5, 0.5) is 0.5 -> normalised (1, 0, 1)
    assert r.reference == 0.5
    assert r.normalised.tolist() == [1.0, 0.0, 1.0]


def test_star_one_and_two_steps() -> None:
    # centre c, leaves l1 l2 l3, seed c, T = 3.
    # step 1: c splits 3 over three leaves -> leaves 1 each, c 0; trust: leaves 1/1 = 1
    # step 2: each leaf returns its 1 to c -> c 3; trust: c 3/3 = 1, leaves 0
    g = mutual([("c", "l1"), ("c", "l2"), ("c", "l3")])
    one = sybilrank(g, ["c"], iterations=1, total_trust=3.0).as_dict()
    assert one == {"c": 0.0, "l1": 1.0, "l2": 1.0, "l3": 1.0}
    two = sybilrank(g, ["c"], iterations=2, total_trust=3.0).as_dict()
    assert two == {"c": 1.0, "l1": 0.0, "l2": 0.0, "l3": 0.0}


def test_two_triangles_joined_by_one_edge() -> None:
    # triangles a b c and d e f joined by c - d; seed a; T = 1.
    # degrees: a 2, b 2, c 3, d 3, e 2, f 2.
    # step 1: a -> b 1/2, c 1/2
    # step 2: b (1/2) -> a 1/4, c 1/4; c (1/2) -> a, b, d 1/6 each
    #         a = 1/4 + 1/6 = 5/12, b = 1/6, c = 1/4, d = 1/6, e = f = 0
    # step 3: a (5/12) -> b, c 5/24 each; b (1/6) -> a, c 1/12 each;
    #         c (1/4) -> a, b, d 1/12 each; d (1/6) -> c, e, f 1/18 each
    #         a = 1/12 + 1/12 = 1/6; b = 5/24 + 1/12 = 7/24;
    #         c = 5/24 + 1/12 + 1/18 = 25/72; d = 1/12; e = f = 1/18
    g = mutual([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("d", "e"), ("e", "f"), ("d", "f")])
    two = sybilrank(g, ["a"], iterations=2, total_trust=1.0)
    expected_mass_2 = [5 / 12, 1 / 6, 1 / 4, 1 / 6, 0.0, 0.0]
    np.testing.assert_allclose(two.mass, expected_mass_2, rtol=1e-15)
    # divided by degree: 5/24, 1/12, 1/12, 1/18, 0, 0
    np.testing.assert_allclose(two.trust, [5 / 24, 1 / 12, 1 / 12, 1 / 18, 0, 0], rtol=1e-15)
    three = sybilrank(g, ["a"], total_trust=1.0)  # default ceil(log2 6) = 3
    assert three.iterations == 3
    np.testing.assert_allclose(
        three.mass, [1 / 6, 7 / 24, 25 / 72, 1 / 12, 1 / 18, 1 / 18], rtol=1e-15
    )
    # divided by degree: a 1/12, b 7/48, c 25/216, d 1/36, e = f = 1/18 / 2 = 1/36
    np.testing.assert_allclose(
        three.trust, [1 / 12, 7 / 48, 25 / 216, 1 / 36, 1 / 36, 1 / 36], rtol=1e-15
    )


def test_two_seeds_split_the_total_and_repeats_count_once() -> None:
    # path a - b - c, seeds a and c, T = 2 -> 1 each.
    # step 1: a gives 1 to b, c gives 1 to b -> (0, 2, 0); trust (0, 2/2 = 1, 0)
    g = mutual([("a", "b"), ("b", "c")])
    r = sybilrank(g, ["a", "c", "a"], iterations=1, total_trust=2.0)
    assert r.trust.tolist() == [0.0, 1.0, 0.0]
    assert r.seeds_used.tolist() == [0, 2]


def test_default_total_trust_is_n() -> None:
    # path a - b - c: T = n = 3; step 1 from a: (0, 3, 0); trust b = 3/2
    r = sybilrank(mutual([("a", "b"), ("b", "c")]), ["a"], iterations=1)
    assert r.total_trust == 3.0
    assert r.trust.tolist() == [0.0, 1.5, 0.0]


def test_isolated_seed_is_ignored_and_counted_and_isolated_nodes_get_zero() -> None:
    # subject z has no edge: as a seed it cannot pass trust on; as a node it gets 0.
    g = build_endorsement_graph(
        ["a", "b"], ["b", "a"], [T0, T0], as_of_us=T0, subjects=["a", "b", "z"]
    )
    r = sybilrank(g, ["a", "z"], iterations=1, total_trust=1.0)
    # all of T = 1 starts on a; step 1: b gets 1; trust b = 1/1
    assert r.seeds_ignored == 1
    assert r.trust.tolist() == [0.0, 1.0, 0.0]
    trust, normalised = r.lookup(["z", "b"])
    assert trust.tolist() == [0.0, 1.0]
    assert normalised.tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seeds": ["nobody"]}, "subject_id"),
        ({"seeds": ["z"]}, "seeds"),
        ({"iterations": 0}, "iterations"),
        ({"total_trust": float("nan")}, "total_trust"),
        ({"total_trust": -1.0}, "total_trust"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict[str, object], field: str) -> None:
    g = build_endorsement_graph(
        ["a", "b"], ["b", "a"], [T0, T0], as_of_us=T0, subjects=["a", "b", "z"]
    )
    args: dict[str, object] = {"seeds": ["a"]}
    args.update(kwargs)
    with pytest.raises(ValidationError) as info:
        sybilrank(g, **args)  # type: ignore[arg-type]
    assert info.value.errors[0].field == field


def test_normalise_trust_by_hand() -> None:
    # positive values 1, 2, 4 -> median 2 -> 0.5, 1, min(1, 2) = 1; zero stays 0
    normalised, reference = normalise_trust(np.array([0.0, 1.0, 2.0, 4.0]))
    assert reference == 2.0
    assert normalised.tolist() == [0.0, 0.5, 1.0, 1.0]
    nothing, ref0 = normalise_trust(np.zeros(3))
    assert nothing.tolist() == [0.0, 0.0, 0.0]
    assert ref0 == 0.0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1))
@settings(deadline=None)  # timing varies on a shared machine; none is tested
def test_normalised_is_monotone_and_bounded(values: list[float]) -> None:
    trust = np.array(values)
    normalised, _ = normalise_trust(trust)
    order = np.argsort(trust, kind="stable")
    assert np.all(np.diff(normalised[order]) >= 0)
    assert np.all((normalised >= 0) & (normalised <= 1))


def random_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    n = draw(st.integers(min_value=2, max_value=12))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=40)
    )
    return [(f"s{a:02d}", f"s{b:02d}") for a, b in pairs]


@st.composite
def graphs_with_seed(draw: st.DrawFn) -> tuple[list[tuple[str, str]], str, int]:
    pairs = random_pairs(draw)
    connected = [p for p in pairs if p[0] != p[1]]
    if not connected:
        connected = [("s00", "s01")]
        pairs = pairs + connected
    seed = draw(st.sampled_from(connected))[0]
    steps = draw(st.integers(min_value=1, max_value=8))
    return pairs, seed, steps


@given(graphs_with_seed())
@settings(deadline=None)  # timing varies on a shared machine; none is tested
def test_total_trust_is_conserved_before_degree_normalisation(
    case: tuple[list[tuple[str, str]], str, int],
) -> None:
    pairs, seed, steps = case
    r = sybilrank(mutual(pairs), [seed], iterations=steps, total_trust=7.0)
    assert r.mass.sum() == pytest.approx(7.0, rel=1e-12)
    assert np.all(r.mass >= 0)


@given(graphs_with_seed(), st.randoms(use_true_random=False))
@settings(max_examples=50, deadline=None)
def test_trust_does_not_depend_on_row_order_or_naming(
    case: tuple[list[tuple[str, str]], str, int], rnd: object
) -> None:
    pairs, seed, steps = case
    shuffled = list(pairs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    # rename every subject so that the sorted node order changes too
    rename = {s: f"z{99 - int(s[1:]):02d}" for pair in pairs for s in pair}
    renamed = [(rename[a], rename[b]) for a, b in shuffled]
    base = sybilrank(mutual(pairs), [seed], iterations=steps).as_dict()
    other = sybilrank(mutual(renamed), [rename[seed]], iterations=steps).as_dict()
    for subject, value in base.items():
        assert other[rename[subject]] == pytest.approx(value, rel=1e-12, abs=1e-300)


def test_threaded_kernel_is_bit_identical_to_single_thread() -> None:
    # ~700k edges: above the size (1M stored entries) at which rows are split over threads
    rng = np.random.default_rng(3)
    n = 50_000
    a = rng.integers(0, n, 700_000)
    b = (a + rng.integers(1, 5_000, 700_000)) % n
    t = np.full(1_400_000, T0, dtype=np.int64)
    g = build_endorsement_graph(np.r_[a, b], np.r_[b, a], t, as_of_us=T0)
    assert g.adjacency.nnz >= 1_000_000
    one = sybilrank(g, np.arange(0, n, 1000), threads=1)
    four = sybilrank(g, np.arange(0, n, 1000), threads=4)
    assert np.array_equal(one.trust, four.trust)
