"""Canonical JSON and digests are frozen: stored hashes must still verify after any change.

The expected values were computed by the code that wrote the ledgers in use (before the
helpers were gathered into :mod:`glasscredit.canonical`); a different value here means
stored policy hashes, content hashes, audit rows or erasure keys no longer verify.
"""

from __future__ import annotations

import math
import re

import pytest

from glasscredit.canonical import (
    IDENTIFIER_RE,
    SUBJECT_RE,
    TYPE_NAME_RE,
    canonical_json,
    digest,
    field_digest,
    sha256_hex,
    stream_digest,
)
from glasscredit.policy import FeaturePoints, PointsTable, SpecialBin, content_hash, default_policy
from glasscredit.store._audit import (
    batch_digest,
    event_leaf,
    leaf_digest,
    row_hash,
    subject_hash,
)
from glasscredit.store._snapshots import _values_digest

DOC = {"b": [1, 2.5, None, True], "a": {"é": "ü", "z": 1e-7}, "c": "\x1f"}


def test_canonical_json_is_compact_sorted_and_ascii() -> None:
    assert canonical_json(DOC) == (
        '{"a":{"z":1e-07,"\\u00e9":"\\u00fc"},"b":[1,2.5,null,true],"c":"\\u001f"}'
    )
    assert digest(DOC) == "d8aa549d10bde431c8178ca16341136c74098f08e53cd72b030b9ba4708a5ffa"
    assert sha256_hex(canonical_json(DOC).encode()) == digest(DOC)
    with pytest.raises(ValueError):
        canonical_json({"x": math.nan})


def test_record_digests_are_the_stored_ones() -> None:
    assert (
        content_hash(
            "e-1", "alice", "bank", "payment.on_time", 1767225600000000, '{"amount":12.5,"ref":"é"}'
        )
        == "482c5fc659bf12307c5c261ff890a5d85d85aa8e4415c6eade521465f72a4b55"
    )
    assert (
        row_hash("0" * 64, 7, 1767225600000000, "cli", "ingest", None, '{"a":[1,2.5,"x"],"b":null}')
        == "f352d8e002c3edd3d76e705cfeb796c9094b3a559a85b50430a51ae60c89e36b"
    )
    assert (
        row_hash("ab" * 32, 8, 1, "op", "erase", "tag1", "{}")
        == "a7c9f73ea36e843815fb08d255a754fdbe20d2807a455ce6f8af61cbdfcce94d"
    )
    assert (
        event_leaf("e-1", "c" * 64)
        == "5dbd02639e65743c3f60280f9f8479bffaa9c7b348010b5a72b62e64947c9f28"
    )
    assert (
        batch_digest([("e-2", "d" * 64), ("e-1", "c" * 64)])
        == "1e6391ce40e01ea9c42cdd735da22d3cc8cc723a717825ed091a0896e8e21c4c"
    )
    assert (
        leaf_digest(["f" * 64, "0" * 64])
        == "e530649ae6437b6ef72d35479aa01e80f28fd11d75197a1cf29afb91a035c1f6"
    )
    assert (
        subject_hash("alice") == "a5d0b804d8709f9f84523ff86973e78a5143425b02cbb0a249d6466c8a85a904"
    )
    assert field_digest("a", None, 3) == sha256_hex("a\x1f\x1f3")
    assert (
        _values_digest({"b": 0.5, "a": 1.0, "c": 2 / 3, "é": 0.0})
        == "a43959de2f9a3d0bee03ddeb020673c1d5e302465e3e6f66d422983c6635abed"
    )
    assert stream_digest(["ab", b"c", ""]) == sha256_hex("abc")


def test_policy_and_points_table_hashes_are_digests_of_their_json() -> None:
    table = PointsTable(
        base=500,
        features={
            "b": FeaturePoints(
                edges=[0.5, 2.0],
                points=[-5, 0, 7],
                missing=-1,
                specials=[SpecialBin(values=[-999.0], points=3, label="n/a")],
            ),
            "a": FeaturePoints(kind="categorical", groups=[["x", "é"]], points=[4], other=-2),
        },
    )
    assert table.hash == "b560378e9c5632b9df4533d305d57b7066260f126f2b50b9916e3ba71a37b573"
    policy = default_policy()
    assert policy.hash == digest(policy.model_dump(mode="json", by_alias=True))


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (SUBJECT_RE, ["a", "A-1.b:c_d", "x" * 64], ["", "-a", "a/b", "x" * 65, "a b", "é"]),
        (IDENTIFIER_RE, ["e-1", "src/2026#7", "x" * 128], ["", "/e", "x" * 129, "a b"]),
        (TYPE_NAME_RE, ["payment.on_time", "kyc"], ["Payment", "a..b", "1a", "a."]),
    ],
)
def test_identifier_patterns(pattern: object, good: list[str], bad: list[str]) -> None:
    assert isinstance(pattern, re.Pattern)
    assert all(pattern.fullmatch(g) for g in good)
    assert not any(pattern.fullmatch(b) for b in bad)
