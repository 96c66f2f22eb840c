"""A columnar mirror of the events table: append-only Parquet segments plus a manifest.

Reading 50M events back out of SQL costs minutes (SQLite renders every row as text), so
batch scoring reads a derived copy instead. The SQL tables stay the single source of
truth; the mirror is a cache that :meth:`EventMirror.sync` brings up to date:

* each segment holds a contiguous ``seq`` range, sorted by (subject, occurred_at_us,
  seq), so a subject-range scan skips most row groups by their statistics;
* the manifest (``manifest.json``) lists per segment its seq range, row count, size and
  sha256; columns are the policy-independent ``EVENT_SCHEMA`` (``attributes`` as JSON
  text), so the mirror never depends on a policy; plus ``id_hash``, the stable 64-bit
  hash of each event's key, source and id (the version-3 inputs digest's input),
  computed once here instead of at every rescoring; a mirror of an older format is
  rebuilt by the next sync;
* ``sync`` appends ``seq > max_seq`` as a new segment; when the number of erasure
  tombstones moved since the last sync (events leave the table only by erasure), it
  checks that the database holds as many events up to ``max_seq`` as the manifest says
  (an erasure not purged here, or a reused seq, shows as a difference: the mirror is
  rebuilt); it rebuilds any segment whose file is missing, whose size or mtime
  changed, or whose sha256 no longer matches the manifest (every segment is re-hashed
  before a batch reads it: a file edited with its size and mtime kept is not trusted);
  :meth:`EventMirror.verify` lists the files that differ;
* erasure calls :meth:`EventMirror.purge`, which rewrites the affected segments without
  the erased events and records the purge (subject hashes, never ids) in the manifest.

Writers are not locked against each other: two concurrent syncs write identical files
and the manifest is replaced atomically, so the loser's work is merely repeated.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Engine, text

from glasscredit.exceptions import LedgerError
from glasscredit.store._adapters import dialect_named
from glasscredit.store._audit import subject_hash
from glasscredit.store._columnar import EventFilter, read_event_batches
from glasscredit.store._idhash import ID_HASH, key_hashes
from glasscredit.store._schemas import EVENT_FRAME_SCHEMA, EVENT_SCHEMA

__all__ = ["EventMirror", "SyncReport"]

_MANIFEST = "manifest.json"
# 2: segments carry id_hash; 3: id_hash is XXH64; 4: known_at_us; 5: id_hash of source + id
_FORMAT = 5
_ORDER = ["subject", "occurred_at_us", "seq"]
_ROW_GROUP = 500_000
_SMALL_SEGMENT = 1_000_000  # rows; smaller adjacent segments are merged by compaction
_PL_SCHEMA = EVENT_FRAME_SCHEMA


@dataclass(slots=True)
class SyncReport:
    """What a sync did: rows appended, segments rebuilt, whether all was rebuilt."""

    appended: int = 0
    rebuilt_segments: int = 0
    full_rebuild: bool = False
    compacted: int = 0  # segments merged away


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class EventMirror:
    """The Parquet mirror of one ledger's ``events`` table, kept in ``root``."""

    def __init__(self, engine: Engine, root: Path, *, max_segments: int = 32) -> None:
        self.engine = engine
        self.root = Path(root)
        self.max_segments = max_segments  # beyond this, sync merges small segments

    # -- manifest -----------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        path = self.root / _MANIFEST
        if not path.exists():
            return {"version": _FORMAT, "max_seq": 0, "total": 0, "segments": [], "purges": []}
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def _save(self, man: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{_MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(man, indent=1, sort_keys=True))
        os.replace(tmp, self.root / _MANIFEST)

    def files(self) -> list[Path]:
        return [self.root / s["file"] for s in self.manifest()["segments"]]

    # -- writing ------------------------------------------------------------------
    def _write(self, df: pl.DataFrame, lo: int, hi: int) -> dict[str, Any]:
        """Write rows of seq ``lo..hi`` as one sorted segment; its manifest entry."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"seg-{lo:012d}-{hi:012d}.parquet"
        if ID_HASH not in df.columns:
            df = df.with_columns(pl.Series(ID_HASH, key_hashes(df)))
        path = self.root / name
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        df.sort(_ORDER).write_parquet(
            tmp, compression="lz4", statistics=True, row_group_size=_ROW_GROUP
        )
        os.replace(tmp, path)
        st = path.stat()
        return {
            "file": name,
            "min_seq": lo,
            "max_seq": hi,
            "rows": df.height,
            "bytes": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": _sha256(path),
        }

    def _read_sql(self, lo: int, hi: int | None) -> pl.DataFrame:
        dialect = dialect_named(self.engine.dialect.name)
        tables = list(read_event_batches(self.engine, dialect, EventFilter(seq_range=(lo, hi))))
        df = pl.from_arrow(pa.concat_tables([EVENT_SCHEMA.empty_table(), *tables]))
        assert isinstance(df, pl.DataFrame)
        return df

    def append(self, events: pa.Table | pl.DataFrame) -> None:
        """Adopt rows the caller vouches equal the database's (a bulk load's own data).

        Their seqs must all lie above the manifest's ``max_seq``; the next
        :meth:`sync` still checks the count against the database.
        """
        df = events if isinstance(events, pl.DataFrame) else pl.from_arrow(events)
        assert isinstance(df, pl.DataFrame)
        df = df.select([pl.col(n).cast(t) for n, t in _PL_SCHEMA.items()])
        if df.height == 0:
            return
        man = self.manifest()
        lo, hi = int(df["seq"].min()), int(df["seq"].max())  # type: ignore[arg-type]
        if lo <= man["max_seq"]:
            raise LedgerError(
                f"mirror append: seq {lo} is not above the mirror's max_seq "
                f"{man['max_seq']} (rule: segments hold new seq ranges only)"
            )
        man["segments"].append(self._write(df, lo, hi))
        man["max_seq"], man["total"] = hi, man["total"] + df.height
        self._save(man)

    def _db_count(self, max_seq: int) -> int:
        with self.engine.connect() as conn:
            n = conn.execute(
                text("SELECT count(*) FROM events WHERE seq <= :m"), {"m": max_seq}
            ).scalar_one()
        return int(n)

    def _db_max_seq(self) -> int:
        """The table's newest seq (one index lookup: spares the reader when none is new)."""
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM events")).scalar_one())

    def _tombstones(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM event_tombstones")).scalar_one())

    def sync(self, *, count: bool = False, rehash: bool = True) -> SyncReport:
        """Bring the mirror up to date with the database (see the module docstring).

        ``rehash``: check every segment's sha256 against the manifest (about a second
        per GB of segments) and rebuild those that differ from the database.

        Events leave the table only by erasure, which leaves a tombstone per event; so
        the table's count up to ``max_seq`` (a scan: seconds at 50M events) is checked
        when the tombstone count moved since the last sync, or when ``count`` is set.
        """
        report = SyncReport()
        man = self.manifest()
        tombs = self._tombstones()
        if man.get("version") != _FORMAT or (
            (count or tombs != man.get("tombstones", 0))
            and self._db_count(man["max_seq"]) != man["total"]
        ):
            for seg in man["segments"]:
                (self.root / seg["file"]).unlink(missing_ok=True)
            man = {**man, "version": _FORMAT, "max_seq": 0, "total": 0, "segments": []}
            report.full_rebuild = True
        db_max = self._db_max_seq()
        clamped = db_max < man["max_seq"] and self._clamp(man, db_max)
        for i, seg in enumerate(man["segments"]):
            path = self.root / seg["file"]
            st = path.stat() if path.exists() else None
            if (
                st is None
                or st.st_size != seg["bytes"]
                or st.st_mtime_ns != seg["mtime_ns"]
                or (rehash and _sha256(path) != seg["sha256"])
            ):
                man["segments"][i] = self._rebuild(seg)
                report.rebuilt_segments += 1
        new = (
            self._read_sql(man["max_seq"] + 1, None) if db_max > man["max_seq"] else pl.DataFrame()
        )
        if new.height:
            lo, hi = int(new["seq"].min()), int(new["seq"].max())  # type: ignore[arg-type]
            man["segments"].append(self._write(new, lo, hi))
            man["max_seq"], man["total"] = hi, man["total"] + new.height
            report.appended = new.height
        if len(man["segments"]) > self.max_segments:
            report.compacted = self._compact(man)
        if (
            report.appended
            or report.rebuilt_segments
            or report.full_rebuild
            or report.compacted
            or clamped
            or tombs != man.get("tombstones", 0)
            or not (self.root / _MANIFEST).exists()
        ):
            man["tombstones"] = tombs
            self._save(man)
        return report

    def _clamp(self, man: dict[str, Any], db_max: int) -> bool:
        """Claim seqs only up to the database's newest event (the newest were erased).

        SQLite gives an erased top seq again to the next event inserted, so a mirror that
        kept claiming the erased range would never read those events (``seq > max_seq``
        only). Segments wholly above ``db_max`` hold no rows after the erasure's purge.
        """
        kept = []
        for seg in man["segments"]:
            if seg["min_seq"] > db_max:
                (self.root / seg["file"]).unlink(missing_ok=True)
                man["total"] -= seg["rows"]
                continue
            kept.append({**seg, "max_seq": min(seg["max_seq"], db_max)})
        man["segments"], man["max_seq"] = kept, db_max
        return True

    def _compact(self, man: dict[str, Any]) -> int:
        """Merge runs of adjacent small segments into one; how many segments went.

        Every incremental sync adds a segment; a scan over thousands of small files
        would cost more than the rows. Merged segments keep a contiguous seq range.
        """
        runs: list[list[dict[str, Any]]] = [[]]
        for seg in man["segments"]:
            if seg["rows"] < _SMALL_SEGMENT:
                runs[-1].append(seg)
            elif runs[-1]:
                runs.append([])
        gone = 0
        for run in (r for r in runs if len(r) > 1):
            df = pl.concat([pl.read_parquet(self.root / seg["file"]) for seg in run])
            merged = self._write(df, run[0]["min_seq"], run[-1]["max_seq"])
            at = man["segments"].index(run[0])
            man["segments"][at : at + len(run)] = [merged]
            for seg in run:
                (self.root / seg["file"]).unlink(missing_ok=True)
            gone += len(run) - 1
        return gone

    def _rebuild(self, seg: dict[str, Any]) -> dict[str, Any]:
        df = self._read_sql(seg["min_seq"], seg["max_seq"])
        if df.height != seg["rows"]:
            raise LedgerError(
                f"mirror segment {seg['file']}: the database holds {df.height} "
                f"events of seq {seg['min_seq']}..{seg['max_seq']}, the "
                f"manifest {seg['rows']} (rule: run sync to rebuild all)"
            )
        return self._write(df, seg["min_seq"], seg["max_seq"])

    def verify(self) -> list[str]:
        """Segments whose file is missing or whose sha256 differs (re-hashes each file)."""
        bad = []
        for seg in self.manifest()["segments"]:
            path = self.root / seg["file"]
            if not path.exists() or _sha256(path) != seg["sha256"]:
                bad.append(seg["file"])
        return bad

    def purge(self, subjects: Collection[str], events: Collection[tuple[str, str]] = ()) -> int:
        """Rewrite segments without these subjects' events and these (source, event_id)
        events (ids are per source: another source's event with the same id stays)."""
        man = self.manifest()
        keys = pl.DataFrame(
            list(events), schema={"source": pl.String, "event_id": pl.String}, orient="row"
        )
        wanted = keys.select(pl.struct("*")).to_series().implode()
        named = pl.struct("source", "event_id").is_in(wanted)
        gone = pl.col("subject").is_in(list(subjects)) | named
        removed = 0
        for i, seg in enumerate(man["segments"]):
            path = self.root / seg["file"]
            if not path.exists():
                continue  # the next sync rebuilds it from the database, already purged
            df = pl.read_parquet(path)
            keep = df.filter(~gone)
            if keep.height == df.height:
                continue
            removed += df.height - keep.height
            man["segments"][i] = {**self._write(keep, seg["min_seq"], seg["max_seq"])}
        if removed:
            man["total"] -= removed
            man["purges"].append(
                {"subject_hashes": sorted(subject_hash(s) for s in subjects), "events": removed}
            )
            self._save(man)
        return removed

    # -- reading ------------------------------------------------------------------
    def scan(
        self,
        *,
        subject_range: tuple[str, str] | None = None,
        subjects_in: Collection[str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        with_id_hash: bool = False,
    ) -> pl.DataFrame:
        """Events as the SQL reader gives them (same columns, NULL attributes likewise).

        ``with_id_hash`` keeps the ``id_hash`` column (for the batch digest).
        """
        files = [str(p) for p in self.files()]
        if not files:
            df = pl.from_arrow(EVENT_SCHEMA.empty_table())
            assert isinstance(df, pl.DataFrame)
            return df
        lf = pl.scan_parquet(files)
        if not with_id_hash:
            lf = lf.drop(ID_HASH, strict=False)
        if subject_range is not None:
            lo, hi = subject_range
            lf = lf.filter((pl.col("subject") >= pl.lit(lo)) & (pl.col("subject") <= pl.lit(hi)))
        if subjects_in is not None:
            lf = lf.filter(pl.col("subject").is_in(list(subjects_in)))
        if recorded_by_us is not None:
            lf = lf.filter(pl.col("recorded_at_us") <= recorded_by_us)
        if attribute_types is not None:
            lf = lf.with_columns(
                pl.when(pl.col("type").is_in(sorted(attribute_types)))
                .then(pl.col("attributes"))
                .alias("attributes")
            )
        return lf.collect()
