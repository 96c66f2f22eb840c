"""The columnar mirror checked against the database its rows are a copy of.

The mirror's manifest records each segment's sha256, but whoever can rewrite a segment
can rewrite its manifest entry too; the manifest proves nothing on its own. The
database's events are what the audit chain vouches for, so ``audit verify`` compares
each segment's rows, column by column, with the database's rows of the same ``seq``
range (read the way the mirror's sync reads them), after checking the file against its
recorded sha256. The first segment that differs is named, with the first differing
``seq``; ``sync`` rebuilds it only once it is found (see ``docs/audit.md``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl
import pyarrow as pa

from glasscredit.store._adapters import dialect_named
from glasscredit.store._columnar import EventFilter, read_event_batches
from glasscredit.store._mirror import EventMirror
from glasscredit.store._schemas import EVENT_COLUMNS, EVENT_SCHEMA

__all__ = ["mirror_problem"]


def _db_rows(mirror: EventMirror, lo: int, hi: int) -> pl.DataFrame:
    dialect = dialect_named(mirror.engine.dialect.name)
    tables = read_event_batches(mirror.engine, dialect, EventFilter(seq_range=(lo, hi)))
    df = pl.from_arrow(pa.concat_tables([EVENT_SCHEMA.empty_table(), *tables]))
    assert isinstance(df, pl.DataFrame)
    return df.select(EVENT_COLUMNS).sort("seq")


def _first_difference(got: pl.DataFrame, want: pl.DataFrame) -> str:
    if got.height != want.height:
        return f"holds {got.height} events, the database {want.height} in its seq range"
    both = got.with_row_index("i").join(want.with_row_index("i"), on="i", suffix="_db")
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_db")) for c in EVENT_COLUMNS])
    bad = both.filter(~same)
    return f"event seq {bad['seq_db'][0]} differs from the database (the segment was rewritten)"


def mirror_problem(mirror: EventMirror) -> tuple[str, str] | None:
    """The first segment that is missing, fails its sha256 or differs from the database:
    its file name and what is wrong (``None``: the mirror is a faithful copy)."""
    man: dict[str, Any] = mirror.manifest()
    for seg in man.get("segments", []):
        path = mirror.root / seg["file"]
        if not path.exists():
            return seg["file"], "the segment file is missing"
        with path.open("rb") as fh:
            if hashlib.file_digest(fh, "sha256").hexdigest() != seg["sha256"]:
                return seg["file"], "the file does not match its recorded sha256"
        got = pl.read_parquet(path, columns=list(EVENT_COLUMNS)).sort("seq")
        want = _db_rows(mirror, int(seg["min_seq"]), int(seg["max_seq"]))
        if not got.equals(want):
            return seg["file"], _first_difference(got, want)
    return None
