"""Subject ids -> node indices for tens of millions of endorsement rows.

Why not ``dictionary_encode`` / ``index_in`` / ``np.unique``: on 20M rows and 1M
distinct ids each of them spends ~1 microsecond per row in a hash table or binary
search that misses the cache, about 20-30 s here. This module instead works on
64-bit keys (a bijective mix of integer ids; polars' string hash of string ids), finds
the distinct keys with a SIMD sort, and maps every row to its key's position with a
bucket table: one or two independent gathers per row instead of twenty dependent ones.

Exactness: integer keys are a bijection, so equal keys are equal ids. String hashes
can collide, so every row's string is compared with the string its code stands for;
on any mismatch (a 64-bit collision, or crafted ids) the exact but slow Arrow hash
table is used instead. The result never depends on luck, only the speed does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["encode_ids", "lookup_ids", "sorted_unique"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def sorted_unique(keys: npt.NDArray[np.integer]) -> tuple[npt.NDArray[np.integer], I64]:
    """Sorted distinct keys and their counts, by sorting (numpy >= 2.3 ``np.unique``
    takes a hash-table path that is ~10x slower on tens of millions of integers)."""
    ordered = np.sort(keys)
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(ordered))).astype(np.int64)
    return ordered[starts], counts


def _mix(values: I64) -> U64:
    """splitmix64 finaliser: a bijection on 64-bit integers that spreads the bits."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: U64 = z ^ (z >> np.uint64(31))
    return out


def _keys(ids: pa.ChunkedArray) -> tuple[U64, pl.Series | None]:
    """64-bit keys of ids, and (for strings, whose keys may collide) the ids as polars."""
    if pa.types.is_integer(ids.type):
        return _mix(np.asarray(ids.to_numpy(), dtype=np.int64)), None
    series = pl.Series(ids)
    hashed: U64 = series.hash(seed=0).to_numpy()
    return hashed, series


def _positions(table: U64, keys: U64, *, all_present: bool = False) -> I64:
    """Index of each key in the sorted, distinct ``table``; -1 when absent.

    A bucket table on the top bits of the (uniformly spread) keys, about four buckets
    per key: most keys are alone in their bucket, so one gather finds them (and when
    every key is known to be in the table, that gather is the whole lookup); the few
    that share a bucket step through it together.
    """
    result = np.full(len(keys), -1, dtype=np.int64)
    n = len(table)
    if n == 0 or len(keys) == 0:
        return result
    bits = min(31, int(np.ceil(np.log2(n))) + 2)
    shift = np.uint64(64 - bits)
    bounds = np.arange(2**bits + 1, dtype=np.uint64)
    # int32 halves the table the random gathers hit (n < 2**31 always: rows are ids)
    starts: npt.NDArray[np.int32] = np.searchsorted(table >> shift, bounds).astype(np.int32)
    bucket = (keys >> shift).astype(np.intp)
    pos = starts[bucket]
    bucket += 1
    end = starts[bucket]
    del bucket
    if all_present:
        alone = (end - pos) == 1
        result[alone] = pos[alone]
        todo = np.flatnonzero(~alone)
    else:
        todo = np.flatnonzero(end > pos)
    p = pos[todo].astype(np.int64)
    e = end[todo]
    k = keys[todo]
    while len(todo):
        seen = table[p]
        hit = seen == k
        result[todo[hit]] = p[hit]
        more = (seen < k) & (p + 1 < e)
        todo, p, e, k = todo[more], p[more] + 1, e[more], k[more]
    return result


def _same_strings(ids: pl.Series, reference: pa.Array, codes: I64) -> bool:
    """Whether ``ids[i] == reference[codes[i]]`` for every row."""
    expected = pl.Series(reference).gather(codes)
    return bool((ids == expected).all())


def encode_ids(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, I64]:
    """The sorted distinct ids and each row's index into them."""
    if isinstance(ids, pa.Array):
        ids = pa.chunked_array([ids])
    keys, strings = _keys(ids)
    table = np.asarray(sorted_unique(keys)[0], dtype=np.uint64)
    codes = _positions(table, keys, all_present=True)
    del keys
    first = np.empty(len(table), dtype=np.int64)
    first[codes] = np.arange(len(codes), dtype=np.int64)
    distinct = ids.take(pa.array(first))
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    if strings is not None and not _same_strings(strings, distinct, codes):
        encoded = ids.combine_chunks().dictionary_encode()
        distinct = encoded.dictionary
        codes = np.asarray(encoded.indices.to_numpy(), dtype=np.int64)
    order = np.asarray(pc.sort_indices(distinct).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return distinct.take(pa.array(order)), rank[codes]


def lookup_ids(ids: pa.Array | pa.ChunkedArray, known: pa.Array) -> I64:
    """Each row's index in ``known`` (distinct ids), -1 for ids not in it."""
    if isinstance(ids, pa.Array):
        ids = pa.chunked_array([ids])
    known_keys, known_strings = _keys(pa.chunked_array([known]))
    order = np.argsort(known_keys, kind="stable")
    table = known_keys[order]
    if known_strings is None or not np.any(table[1:] == table[:-1]):
        keys, strings = _keys(ids)
        found = _positions(table, keys)
        codes = np.where(found >= 0, order[np.maximum(found, 0)], -1)
        hit = codes >= 0
        if strings is None or _same_strings(strings.filter(pl.Series(hit)), known, codes[hit]):
            return codes
    index = pc.index_in(ids, value_set=known)
    if isinstance(index, pa.ChunkedArray):
        index = index.combine_chunks()
    return np.asarray(index.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
