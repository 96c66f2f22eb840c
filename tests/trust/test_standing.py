"""Standing that must be earned from outside: established endorsers spread from verified
anchors, so a block of aged accounts endorsing each other earns nothing (issue 11 item 3)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from glasscredit.policy import DAY_US, MONTH_US
from glasscredit.trust import build_endorsement_graph
from glasscredit.trust._standing import anchors, established, established_endorsers

T0 = 1_800_000_000_000_000
OLD = T0 - 3 * 365 * DAY_US  # known three years: aged and old enough to anchor


def _graph(pairs: list[tuple[int, int]], n: int):  # type: ignore[no-untyped-def]
    a = np.array([p[0] for p in pairs] + [p[1] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs] + [p[0] for p in pairs], dtype=np.int64)
    return build_endorsement_graph(
        a, b, np.full(len(a), T0 - DAY_US), as_of_us=T0, subjects=np.arange(n, dtype=np.int64)
    )


def _clique(nodes: range | list[int]) -> list[tuple[int, int]]:
    nodes = list(nodes)
    return [(i, j) for k, i in enumerate(nodes) for j in nodes[k + 1 :]]


def _est(
    pairs: list[tuple[int, int]],
    n: int,
    anchor: list[int],
    known: npt.NDArray[np.int64] | None = None,
    m: int = 2,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    g = _graph(pairs, n)
    mask = np.zeros(n, dtype=bool)
    mask[anchor] = True
    since = np.full(n, OLD, dtype=np.int64) if known is None else known
    est = established(g.adjacency, mask, since, as_of_us=T0, min_age_days=90, min_endorsers=m)
    return est, established_endorsers(g.adjacency, est)


# an honest region: anchors 0, 1, 2 (a triangle), people 3..9 each endorsed by two or
# more of the anchors or of each other, in a chain
HONEST = [
    *_clique([0, 1, 2]),
    (3, 0),
    (3, 1),
    (4, 1),
    (4, 2),
    (5, 3),
    (5, 4),
    (6, 5),
    (6, 3),
    (7, 6),
    (7, 5),
    (8, 7),
    (8, 0),
    (9, 8),
]


def test_standing_spreads_from_anchors_through_two_established_endorsers() -> None:
    est, count = _est(HONEST, 10, [0, 1, 2])
    # 3 and 4 through the anchors, then 5 through 3 and 4, 6 through 5 and 3, ...
    assert est[:9].all()
    # 9 has one endorser: it is not established, and as a reporter it has earned 1
    assert not est[9] and count[9] == 1
    assert count[5] == 4  # 3, 4, 6 and 7


def test_the_fixed_point_does_not_depend_on_the_numbering() -> None:
    est, _ = _est(HONEST, 10, [0, 1, 2])
    perm = np.random.default_rng(4).permutation(10)
    renamed = [(int(perm[a]), int(perm[b])) for a, b in HONEST]
    est2, _ = _est(renamed, 10, [int(perm[i]) for i in (0, 1, 2)])
    assert np.array_equal(est2[perm], est)


def test_a_block_of_aged_accounts_endorsing_each_other_earns_nothing() -> None:
    # the aged_reporters attack: blocks of four sybils (10..13, 14..17, 18..21), each
    # member with ONE attack edge to a distinct honest, established subject, and every
    # block a clique: each sybil has three aged endorsers of its own and one honest one
    pairs = list(HONEST)
    sybils = list(range(10, 22))
    for b in range(10, 22, 4):
        pairs += _clique(range(b, b + 4))
    pairs += [(s, h) for s, h in zip(sybils, [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2], strict=True)]
    est, count = _est(pairs, 22, [0, 1, 2])
    assert not est[sybils].any()
    # each sybil reporter counts only its one honest endorser: below min_endorsers 2
    assert (count[sybils] == 1).all()
    # before: every sybil had four aged mutual endorsers (the old rule let them weigh)
    degree = _graph(pairs, 22).degree
    assert (degree[sybils] == 4).all()
    # and the honest region is untouched by the blocks next to it
    assert est[:9].all()


@pytest.mark.parametrize("shape", ["clique", "ring", "tree", "random", "bipartite"])
def test_no_sybil_with_fewer_than_min_endorsers_attack_edges_is_ever_established(
    shape: str,
) -> None:
    # the guarantee whatever the region's shape or size: 40 sybils, each with at most
    # one attack edge; the first to become established would need two established
    # endorsers, and at most one of its endorsers is outside the region
    rng = np.random.default_rng(sum(map(ord, shape)))
    s = list(range(10, 50))
    if shape == "clique":
        inner = _clique(s)
    elif shape == "ring":
        inner = [(s[i], s[(i + 1) % 40]) for i in range(40)]
        inner += [(s[i], s[(i + 2) % 40]) for i in range(40)]
    elif shape == "tree":
        inner = [(s[i], s[(i - 1) // 2]) for i in range(1, 40)]
    elif shape == "random":
        inner = [(s[i], s[j]) for i, j in rng.integers(0, 40, (300, 2)) if i != j]
    else:  # every sybil on one side endorsed by every sybil on the other
        inner = [(a, b) for a in s[:20] for b in s[20:]]
    edges = [(x, int(h)) for x, h in zip(s, rng.integers(0, 9, 40), strict=True)]
    est, count = _est(HONEST + inner + edges, 50, [0, 1, 2])
    assert not est[s].any()
    assert count[s].max() <= 1
    assert est[:9].all()


def test_a_sybil_with_two_attack_edges_is_established_the_measured_limit() -> None:
    # the limit, documented: an account that two established subjects accepted is
    # established, and it can then vouch for block members with one attack edge each
    pairs = [*HONEST, (10, 0), (10, 1), (11, 10), (11, 2), (12, 10), (12, 11)]
    est, _ = _est(pairs, 13, [0, 1, 2])
    assert est[10] and est[11] and est[12]


def test_young_accounts_neither_are_established_nor_vouch() -> None:
    known = np.full(12, OLD, dtype=np.int64)
    known[[3, 4]] = T0 - 30 * DAY_US  # a month on the ledger
    pairs = [*HONEST, (10, 3), (10, 4), (11, 0), (11, 1)]
    est, count = _est(pairs, 12, [0, 1, 2], known)
    assert not est[3] and not est[4]
    # 10's endorsers are both young: it has earned nothing yet; 11 two anchors
    assert count[10] == 0 and count[11] == 2
    # a new person is not caught: once the ledger has known 3 and 4 for 90 days, they
    # are established through the anchors, and 10 with them
    known[[3, 4]] = T0 - 90 * DAY_US
    est, count = _est(pairs, 12, [0, 1, 2], known)
    assert est[3] and est[4] and est[10]


def test_an_anchor_needs_two_source_identity_long_known_and_embedded() -> None:
    level = np.array([3, 3, 3, 3, 2])
    since = np.array([OLD, OLD, T0 - 23 * MONTH_US, OLD, OLD])
    degree = np.array([3, 2, 5, 9, 9])
    got = anchors(
        level,
        since,
        degree,
        as_of_us=T0,
        min_identity_level=3,
        min_known_months=24,
        min_degree=3,
    )
    # 1 is too little embedded, 2 too new on the ledger's clock, 4 not verified enough
    assert got.tolist() == [True, False, False, True, False]


def test_min_endorsers_zero_turns_the_rule_off_and_three_is_stricter() -> None:
    pairs = [*HONEST, *_clique(range(10, 14)), (10, 0)]
    est, _ = _est(pairs, 14, [0, 1, 2], m=0)
    assert est.all()  # every aged subject
    est3, _ = _est(HONEST, 10, [0, 1, 2], m=3)
    # with three endorsers needed, 3 (two anchors) is not established
    assert est3[:3].all() and not est3[3]


def test_three_witnesses_take_six_attack_edges_the_limit() -> None:
    # the cheapest construction found against standing + one voucher per reporter:
    # V (10) with two attack edges (0, 1) reports itself; r2 (11) and r3 (13) each have
    # one attack edge (2, 4) and a private voucher e2 (12), e3 (14) with one attack edge
    # (3, 5) and a tie to V: six attack edges, three disjoint pairs of vouchers
    pairs = [*HONEST, (10, 0), (10, 1), (11, 2), (11, 12), (12, 3), (12, 10)]
    pairs += [(13, 4), (13, 14), (14, 5), (14, 10)]
    g = _graph(pairs, 15)
    est, _ = _est(pairs, 15, [0, 1, 2])
    assert est[[10, 11, 12, 13, 14]].all()

    def vouchers(i: int) -> set[int]:
        row = g.adjacency.indices[g.adjacency.indptr[i] : g.adjacency.indptr[i + 1]]
        return {int(j) for j in row if est[j]}

    assert vouchers(10) >= {0, 1} and vouchers(11) >= {2, 12} and vouchers(13) >= {4, 14}
    # with five attack edges (e3's removed) r3 has one established endorser only
    five = [p for p in pairs if p != (14, 5)]
    est5, count5 = _est(five, 15, [0, 1, 2])
    assert not est5[14] and count5[13] == 1
