"""The version-2 digest's per-id hash: numpy equals the documented definition."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.features import id_hash_sums, id_hashes

M = (1 << 64) - 1


def spec(event_id: str) -> int:
    """The hash as the module docstring defines it, in plain Python ints."""
    data = event_id.encode()
    h = (len(data) * 0xC2B2AE3D27D4EB4F ^ 0x9E3779B97F4A7C15) & M
    for i in range(0, len(data), 8):
        h = ((h ^ int.from_bytes(data[i:i + 8].ljust(8, b"\0"), "little"))
             * 0x87C37B91114253D5) & M
        h ^= h >> 29
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M
    return h ^ (h >> 33)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=30), st.integers(0, 5))
def test_numpy_hash_equals_the_definition(ids: list[str], skip: int) -> None:
    assert id_hashes(ids).tolist() == [spec(i) for i in ids]
    # a slice of a longer column (non-zero arrow offset, ids near the buffer's end)
    tail = pl.Series(["x" * 9, *ids])[skip:]
    assert id_hashes(tail).tolist() == [spec(i) for i in tail.to_list()]


def test_lengths_around_word_edges_and_known_value() -> None:
    ids = ["", "a", "abcdefg", "abcdefgh", "abcdefghi", "é€𝄞", "bank-3764790887379440541"]
    assert id_hashes(ids).tolist() == [spec(i) for i in ids]
    assert len(set(id_hashes(ids).tolist())) == len(ids)
    assert id_hashes(["p1"]).tolist() == [spec("p1")]


def test_sums_are_order_free_and_count_ids() -> None:
    ids = ["late", "p1", "p2", "p3"]
    n, lo, hi = id_hash_sums(ids)
    assert (n, lo, hi) == id_hash_sums(ids[::-1])
    assert lo == sum(spec(i) & 0xFFFFFFFF for i in ids)
    assert hi == sum(spec(i) >> 32 for i in ids)
    assert id_hash_sums([]) == (0, 0, 0)
    assert id_hash_sums(ids[:3]) != (n, lo, hi)
