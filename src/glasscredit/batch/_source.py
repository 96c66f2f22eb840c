"""Where a batch run's events come from: Parquet files with the ledger's event columns.

The ledger's columnar mirror (its segments, each sorted by subject) or an operator's
lake: any folder of Parquet files, partitioned by day, by subject hash or not at all
(``key=value`` folders are read as Hive partitions). Every file must hold the event
columns the ledger stores; the rows are taken as the ledger's own (same ids, same
content), which is what a mirror or an export of the ledger is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from glasscredit.batch._inputs import erasure_filter
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.features import ID_HASH
from glasscredit.policy import Policy
from glasscredit.store import EVENT_SCHEMA

__all__ = ["EVENT_COLUMNS", "EventSource", "event_source", "scan_events"]

# the ledger's event columns (store.EVENT_SCHEMA) as polars types
EVENT_COLUMNS: dict[str, type[pl.DataType]] = {
    f.name: pl.Int64 if f.type == pa.int64() else pl.String for f in EVENT_SCHEMA
}


@dataclass(frozen=True, slots=True)
class EventSource:
    """The Parquet files of one event source and the folder their partitions hang from."""

    base: Path
    files: tuple[Path, ...]
    has_id_hash: bool

    @property
    def rows(self) -> int:
        """Rows in all files, from their footers (no data read)."""
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files)


def event_source(path: str | Path) -> EventSource:
    """The event files at ``path`` (a Parquet file or a folder of them, recursively).

    Refuses a path with no Parquet file, or files that lack an event column, naming
    the columns.
    """
    p = Path(path)
    files = (p,) if p.is_file() else tuple(sorted(p.rglob("*.parquet"))) if p.is_dir() else ()
    if not files:
        raise ValidationError(
            [FieldError("--events", "parquet", f"{str(p)!r} holds no Parquet file")]
        )
    schema = pq.read_schema(files[0])
    hive = {
        part.split("=", 1)[0]
        for f in files[:1]
        for part in f.relative_to(p).parts[:-1]
        if p.is_dir() and "=" in part
    }
    missing = [c for c in EVENT_COLUMNS if c not in schema.names and c not in hive]
    if missing:
        raise ValidationError(
            [
                FieldError(
                    "--events",
                    "event_columns",
                    f"{files[0]} lacks the event column(s) {missing}: the events must "
                    f"carry the ledger's columns {list(EVENT_COLUMNS)}",
                )
            ]
        )
    return EventSource(p if p.is_dir() else p.parent, files, ID_HASH in schema.names)


def scan_events(
    source: EventSource, policy: Policy, as_of_us: int, erased: frozenset[str]
) -> pl.LazyFrame:
    """The source's events recorded by ``as_of_us`` that name no erased subject.

    The mirror's stored ``id_hash`` rides along when present (the kernel computes it
    otherwise, with the same values).
    """
    lf = pl.scan_parquet([str(f) for f in source.files], hive_partitioning=True)
    cols = [pl.col(c).cast(t) for c, t in EVENT_COLUMNS.items()]
    if source.has_id_hash:
        cols.append(pl.col(ID_HASH))
    lf = lf.select(cols).filter(pl.col("recorded_at_us") <= as_of_us)
    keep = erasure_filter(policy, erased)
    return lf if keep is None else lf.filter(keep)
