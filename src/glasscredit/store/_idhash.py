"""A stable 64-bit hash of events: the input of the version-2 and version-3 digests.

The first inputs digest hashed each subject's sorted, comma-joined event ids; sorting and
joining strings per subject cost more than all the features together. Version 2 hashes
each id to 64 bits here and sums the two 32-bit halves per subject (an order-free
multiset sum, exact in Int64 for fewer than 2**31 events a subject), so the batch kernel
aggregates it in the same ``group_by`` as the features, with no sort.

The hash is XXH64 (seed 0) of the id's UTF-8 bytes, computed by polars-hash in polars'
threads: a published algorithm with published test vectors, never a library's own
``hash`` (polars' changes between versions).

Ids are per source (migration 0014), so two events of one subject may share an id; the
version-3 digest hashes each event's key, ``source + "\x1f" + event_id``
(:func:`event_keys`), which names one event. Version 2 hashed the id alone; its scores
are checked with :func:`id_hashes` of the ids.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import polars_hash as plh

__all__ = [
    "ID_HASH",
    "ID_SUMS",
    "KEY_SEP",
    "event_keys",
    "hash_sums",
    "id_hash_sums",
    "id_hashes",
    "id_sum_aggregates",
    "key_hash",
    "key_hashes",
]

ID_HASH = "id_hash"  # the column of each event's key hash (the mirror stores it)
KEY_SEP = "\x1f"  # between source and id in a key: neither a source name nor an id holds it
ID_SUMS = ("_ids_n", "_ids_lo", "_ids_hi")  # per subject: ids, sums of the two halves

U64 = npt.NDArray[np.uint64]


def id_hashes(ids: pl.Series | list[str]) -> U64:
    """The 64-bit hash of every id (see the module docstring); ids must not be null."""
    column = ids.cast(pl.String) if isinstance(ids, pl.Series) else pl.Series(ids, dtype=pl.String)
    if column.null_count():
        raise ValueError("event ids must not be null (rule: every event has an id)")
    hashed = column.rename("id").to_frame().select(plh.col("id").nchash.xxhash64())
    return hashed.to_series().to_numpy().astype(np.uint64, copy=False)


def event_keys(frame: pl.DataFrame) -> pl.Series:
    """Each event's key, ``source + KEY_SEP + event_id``: one event, whatever the source."""
    key = pl.concat_str([pl.col("source"), pl.lit(KEY_SEP), pl.col("event_id")])
    return frame.select(key.alias("key")).to_series()


def key_hash() -> pl.Expr:
    """:data:`ID_HASH` as an expression over ``source`` and ``event_id``: a plan adds the
    column as it goes (one subject's pass) instead of a separate select (null ids: null)."""
    return _KEY_HASH


_KEY_HASH = (
    plh.concat_str([pl.col("source"), pl.lit(KEY_SEP), pl.col("event_id")])
    .nchash.xxhash64()
    .alias(ID_HASH)
)


def key_hashes(frame: pl.DataFrame) -> U64:
    """The 64-bit hash of every event's key (:func:`event_keys`): the :data:`ID_HASH`."""
    return id_hashes(event_keys(frame))


def id_sum_aggregates() -> list[pl.Expr]:
    """Aggregates over :data:`ID_HASH`: how many ids and the sums of the two halves.

    Each half is below 2**32, so a UInt64 sum is exact below 2**32 events a subject.
    """
    col = pl.col(ID_HASH)
    return [
        col.count().cast(pl.Int64).alias(ID_SUMS[0]),
        (col & pl.lit(0xFFFFFFFF, dtype=pl.UInt64)).sum().alias(ID_SUMS[1]),
        (col // pl.lit(1 << 32, dtype=pl.UInt64)).sum().alias(ID_SUMS[2]),
    ]


def id_hash_sums(ids: list[str]) -> tuple[int, int, int]:
    """:func:`id_sum_aggregates` of one subject's ids (or keys), in Python ints."""
    return hash_sums(id_hashes(ids))


def hash_sums(h: U64) -> tuple[int, int, int]:
    """How many hashes and the sums of their two 32-bit halves, in Python ints."""
    h = h.astype(np.uint64, copy=False)
    low = h & np.uint64(0xFFFFFFFF)
    high = np.right_shift(h, np.uint64(32))
    return len(h), int(low.sum(dtype=np.uint64)), int(high.sum(dtype=np.uint64))
