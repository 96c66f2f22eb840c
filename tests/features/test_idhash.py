"""The version-2 digest's per-id hash is XXH64 (seed 0) of the id's UTF-8 bytes."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.features import id_hash_sums, id_hashes

# published XXH64 test vectors (seed 0)
KNOWN = {"": 0xEF46DB3751D8E999, "a": 0xD24EC4F1A98C6E5B, "abc": 0x44BC2CF5AD770999}


def test_known_values_of_xxh64() -> None:
    assert id_hashes(list(KNOWN)).tolist() == list(KNOWN.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=30), st.integers(0, 5))
def test_a_list_and_any_slice_of_a_column_hash_alike(ids: list[str], skip: int) -> None:
    one_by_one = [int(id_hashes([i])[0]) for i in ids]
    assert id_hashes(ids).tolist() == one_by_one
    tail = pl.Series([*(["x" * 9] * skip), *ids])[skip:]  # a non-zero offset
    assert id_hashes(tail).tolist() == one_by_one


def test_sums_are_order_free_and_count_ids() -> None:
    ids = ["late", "p1", "p2", "p3"]
    n, lo, hi = id_hash_sums(ids)
    assert (n, lo, hi) == id_hash_sums(ids[::-1])
    hashes = id_hashes(ids).tolist()
    assert n == 4 and len(set(hashes)) == 4
    assert lo == sum(h & 0xFFFFFFFF for h in hashes)
    assert hi == sum(h >> 32 for h in hashes)
    assert id_hash_sums([]) == (0, 0, 0)
    assert id_hash_sums(ids[:3]) != (n, lo, hi)
