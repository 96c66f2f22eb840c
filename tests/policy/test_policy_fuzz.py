"""Mutated policy files: the loader returns a usable policy or a PolicyError, never anything else.

A policy that loads must also work: its hash, its JSON form, an event validator and a
feature pass over a few events all run without an exception.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasscredit.exceptions import PolicyError
from glasscredit.features import compute_features
from glasscredit.policy import EventValidator, Policy, default_policy, policy_from_dict
from glasscredit.policy._yaml import parse_policy_bytes
from glasscredit.store import EVENT_SCHEMA

DEFAULT_YAML = resources.files("glasscredit.policy").joinpath("default.yaml").read_bytes()
DEFAULT: dict[str, Any] = default_policy().model_dump(mode="json", by_alias=True)
T = 1_780_000_000_000_000
_ATTRS = {"amount": 20, "days_late": 3, "level": 2, "asset": "bike", "kind": "rent"}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(DEFAULT)
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["forever", "-5d", "0d", "999999999y", "5min", "1d", "", " ", "religion"]),
    st.sampled_from(["religіon", "relıgion", "ｒｅｌｉｇｉｏｎ", "a\u200bb", "x" * 300, "\x00"]),
    st.text(max_size=12),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


def _exercise(policy: Policy) -> None:
    """Everything a loaded policy is used for first: none of it may raise."""
    assert len(policy.hash) == 64
    json.loads(policy.to_json())
    validator = EventValidator(policy, T)
    rows = []
    for i, (t, spec) in enumerate(policy.event_types.items()):
        attrs = {k: v for k, v in _ATTRS.items() if k in spec.attributes}
        source = next((s for s, src in policy.sources.items() if t in src.types), "bank")
        raw = {
            "event_id": f"e{i}",
            "subject": "s1",
            "source": source,
            "type": t,
            "occurred_at": "2026-05-01T00:00:00Z",
            "attributes": attrs,
        }
        validator.validate(raw)
        at = T - 10**12
        values = (i, f"e{i}", "s1", source, t, at, at, at, json.dumps(attrs))
        rows.append(dict(zip(EVENT_SCHEMA.names, values, strict=True)))
    for t in policy.event_types:
        policy.retention_us(t)
    features = compute_features(pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), policy, T)
    if policy.points is not None:
        for row in features.frame.iter_rows(named=True):
            policy.points.score_row(row)


def _set(data: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    for p in path[:-1]:
        data = data[p]
    if delete and isinstance(data, dict):
        del data[path[-1]]
    else:
        data[path[-1]] = value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE, st.booleans()), min_size=1, max_size=3))
def test_mutated_documents_load_or_are_refused(mutations: list[Any]) -> None:
    data = copy.deepcopy(DEFAULT)
    for path, value, delete in mutations:
        try:
            _set(data, path, value, delete)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    try:
        policy = policy_from_dict(data)
    except PolicyError:
        return
    _exercise(policy)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(DEFAULT_YAML)),
            st.integers(min_value=0, max_value=40),
            st.binary(max_size=8) | st.sampled_from([b"&a ", b"*a", b"\n  ", b"[", b"{", b"\xff"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_files_load_or_are_refused(edits: list[tuple[int, int, bytes]]) -> None:
    data = DEFAULT_YAML
    for at, cut, insert in edits:
        data = data[:at] + insert + data[at + cut :]
    try:
        policy = policy_from_dict(parse_policy_bytes(data))
    except PolicyError:
        return
    _exercise(policy)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=DEFAULT_YAML.count(b"\n") - 1))
def test_any_line_repeated_is_refused_or_harmless(line: int) -> None:
    """A repeated line duplicates a key (refused, named) or repeats a list item."""
    lines = DEFAULT_YAML.split(b"\n")
    data = b"\n".join([*lines[: line + 1], lines[line], *lines[line + 1 :]])
    try:
        policy = policy_from_dict(parse_policy_bytes(data))
    except PolicyError as exc:
        assert exc.errors and all(e.rule and e.field for e in exc.errors)
        return
    _exercise(policy)
