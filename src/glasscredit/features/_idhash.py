"""A stable 64-bit hash of event ids, vectorised: the input of the version-2 digest.

The first inputs digest hashed each subject's sorted, comma-joined event ids; sorting and
joining strings per subject cost more than all the features together. Version 2 hashes
each id to 64 bits here and sums the two 32-bit halves per subject (an order-free
multiset sum, exact in Int64 for fewer than 2**31 events a subject), so the batch kernel
aggregates it in the same ``group_by`` as the features, with no sort.

The hash is defined on the id's UTF-8 bytes (never on a library's own ``hash``, which
changes between versions): little-endian 8-byte words, the last one zero-padded;
``h = len * K0 ^ SEED``; per word ``h = (h ^ w) * K1; h ^= h >> 29``; then the
MurmurHash3 64-bit finaliser. Numpy wraps uint64 arithmetic, so it is exact and the
same on every platform.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ID_HASH", "ID_SUMS", "id_hash_sums", "id_hashes", "id_sum_aggregates"]

ID_HASH = "id_hash"  # the column of each event's hash (the mirror stores it)
ID_SUMS = ("_ids_n", "_ids_lo", "_ids_hi")  # per subject: ids, sums of the two halves

_SEED = np.uint64(0x9E3779B97F4A7C15)
_K0 = np.uint64(0xC2B2AE3D27D4EB4F)
_K1 = np.uint64(0x87C37B91114253D5)
_F1 = np.uint64(0xFF51AFD7ED558CCD)
_F2 = np.uint64(0xC4CEB9FE1A85EC53)
_LOW32 = np.uint64(0xFFFFFFFF)

U64 = npt.NDArray[np.uint64]


def _shr(h: U64, bits: int) -> U64:
    return np.right_shift(h, np.uint64(bits))


_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # k bytes kept


def _mix_words(h: U64, raw: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64],
               lens: npt.NDArray[np.int64]) -> None:
    """Mix every id's words into ``h`` in place (8 bytes at ``start + 8w``, zero-padded)."""
    top = len(raw) - 8  # the last position an 8-byte read may start at
    if top < 0:  # fewer than 8 bytes in all: pad a copy (tiny)
        raw = np.concatenate([raw, np.zeros(8, dtype=np.uint8)])
        top = len(raw) - 8
    # every byte position as the start of a little-endian uint64: a view, no copy
    at = np.ndarray(shape=(top + 1,), dtype="<u8", buffer=raw, strides=(1,))
    shortest = int(lens.min())
    for w in range(-(-int(lens.max()) // 8)):
        pos = starts + 8 * w
        word = at[np.minimum(pos, top)].astype(np.uint64)
        late = np.flatnonzero(pos > top)  # the last ids only: shift their bytes down
        if len(late):
            shift = np.minimum(pos[late] - top, 8).astype(np.uint64) * np.uint64(8)
            word[late] = np.where(shift >= 64, np.uint64(0),
                                  np.right_shift(word[late], shift % np.uint64(64)))
        if 8 * (w + 1) <= shortest:  # a full word of every id: no mask, every id mixes
            h ^= word
            h *= _K1
            h ^= _shr(h, 29)
            continue
        left = lens - 8 * w  # bytes of each id still to hash
        word &= _MASKS[np.clip(left, 0, 8)]
        mixed = (h ^ word) * _K1
        mixed ^= _shr(mixed, 29)
        np.copyto(h, mixed, where=left > 0)


def _buffers(ids: pl.Series | list[str]) -> tuple[npt.NDArray[np.uint8],
                                                  npt.NDArray[np.int64]]:
    """The ids' UTF-8 bytes back to back, and the n + 1 offsets into them."""
    if isinstance(ids, list):  # one subject's ids (explain): no Arrow round trip
        data = [i.encode() for i in ids]
        offsets = np.zeros(len(data) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in data], out=offsets[1:])
        return np.frombuffer(b"".join(data), dtype=np.uint8), offsets
    if ids.null_count():
        raise ValueError("event ids must not be null (rule: every event has an id)")
    arr = pc.cast(ids.to_arrow(), pa.large_string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    raw = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None \
        else np.zeros(0, dtype=np.uint8)
    return raw[offsets[0]:offsets[-1]], offsets - offsets[0]


def id_hashes(ids: pl.Series | list[str]) -> U64:
    """The 64-bit hash of every id (see the module docstring); ids must not be null."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.uint64)
    raw, offsets = _buffers(ids)
    lens = np.diff(offsets)
    h: U64 = (lens.astype(np.uint64) * _K0) ^ _SEED
    _mix_words(h, raw, offsets[:-1], lens)
    h ^= _shr(h, 33)
    h *= _F1
    h ^= _shr(h, 33)
    h *= _F2
    h ^= _shr(h, 33)
    return h


def id_sum_aggregates() -> list[pl.Expr]:
    """Aggregates over :data:`ID_HASH`: how many ids and the sums of the two halves.

    Each half is below 2**32, so a UInt64 sum is exact below 2**32 events a subject.
    """
    col = pl.col(ID_HASH)
    return [col.count().cast(pl.Int64).alias(ID_SUMS[0]),
            (col & pl.lit(0xFFFFFFFF, dtype=pl.UInt64)).sum().alias(ID_SUMS[1]),
            (col // pl.lit(1 << 32, dtype=pl.UInt64)).sum().alias(ID_SUMS[2])]


def id_hash_sums(ids: list[str]) -> tuple[int, int, int]:
    """:func:`id_sum_aggregates` of one subject's ids, in Python ints."""
    h = id_hashes(ids)
    return len(ids), int((h & _LOW32).sum(dtype=np.uint64)), int(_shr(h, 32).sum(
        dtype=np.uint64))
