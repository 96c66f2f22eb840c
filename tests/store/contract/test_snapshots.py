"""SnapshotStore: append-only versions; a read takes the newest made by the time asked."""

from __future__ import annotations

import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.store import Ledger
from tests.conftest import FakeClock
from tests.store.contract.conftest import DAY, T0, fill


def test_versions_are_appended_never_replaced(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    v1 = ledger.snapshots.append("trust", T0, {"s1": 0.25, "s2": 1.0}, made_at_us=T0, actor="t")
    v2 = ledger.snapshots.append("trust", T0, {"s1": 0.75}, made_at_us=T0 + DAY, actor="t")
    v3 = ledger.snapshots.append("trust", T0 + DAY, {}, made_at_us=T0 + DAY, actor="t")
    assert v2.version > v1.version and (v2.n_values, v3.n_values) == (1, 0)
    assert ledger.snapshots.versions("trust") == [v1, v2, v3]
    assert ledger.snapshots.versions("reports") == []

    def read(as_of: int, made_by: int | None = None) -> dict[str, float] | None:
        got = ledger.snapshots.values("trust", as_of, made_by_us=made_by)
        return None if got is None else dict(got.iter_rows())

    assert read(T0 - 1) is None  # no snapshot as of then
    assert read(T0) == {"s1": 0.75}  # the newest version of the newest time
    assert read(T0, made_by=T0) == {"s1": 0.25, "s2": 1.0}  # as it was when made first
    assert read(T0, made_by=T0 - 1) is None  # nothing had been made yet
    assert read(T0 + DAY) == {}  # an empty snapshot is a snapshot: nobody has a value
    assert read(T0 + 5 * DAY, made_by=T0) == {"s1": 0.25, "s2": 1.0}
    only = ledger.snapshots.values("trust", T0, ["s2"], made_by_us=T0)
    assert only is not None and only.rows() == [("s2", 1.0)]
    # every version is vouched for by an audit row in the chain
    made = ledger.audit.entries(action="snapshot.trust")
    assert [e.details["version"] for e in made] == [v1.version, v2.version, v3.version]
    assert [e.at_us for e in made] == [T0, T0 + DAY, T0 + DAY]
    assert ledger.verify_audit().ok


def test_external_joins_each_kind_on_its_own(ledger: Ledger, clock: FakeClock) -> None:
    fill(ledger, clock)
    cols = [("trust", "trust"), ("corroborated_reports", "reports")]
    assert ledger.snapshots.external(cols, T0) is None
    ledger.snapshots.append("trust", T0, {"s1": 0.5, "s2": 0.1}, made_at_us=T0, actor="t")
    ledger.snapshots.append("reports", T0 + DAY, {"s2": 2.0}, made_at_us=T0 + DAY, actor="t")
    at_t0 = ledger.snapshots.external(cols, T0)
    assert at_t0 is not None and sorted(at_t0.rows()) == [("s1", 0.5), ("s2", 0.1)]
    later = ledger.snapshots.external(cols, T0 + DAY, ["s2", "s3"])
    assert later is not None and later.rows() == [("s2", 0.1, 2.0)]
    assert later.columns == ["subject", "trust", "corroborated_reports"]


def test_a_read_can_be_pinned_to_versions(ledger: Ledger, clock: FakeClock) -> None:
    """What a stored score pins: the version chosen now, read again later by its id."""
    fill(ledger, clock)
    cols = [("trust", "trust"), ("corroborated_reports", "reports")]
    assert ledger.snapshots.chosen("trust", T0) is None
    v1 = ledger.snapshots.append("trust", T0, {"s1": 0.5}, made_at_us=T0, actor="t")
    assert ledger.snapshots.chosen("trust", T0) == v1.version
    v2 = ledger.snapshots.append("trust", T0, {"s1": 0.9}, made_at_us=T0, actor="t")
    # the same instant: a read by time takes the newer, a pinned read the one it names
    assert ledger.snapshots.chosen("trust", T0, made_by_us=T0) == v2.version
    got = ledger.snapshots.values("trust", T0, version=v1.version)
    assert got is not None and got.rows() == [("s1", 0.5)]
    pinned = ledger.snapshots.external(cols, T0, versions={"trust": v1.version})
    assert pinned is not None and pinned.rows() == [("s1", 0.5)]
    assert ledger.snapshots.external(cols, T0, versions={}) is None  # pinned: no snapshot
    reader = ledger.subject_reader([], cols)
    try:
        one = reader.read("s1", T0, versions={"trust": v1.version})
        assert one.external is not None and one.external.rows() == [("s1", 0.5)]
        assert reader.read("s1", T0, versions={}).external is None
        now = reader.read("s1", T0).external
        assert now is not None and now.rows() == [("s1", 0.9)]
    finally:
        reader.close()


def test_unknown_kind_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="kind"):
        ledger.snapshots.append("gossip", T0, {"s1": 1.0}, made_at_us=T0, actor="t")
    with pytest.raises(ValidationError, match="kind"):
        ledger.snapshots.values("gossip", T0)
