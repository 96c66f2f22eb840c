"""The columnar mirror: a rewritten segment with a rewritten manifest entry is caught."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable

import polars as pl
import pytest

from glasscredit.policy import default_policy
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import NOW_US
from tests.rights._helpers import s1_events

Edit = Callable[[pl.DataFrame], pl.DataFrame]


def _rewrite_segment(ledger: Ledger, edit: Edit) -> None:
    """Rewrite the first segment and its manifest entry (sha256, size, mtime) to match."""
    mirror = ledger.mirror
    assert mirror is not None
    man = mirror.manifest()
    seg = man["segments"][0]
    path = mirror.root / seg["file"]
    edit(pl.read_parquet(path)).write_parquet(path)
    st = path.stat()
    seg.update(
        rows=pl.read_parquet(path).height,
        bytes=st.st_size,
        mtime_ns=st.st_mtime_ns,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    (mirror.root / "manifest.json").write_text(json.dumps(man))


EDITS: dict[str, tuple[Edit, str]] = {
    "negative event dropped": (
        lambda df: df.filter(pl.col("event_id") != "s1-default"),
        "holds",
    ),
    "attributes edited": (
        lambda df: df.with_columns(
            pl.when(pl.col("event_id") == "s1-late")
            .then(pl.col("attributes").str.replace("45", "1"))
            .otherwise(pl.col("attributes"))
            .alias("attributes")
        ),
        "differs from the database",
    ),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_rewritten_segment_is_found_by_audit_verify(sqlite_url: str, name: str) -> None:
    ledger = Ledger(sqlite_url, default_policy(), clock=lambda: NOW_US)
    try:
        load_history(ledger, s1_events("s1") + s1_events("s2"))
        assert ledger.mirror is not None
        ledger.mirror.sync()
        assert ledger.verify_audit().ok
        edit, says = EDITS[name]
        _rewrite_segment(ledger, edit)
        rep = ledger.verify_audit()
        assert not rep.ok and rep.table == "mirror"
        assert rep.problem.startswith("mirror segment seg-") and says in rep.problem
    finally:
        ledger.close()


def test_segment_edited_without_its_manifest_is_rebuilt(sqlite_url: str) -> None:
    ledger = Ledger(sqlite_url, default_policy(), clock=lambda: NOW_US)
    try:
        load_history(ledger, s1_events("s1"))
        assert ledger.mirror is not None
        ledger.mirror.sync()
        path = ledger.mirror.files()[0]
        pl.read_parquet(path).head(3).write_parquet(path)
        # its size and time changed: verify's sync rebuilds it, then checks it
        rep = ledger.verify_audit()
        assert rep.ok and pl.read_parquet(path).height == 16
    finally:
        ledger.close()


def test_a_segment_edited_with_its_size_and_time_kept_is_rebuilt_before_a_read(
    sqlite_url: str,
) -> None:
    """The edit a careful forger makes to fool a size-and-mtime check: same length, the
    old mtime put back. The read path re-hashes every segment and rebuilds it."""
    ledger = Ledger(sqlite_url, default_policy(), clock=lambda: NOW_US)
    try:
        load_history(ledger, s1_events("s1"))
        mirror = ledger.mirror
        assert mirror is not None
        mirror.sync()
        path = mirror.files()[0]
        st = path.stat()
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF  # one byte flipped inside the data pages
        path.write_bytes(bytes(data))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
        assert mirror.verify() == [path.name]
        report = mirror.sync()
        assert report.rebuilt_segments == 1 and mirror.verify() == []
        assert mirror.scan().height == 16
        # the size-and-mtime check alone would have kept it
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        st = path.stat()
        path.write_bytes(bytes(data))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert mirror.sync(rehash=False).rebuilt_segments == 0
        assert mirror.verify() == [path.name]
    finally:
        ledger.close()
