"""The endorsement graph builder: as-of time, consent, and bad input refused or neutral."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.trust import build_endorsement_graph

T0 = 1_700_000_000_000_000  # an instant, microseconds since the epoch


def edges_of(graph_ids: list[object], adjacency: object) -> set[tuple[object, object]]:
    """The undirected edges as a set of (smaller id, larger id) pairs."""
    coo = adjacency.tocoo()  # type: ignore[attr-defined]
    return {(graph_ids[i], graph_ids[j]) for i, j in zip(coo.row, coo.col, strict=True) if i < j}


def test_mutual_mode_keeps_only_reciprocated_pairs() -> None:
    # a<->b reciprocated, a->c one-sided: only a-b is an edge.
    g = build_endorsement_graph(["a", "b", "a"], ["b", "a", "c"], [T0, T0, T0], as_of_us=T0)
    ids = g.subject_ids.to_pylist()
    assert ids == ["a", "b", "c"]
    assert edges_of(ids, g.adjacency) == {("a", "b")}
    assert g.dropped.unreciprocated == 1
    assert g.degree.tolist() == [1, 1, 0]


def test_either_mode_keeps_one_sided_pairs_once() -> None:
    g = build_endorsement_graph(
        ["a", "b", "a"], ["b", "a", "c"], [T0, T0, T0], as_of_us=T0, mode="either"
    )
    ids = g.subject_ids.to_pylist()
    assert edges_of(ids, g.adjacency) == {("a", "b"), ("a", "c")}
    assert g.n_edges == 2
    assert g.dropped.unreciprocated == 0


def test_adjacency_is_symmetric_sorted_and_int32() -> None:
    g = build_endorsement_graph([3, 1, 2, 1], [1, 3, 1, 2], [T0] * 4, as_of_us=T0)
    a = g.adjacency
    assert (a != a.T).nnz == 0
    assert a.has_sorted_indices
    assert a.indices.dtype == np.int32
    assert g.subject_ids.to_pylist() == [1, 2, 3]  # sorted, not first-seen order


def test_events_after_as_of_do_not_count_and_their_ids_do_not_exist() -> None:
    # b->a happens one microsecond after as_of: a-b is not yet mutual; c, d exist only
    # in the future.
    g = build_endorsement_graph(
        ["a", "b", "c"], ["b", "a", "d"], [T0 - 5, T0 + 1, T0 + 9], as_of_us=T0
    )
    assert g.subject_ids.to_pylist() == ["a", "b"]
    assert g.n_edges == 0
    assert g.dropped.future == 2
    later = build_endorsement_graph(
        ["a", "b", "c"], ["b", "a", "d"], [T0 - 5, T0 + 1, T0 + 9], as_of_us=T0 + 1
    )
    assert later.n_edges == 1
    assert later.as_of_us == T0 + 1


def test_self_duplicate_and_unknown_are_dropped_and_counted() -> None:
    g = build_endorsement_graph(
        ["a", "b", "a", "a", "a", "x", "b"],
        ["b", "a", "a", "b", "b", "a", "y"],
        [T0] * 7,
        as_of_us=T0,
        subjects=["a", "b", "c"],
    )
    assert g.dropped.self_endorsement == 1  # a->a
    assert g.dropped.duplicate == 2  # a->b twice more
    assert g.dropped.unknown_subject == 2  # x->a, b->y
    assert g.n_edges == 1
    # nodes follow `subjects`, including c that nobody endorsed
    assert g.subject_ids.to_pylist() == ["a", "b", "c"]
    assert g.degree.tolist() == [1, 1, 0]


def test_pyarrow_dictionary_and_chunked_inputs_match_numpy() -> None:
    src = ["a", "b", "b", "c"]
    dst = ["b", "a", "c", "b"]
    t = np.full(4, T0, dtype=np.int64)
    plain = build_endorsement_graph(np.array(src), np.array(dst), t, as_of_us=T0)
    arrow = build_endorsement_graph(
        pa.chunked_array([pa.array(src[:2]), pa.array(src[2:])]),
        pa.array(dst).dictionary_encode(),
        pa.array(t),
        as_of_us=T0,
    )
    assert arrow.subject_ids.to_pylist() == plain.subject_ids.to_pylist()
    assert (arrow.adjacency != plain.adjacency).nnz == 0


def test_empty_input_gives_an_empty_graph() -> None:
    g = build_endorsement_graph(
        np.array([], dtype=np.int64),
        np.array([], dtype=np.int64),
        np.array([], dtype=np.int64),
        as_of_us=T0,
    )
    assert g.n_nodes == 0
    assert g.n_edges == 0


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"endorsed_ids": ["a"]}, "occurred_at_us", "same_length"),
        ({"occurred_at_us": [1.5, 2.5]}, "occurred_at_us", "int64_microseconds"),
        ({"endorser_ids": ["a", None]}, "endorser_id", "not_null"),
        ({"endorsed_ids": [1, 2]}, "endorsed_id", "id_type"),
        ({"endorser_ids": [1.0, 2.0]}, "endorser_id", "id_type"),
        ({"subjects": ["a", "a", "b"]}, "subjects", "unique"),
        ({"subjects": [1, 2]}, "subjects", "id_type"),
        ({"mode": "sometimes"}, "mode", "one_of"),
    ],
)
def test_bad_input_is_refused_with_field_and_rule(
    kwargs: dict[str, object], field: str, rule: str
) -> None:
    args: dict[str, object] = {
        "endorser_ids": ["a", "b"],
        "endorsed_ids": ["b", "a"],
        "occurred_at_us": [T0, T0],
        "as_of_us": T0,
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as info:
        build_endorsement_graph(**args)  # type: ignore[arg-type]
    assert [(e.field, e.rule) for e in info.value.errors] == [(field, rule)]
    assert field in str(info.value)


def test_index_of_refuses_unknown_ids() -> None:
    g = build_endorsement_graph(["a", "b"], ["b", "a"], [T0, T0], as_of_us=T0)
    assert g.index_of(["b", "a"]).tolist() == [1, 0]
    with pytest.raises(ValidationError, match="known_subject"):
        g.index_of(["zz"])
