"""The endorsement graph: ledger endorsement events -> an undirected CSR adjacency.

Why undirected and *mutual* by default
--------------------------------------
SybilRank's guarantee rests on one assumption: the number ``g`` of *attack edges*
(honest-sybil edges) is small because an honest person has to accept each of them.
If a one-sided endorsement made an edge ("either" mode), a sybil could create attack
edges on its own by endorsing thousands of honest subjects, and the guarantee would be
gone. In the default ``"mutual"`` mode an undirected edge exists only when *both*
subjects endorsed each other by ``as_of``: every edge needs the consent of both ends.
The cost is that unreciprocated endorsements carry no trust; that is the price of
consent and it is documented in ``docs/trust.md``. ``"either"`` mode exists for
operators whose endorsements are already two-sided by construction (for example a
confirmed contract between two parties).

Bad input is refused or provably neutral, never a silent gain:

- arrays of different lengths, null ids, non-integer times -> :class:`ValidationError`;
- self-endorsements are dropped (an undirected self-loop would only keep trust at home)
  and counted;
- a repeated (endorser, endorsed) pair counts once, and the repeats are counted;
- when ``subjects`` is given, endorsements naming anyone else are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.trust._ids import encode_ids, lookup_ids, sorted_unique

__all__ = ["DroppedEdges", "EndorsementGraph", "GraphMode", "build_endorsement_graph"]

GraphMode = Literal["mutual", "either"]

#: Ids as they come from a column: pyarrow, numpy or a Python sequence.
IdArray: TypeAlias = "pa.Array | pa.ChunkedArray | npt.NDArray[Any] | Sequence[Any]"


@dataclass(frozen=True, slots=True)
class DroppedEdges:
    """How many endorsement events did not become (part of) an edge, and why.

    ``future`` events are not errors (they occurred after ``as_of``); the others are
    input that the graph refuses to count.
    """

    future: int
    self_endorsement: int
    duplicate: int
    unknown_subject: int
    unreciprocated: int

    def as_dict(self) -> dict[str, int]:
        return {
            "future": self.future,
            "self_endorsement": self.self_endorsement,
            "duplicate": self.duplicate,
            "unknown_subject": self.unknown_subject,
            "unreciprocated": self.unreciprocated,
        }


@dataclass(frozen=True, slots=True, eq=False)
class EndorsementGraph:
    """Undirected, unweighted endorsement graph as of one time.

    Attributes
    ----------
    adjacency:
        Symmetric CSR matrix (float64 ones, int32 indices when they fit, sorted
        indices, no self-loops, no duplicates); node ``i`` is ``subject_ids[i]``.
    subject_ids:
        Node index -> subject id (a pyarrow array: string or integer ids).
    as_of_us:
        Only endorsements with ``occurred_at_us <= as_of_us`` are in the graph.
    mode:
        ``"mutual"`` or ``"either"``, see the module docstring.
    dropped:
        Counts of events that did not become edges, by reason.
    """

    adjacency: sp.csr_array
    subject_ids: pa.Array
    as_of_us: int
    mode: GraphMode
    dropped: DroppedEdges

    @property
    def n_nodes(self) -> int:
        return int(self.adjacency.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.adjacency.nnz) // 2

    @property
    def degree(self) -> npt.NDArray[np.int64]:
        indptr = np.asarray(self.adjacency.indptr, dtype=np.int64)
        return np.diff(indptr)

    def index_of(self, ids: IdArray) -> npt.NDArray[np.int64]:
        """Node indices of ``ids``; :class:`ValidationError` names any unknown id."""
        arr = _as_arrow(ids, "subject_id")
        idx = pc.index_in(arr, value_set=self.subject_ids)
        if idx.null_count:
            missing = arr.filter(pc.is_null(idx)).to_pylist()[:5]
            raise ValidationError(
                [
                    FieldError(
                        field="subject_id",
                        rule="known_subject",
                        message=f"{idx.null_count} id(s) not in the graph, e.g. {missing}",
                    )
                ]
            )
        out: npt.NDArray[np.int64] = np.asarray(idx.to_numpy(zero_copy_only=False), np.int64)
        return out


def _as_arrow(values: IdArray, field: str) -> pa.Array:
    """One id column as a non-null pyarrow array (chunked arrays combined)."""
    try:
        if isinstance(values, pa.ChunkedArray):
            arr = values.combine_chunks()
        elif isinstance(values, pa.Array):
            arr = values
        else:
            arr = pa.array(np.asarray(values) if isinstance(values, np.ndarray) else values)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValidationError(
            [FieldError(field=field, rule="id_type", message=f"cannot read ids: {exc}")]
        ) from exc
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    if not (pa.types.is_string(arr.type) or pa.types.is_integer(arr.type)):
        raise ValidationError(
            [
                FieldError(
                    field=field,
                    rule="id_type",
                    message=f"ids must be strings or integers, got {arr.type}",
                )
            ]
        )
    if pa.types.is_integer(arr.type) and arr.type != pa.int64():
        arr = arr.cast(pa.int64())
    if arr.null_count:
        raise ValidationError(
            [FieldError(field=field, rule="not_null", message=f"{arr.null_count} null id(s)")]
        )
    return arr


def _as_times(values: Any) -> npt.NDArray[np.int64]:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        if values.null_count:
            raise ValidationError(
                [
                    FieldError(
                        field="occurred_at_us",
                        rule="not_null",
                        message=f"{values.null_count} null time(s)",
                    )
                ]
            )
        values = values.to_numpy(zero_copy_only=False)
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise ValidationError(
            [
                FieldError(
                    field="occurred_at_us",
                    rule="int64_microseconds",
                    message=f"times must be integer microseconds since the epoch (UTC), "
                    f"got dtype {arr.dtype}",
                )
            ]
        )
    return arr.astype(np.int64, copy=False)


def _encode(
    endorser: pa.Array, endorsed: pa.Array, subjects: pa.Array | None
) -> tuple[pa.Array, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Dictionary-encode both id columns against one node list.

    Returns the node list and the node index of each endorser and endorsed (-1 when a
    ``subjects`` list is given and the id is not in it). Without ``subjects`` the node
    list is the *sorted* set of ids, so the numbering does not depend on row order.
    """
    if endorser.type != endorsed.type:
        raise ValidationError(
            [
                FieldError(
                    field="endorsed_id",
                    rule="id_type",
                    message=f"endorser ids are {endorser.type} but endorsed ids are "
                    f"{endorsed.type}",
                )
            ]
        )
    n = len(endorser)
    if subjects is not None:
        if subjects.type != endorser.type:
            raise ValidationError(
                [
                    FieldError(
                        field="subjects",
                        rule="id_type",
                        message=f"subjects are {subjects.type} but endorsements name "
                        f"{endorser.type} ids",
                    )
                ]
            )
        if len(pc.unique(subjects)) != len(subjects):
            raise ValidationError(
                [FieldError(field="subjects", rule="unique", message="subject ids repeat")]
            )
        codes = lookup_ids(_concat(endorser, endorsed), subjects)
        return subjects, codes[:n], codes[n:]
    nodes, codes = encode_ids(_concat(endorser, endorsed))
    return nodes, codes[:n], codes[n:]


def _concat(first: pa.Array, second: pa.Array) -> pa.ChunkedArray:
    return pa.chunked_array([first, second])


def build_endorsement_graph(
    endorser_ids: IdArray,
    endorsed_ids: IdArray,
    occurred_at_us: Any,
    *,
    as_of_us: int,
    subjects: IdArray | None = None,
    mode: GraphMode = "mutual",
) -> EndorsementGraph:
    """Build the undirected subject graph from endorsement events as of ``as_of_us``.

    Parameters
    ----------
    endorser_ids, endorsed_ids:
        One row per endorsement event; string or integer ids (numpy, pyarrow or list),
        both of the same type.
    occurred_at_us:
        int64 microseconds since the epoch (UTC) of each event.
    as_of_us:
        Events after this time do not exist yet for this graph.
    subjects:
        The known subjects, in node order. Endorsements naming anyone else are
        dropped and counted. Without it, the nodes are the sorted ids named by events
        up to ``as_of_us``.
    mode:
        ``"mutual"`` (default): an edge needs both endorsements; ``"either"``: one is
        enough. See the module docstring for why mutual is the default.
    """
    if mode not in ("mutual", "either"):
        raise ValidationError(
            [FieldError(field="mode", rule="one_of", message="mode must be 'mutual' or 'either'")]
        )
    src = _as_arrow(endorser_ids, "endorser_id")
    dst = _as_arrow(endorsed_ids, "endorsed_id")
    times = _as_times(occurred_at_us)
    if not (len(src) == len(dst) == len(times)):
        raise ValidationError(
            [
                FieldError(
                    field="occurred_at_us",
                    rule="same_length",
                    message=f"endorser_id, endorsed_id and occurred_at_us have lengths "
                    f"{len(src)}, {len(dst)}, {len(times)}",
                )
            ]
        )
    known = _as_arrow(subjects, "subjects") if subjects is not None else None

    current = times <= np.int64(as_of_us)
    n_future = int(len(times) - np.count_nonzero(current))
    if n_future and known is None:
        # Ids seen only in future events must not exist yet: encode the present only.
        mask = pa.array(current)
        src, dst = src.filter(mask), dst.filter(mask)
        current = np.ones(len(src), dtype=bool)
    nodes, u, v = _encode(src, dst, known)
    u, v = u[current], v[current]
    n = len(nodes)

    unknown = (u < 0) | (v < 0)
    n_unknown = int(np.count_nonzero(unknown))
    u, v = u[~unknown], v[~unknown]
    loop = u == v
    n_self = int(np.count_nonzero(loop))
    u, v = u[~loop], v[~loop]

    directed, _ = sorted_unique(u * n + v)
    n_duplicate = len(u) - len(directed)
    a, b = np.divmod(directed, n)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair_keys, counts = sorted_unique(lo * n + hi)
    if mode == "mutual":
        keep = counts == 2
        n_unreciprocated = int(np.count_nonzero(~keep))
        pair_keys = pair_keys[keep]
    else:
        n_unreciprocated = 0
    lo, hi = np.divmod(pair_keys, n)
    adjacency = _symmetric_csr(lo, hi, n)
    dropped = DroppedEdges(
        future=n_future,
        self_endorsement=n_self,
        duplicate=int(n_duplicate),
        unknown_subject=n_unknown,
        unreciprocated=n_unreciprocated,
    )
    return EndorsementGraph(adjacency, nodes, int(as_of_us), mode, dropped)


def _symmetric_csr(lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64], n: int) -> sp.csr_array:
    """CSR with both directions of each (lo < hi) pair, sorted indices, int32 if it fits."""
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    index_dtype = np.int32 if max(n, len(rows)) < np.iinfo(np.int32).max else np.int64
    data = np.ones(len(rows), dtype=np.float64)
    coo = sp.coo_array((data, (rows.astype(index_dtype), cols.astype(index_dtype))), shape=(n, n))
    adjacency = sp.csr_array(coo.tocsr())  # counting sort, O(nnz)
    adjacency.sort_indices()
    return adjacency
