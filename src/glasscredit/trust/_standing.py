"""Standing a reporter must earn: endorsers that are themselves established, from anchors.

Why: counting a reporter's aged mutual endorsers is not enough. A block of accounts,
each with one attack edge (one honest subject who accepted it), can endorse each other,
age for months and so give every member as many aged endorsers as it likes; SybilRank
cannot tell such a small block from honest people either, because trust reaches
equilibrium inside it in a few steps (``docs/trust.md``). What the block cannot make is
an endorser whose own standing comes from outside the block.

So standing spreads from **anchors** the way a person comes to be known (bootstrap
percolation): an anchor is a subject that could be a seed apart from its record, i.e.
identity at ``min_identity_level`` attested by ``min_identity_sources`` distinct sources,
known to the ledger for ``min_clean_months`` and ``min_seed_degree`` mutual endorsements
(a record of misconduct says nothing about whether a person exists). A subject the
ledger has known for ``endorser_age_days`` becomes **established** when at least
``min_endorsers`` of its mutual endorsers are established; this is repeated until
nothing changes (the least fixed point: the same for any order of evaluation).
A reporter weighs only with ``min_endorsers`` established endorsers.

The guarantee, whatever the shape, size or age of a sybil region: when no account in it
has ``min_endorsers`` attack edges or more (and none is an anchor, which takes identity
from two sources), none of its accounts is ever established, so none of its reports
weighs. The first account of the region to become established would need
``min_endorsers`` established endorsers, and at most ``min_endorsers - 1`` of its
endorsers are outside the region. The cost to honest people: a reporter needs two
endorsers who are themselves known through two others, back to verified anchors.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from glasscredit.policy import DAY_US, MONTH_US

__all__ = ["anchors", "established", "established_endorsers"]


def anchors(
    identity_level: npt.NDArray[np.int64],
    known_since_us: npt.NDArray[np.int64],
    degree: npt.NDArray[np.int64],
    *,
    as_of_us: int,
    min_identity_level: int,
    min_known_months: int,
    min_degree: int,
) -> npt.NDArray[np.bool_]:
    """Subjects standing may start from (module docstring): verified by two sources (the
    caller's ``identity_level`` already reads only what enough sources attest), known
    long enough on the ledger's clock, and embedded."""
    known = known_since_us <= as_of_us - min_known_months * MONTH_US
    out: npt.NDArray[np.bool_] = (
        (identity_level >= min_identity_level) & known & (degree >= min_degree)
    )
    return out


def established(
    adjacency: sp.csr_array,
    anchor: npt.NDArray[np.bool_],
    known_since_us: npt.NDArray[np.int64],
    *,
    as_of_us: int,
    min_age_days: int,
    min_endorsers: int,
) -> npt.NDArray[np.bool_]:
    """Established subjects: aged anchors, then every aged subject with at least
    ``min_endorsers`` established mutual endorsers, repeated to the fixed point.

    Each round is one sparse mat-vec; there are at most as many rounds as the longest
    chain of newly established subjects (about the graph's diameter in practice).
    """
    aged = known_since_us <= as_of_us - min_age_days * DAY_US
    est = anchor & aged
    while True:
        count = np.asarray(adjacency @ est.astype(np.float64))
        grown = est | (aged & (count >= min_endorsers))
        if np.array_equal(grown, est):
            return est
        est = grown


def established_endorsers(
    adjacency: sp.csr_array, est: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """Per node: how many of its mutual endorsers are established."""
    out: npt.NDArray[np.int64] = np.rint(np.asarray(adjacency @ est.astype(np.float64))).astype(
        np.int64
    )
    return out
