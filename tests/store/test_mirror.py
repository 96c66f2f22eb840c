"""The columnar mirror: equal to the events table after sync, self-repairing, purgeable."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from glasscredit.features import id_hashes, key_hashes
from glasscredit.policy import parse_timestamp
from glasscredit.rights import erase_subject
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from glasscredit.store._mirror import EventMirror
from tests.conftest import FakeClock
from tests.store._live import event

T = parse_timestamp("2026-09-01T00:00:00Z")


@pytest.fixture
def mirror(ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventMirror:
    """The ledger's mirror (PostgreSQL: a folder given by GLASSCREDIT_MIRROR_DIR)."""
    monkeypatch.setenv("GLASSCREDIT_MIRROR_DIR", str(tmp_path / "pg-mirror"))
    m = ledger.mirror
    assert m is not None
    return m


def _sql(ledger: Ledger) -> pl.DataFrame:
    df = pl.from_arrow(ledger.event_table())
    assert isinstance(df, pl.DataFrame)
    return df.sort("seq")


def _ingest(ledger: Ledger, n: int, start: int = 0, subject: str = "s1") -> None:
    ledger.ingest(
        [
            event(
                f"{subject}-{i}",
                subject=subject,
                occurred_at=f"2026-08-0{1 + i % 9}T{10 + i % 8}:00:00Z",  # live: days back
            )
            for i in range(start, start + n)
        ]
    ).check()


def test_sync_after_ingests_equals_the_table(ledger: Ledger, mirror: EventMirror) -> None:
    _ingest(ledger, 3)
    assert mirror.sync().appended == 3
    _ingest(ledger, 2, start=3, subject="s0")
    assert mirror.sync().appended == 2  # only seq > max_seq is read
    again = mirror.sync()
    assert (again.appended, again.rebuilt_segments, again.full_rebuild) == (0, 0, False)
    man = mirror.manifest()
    # two syncs that found rows -> two segments, 3 + 2 = 5 rows in all
    assert [s["rows"] for s in man["segments"]] == [3, 2] and man["total"] == 5
    assert mirror.scan().sort("seq").equals(_sql(ledger))
    # inside a segment rows are sorted by subject, time, seq
    seg = pl.read_parquet(mirror.files()[1])
    assert seg["subject"].to_list() == ["s0", "s0"]


def test_missing_or_edited_segment_is_rebuilt(ledger: Ledger, mirror: EventMirror) -> None:
    _ingest(ledger, 4)
    mirror.sync()
    path = mirror.files()[0]
    path.unlink()
    assert mirror.verify() == [path.name]
    assert mirror.sync().rebuilt_segments == 1
    assert mirror.scan().sort("seq").equals(_sql(ledger))
    # an edit: one row's subject changed and the file rewritten
    pl.read_parquet(path).with_columns(pl.lit("intruder").alias("subject")).write_parquet(path)
    assert mirror.verify() == [path.name]
    assert mirror.sync().rebuilt_segments == 1
    assert mirror.verify() == []
    assert mirror.scan()["subject"].unique().to_list() == ["s1"]


def test_purge_removes_a_subject(ledger: Ledger, mirror: EventMirror) -> None:
    _ingest(ledger, 2, subject="s1")
    _ingest(ledger, 3, subject="s2")
    mirror.sync()
    # s1 has 2 events: 5 - 2 = 3 rows stay, all s2's
    assert mirror.purge(["s1"]) == 2
    assert mirror.scan()["subject"].to_list() == ["s2"] * 3
    man = mirror.manifest()
    assert man["total"] == 3 and man["purges"][0]["events"] == 2
    assert "s1" not in (mirror.root / "manifest.json").read_text()
    # no tombstone appeared, so a plain sync trusts the counts; the database still holds
    # s1 (no erasure happened): a counting sync sees 5 != 3 and rebuilds
    assert not mirror.sync().full_rebuild
    assert mirror.sync(count=True).full_rebuild
    assert mirror.scan().sort("seq").equals(_sql(ledger))


def test_erasure_purges_the_mirror(ledger: Ledger, mirror: EventMirror, clock: FakeClock) -> None:
    _ingest(ledger, 2, subject="s1")
    _ingest(ledger, 1, subject="s2")
    mirror.sync()
    erase_subject(ledger, "s1", now_us=clock(), actor="dpo")
    assert mirror.scan()["subject"].to_list() == ["s2"]
    assert not mirror.sync().full_rebuild  # the purge kept the counts equal


def test_events_after_erasing_the_newest_reach_the_mirror(
    ledger: Ledger, mirror: EventMirror, clock: FakeClock
) -> None:
    """SQLite gives the erased top seqs to the next events: the mirror must still read them."""
    _ingest(ledger, 16, subject="s1")
    _ingest(ledger, 16, subject="s9")
    mirror.sync()
    erase_subject(ledger, "s9", now_us=clock(), actor="dpo")
    mirror.sync()
    _ingest(ledger, 16, subject="s8")
    mirror.sync()
    assert mirror.manifest()["total"] == 32
    assert mirror.scan().sort("seq").equals(_sql(ledger))
    assert mirror.scan(subjects_in=["s8"]).height == 16
    _ingest(ledger, 3, subject="s7")
    mirror.sync()
    assert mirror.scan().sort("seq").equals(_sql(ledger))
    assert not mirror.sync(count=True).full_rebuild  # the counts agree


def test_batch_scores_equal_with_and_without_the_mirror(
    ledger: Ledger, mirror: EventMirror
) -> None:
    for s in ("a", "b", "c"):
        _ingest(ledger, 5, subject=s)
    ledger.ingest([event("b-late", subject="b", type_="payment.late", days_late=40)]).check()

    def scores(use_mirror: bool) -> pl.DataFrame:
        sc = Scorer(ledger, use_mirror=use_mirror)
        chunks = list(sc.iter_chunks(T, chunk_subjects=2))
        return pl.concat([c.scored.frame.join(c.digests, on="subject") for c in chunks]).sort(
            "subject"
        )

    without = scores(False)
    assert mirror.manifest()["total"] == 0  # nothing has synced yet
    with_mirror = scores(True)
    assert mirror.manifest()["total"] == 16  # 3 subjects x 5 + 1 late payment
    assert with_mirror.equals(without)
    assert without.height == 3


def test_small_segments_are_compacted(ledger: Ledger, mirror: EventMirror) -> None:
    small = EventMirror(mirror.engine, mirror.root, max_segments=3)
    for i in range(4):
        _ingest(ledger, 2, start=2 * i)
        small.sync()
    # the 4th sync makes 4 segments > 3: the run of 4 small ones becomes 1 (3 merged away)
    man = small.manifest()
    assert [(s["min_seq"], s["max_seq"], s["rows"]) for s in man["segments"]] == [(1, 8, 8)]
    assert sorted(p.name for p in small.root.glob("*.parquet")) == [man["segments"][0]["file"]]
    assert small.scan().sort("seq").equals(_sql(ledger))
    assert small.verify() == []


def test_segments_carry_each_ids_hash_and_older_formats_are_rebuilt(
    ledger: Ledger, mirror: EventMirror
) -> None:
    _ingest(ledger, 5)
    mirror.sync()
    got = mirror.scan(with_id_hash=True).sort("seq")
    # the hash of each event's key, source + 0x1f + id (ids are per source)
    keys = (got["source"] + "\x1f" + got["event_id"]).to_list()
    assert got["id_hash"].to_list() == id_hashes(keys).tolist()
    assert got["id_hash"].to_list() == key_hashes(got).tolist()
    assert "id_hash" not in mirror.scan().columns  # the SQL reader's columns otherwise
    # a manifest of an older format (1: no id_hash; 2: another hash; 3: no known_at_us;
    # 4: the bare id's hash): sync rebuilds them
    for older in (1, 2, 3, 4):
        man = mirror.manifest()
        man["version"] = older
        (mirror.root / "manifest.json").write_text(json.dumps(man))
        assert mirror.sync().full_rebuild
        assert mirror.manifest()["version"] == 5
    assert mirror.scan(with_id_hash=True).sort("seq").equals(got)
