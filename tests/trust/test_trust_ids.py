"""Id encoding is exact even when the fast 64-bit keys collide."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glasscredit.trust import _ids


@given(st.lists(st.text(max_size=4), min_size=1, max_size=60))
@settings(deadline=None)  # timing varies on a shared machine; none is tested
def test_encode_strings_matches_python(values: list[str]) -> None:
    distinct, codes = _ids.encode_ids(pa.array(values, pa.string()))
    assert distinct.to_pylist() == sorted(set(values))
    assert [distinct[c].as_py() for c in codes] == values


@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=60))
@settings(deadline=None)  # timing varies on a shared machine; none is tested
def test_encode_and_lookup_integers_match_python(values: list[int]) -> None:
    distinct, codes = _ids.encode_ids(pa.array(values, pa.int64()))
    assert distinct.to_pylist() == sorted(set(values))
    assert [distinct[c].as_py() for c in codes] == values
    known = pa.array(sorted(set(values))[::2], pa.int64())
    where = {v: i for i, v in enumerate(known.to_pylist())}
    looked = _ids.lookup_ids(pa.array(values, pa.int64()), known)
    assert looked.tolist() == [where.get(v, -1) for v in values]


@pytest.mark.parametrize("collide", ["all", "none"])
def test_colliding_hashes_fall_back_to_the_exact_path(
    monkeypatch: pytest.MonkeyPatch, collide: str
) -> None:
    real = _ids._keys

    def constant(ids: pa.ChunkedArray) -> tuple[np.ndarray, object]:
        keys, strings = real(ids)
        return (np.zeros_like(keys), strings) if collide == "all" else (keys, strings)

    monkeypatch.setattr(_ids, "_keys", constant)
    values = ["b", "a", "c", "a", "zz"]
    distinct, codes = _ids.encode_ids(pa.array(values))
    assert distinct.to_pylist() == ["a", "b", "c", "zz"]
    assert codes.tolist() == [1, 0, 2, 0, 3]
    looked = _ids.lookup_ids(pa.array(values), pa.array(["zz", "a", "q"]))
    assert looked.tolist() == [-1, 1, -1, 1, 0]


def test_sorted_unique_counts() -> None:
    keys, counts = _ids.sorted_unique(np.array([5, 3, 5, 5, 1], dtype=np.int64))
    assert keys.tolist() == [1, 3, 5]
    assert counts.tolist() == [1, 1, 3]
