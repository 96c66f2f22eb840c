"""The one read path of the events table: filters in, Arrow tables of ``EVENT_SCHEMA`` out.

Every read of events for computation (the batch kernel, the mirror, trust's inputs, the
burst scan, one subject's read) is built here, from the same filters, into the same
columns. Building Arrow arrays from Python tuples costs a Python object per value, so
the database renders each row as one CSV line (SQLite: string concatenation in SQL;
PostgreSQL: ``COPY ... TO STDOUT``; see the adapters), and Arrow's multi-threaded CSV
reader turns the text into typed columns. ``event_id``, ``subject``, ``source`` and
``type`` are written unquoted: ingest admits only ids of ``A-Z a-z 0-9 . _ : / # -`` and
policy names, none of which needs quoting. ``attributes`` is quoted (JSON has commas
and quotes) and, when ``attribute_types`` is given, sent only for those event types
(NULL elsewhere): the feature kernel parses attributes only for the types whose
features read them, so the rest is never looked at.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Engine

from glasscredit.store._schemas import EVENT_SCHEMA

if TYPE_CHECKING:
    from glasscredit.store._dialect import Dialect

__all__ = [
    "EventFilter",
    "event_select",
    "event_sql_parts",
    "parse_event_csv",
    "read_event_batches",
]

_CONVERT = pacsv.ConvertOptions(
    column_types={f.name: f.type for f in EVENT_SCHEMA},
    strings_can_be_null=True,
    quoted_strings_can_be_null=False,
)
_MAX_SUBJECTS = 20_000
_READ = pacsv.ReadOptions(column_names=EVENT_SCHEMA.names, block_size=16 << 20)


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a read returns; every bound is inclusive, None means no bound.

    ``attribute_types`` limits which event types carry their ``attributes`` (the others
    carry NULL); ``types`` which event types are read at all.
    """

    subjects_in: Collection[str] | None = None
    subject_range: tuple[str, str] | None = None
    recorded_by_us: int | None = None
    occurred_from_us: int | None = None
    occurred_by_us: int | None = None
    types: Collection[str] | None = None
    attribute_types: Collection[str] | None = None
    seq_range: tuple[int, int | None] | None = None


def event_sql_parts(dialect: Dialect, f: EventFilter) -> tuple[str, str, dict[str, Any]]:
    """The attributes expression and WHERE clause (named parameters) for one read."""
    p = dialect.named
    params: dict[str, Any] = {}
    conds = []

    def in_list(column: str, prefix: str, values: Collection[str]) -> None:
        names = [f"{prefix}{i}" for i in range(len(values))]
        params.update(zip(names, values, strict=True))
        conds.append(f"{column} IN ({','.join(p(n) for n in names)})" if names else "1=0")

    if f.seq_range is not None:
        params["seq_lo"] = int(f.seq_range[0])
        conds.append(f"seq >= {p('seq_lo')}")
        if f.seq_range[1] is not None:
            params["seq_hi"] = int(f.seq_range[1])
            conds.append(f"seq <= {p('seq_hi')}")
    if f.subjects_in is not None:
        in_list("subject", "s", list(f.subjects_in))
    if f.subject_range is not None:
        params["lo"], params["hi"] = f.subject_range
        conds.append(f"subject BETWEEN {p('lo')} AND {p('hi')}")
    if f.recorded_by_us is not None:
        params["rec"] = int(f.recorded_by_us)
        conds.append(f"recorded_at_us <= {p('rec')}")
    if f.occurred_from_us is not None:
        params["occ_lo"] = int(f.occurred_from_us)
        conds.append(f"occurred_at_us >= {p('occ_lo')}")
    if f.occurred_by_us is not None:
        params["occ_hi"] = int(f.occurred_by_us)
        conds.append(f"occurred_at_us <= {p('occ_hi')}")
    if f.types is not None:
        in_list("type", "ty", sorted(f.types))
    attrs = "attributes"
    if f.attribute_types is not None:
        types = sorted(f.attribute_types)
        for i, t in enumerate(types):
            params[f"t{i}"] = t
        marks = ",".join(p(f"t{i}") for i in range(len(types)))
        attrs = f"CASE WHEN type IN ({marks}) THEN attributes END" if types else "NULL"
    return attrs, (" WHERE " + " AND ".join(conds)) if conds else "", params


def event_select(dialect: Dialect, f: EventFilter) -> tuple[str, dict[str, Any]]:
    """A plain ``SELECT`` of the events columns for ``f`` (rows as tuples) and its params."""
    attrs, where, params = event_sql_parts(dialect, f)
    cols = ", ".join(EVENT_SCHEMA.names[:-1])
    return f"SELECT {cols}, {attrs} FROM events{where}", params


def parse_event_csv(data: bytes) -> pa.Table:
    """Events rendered as CSV lines (the adapters' batch reads) as an Arrow table."""
    if not data:
        return EVENT_SCHEMA.empty_table()
    return pacsv.read_csv(pa.py_buffer(data), read_options=_READ, convert_options=_CONVERT)


def read_event_batches(
    engine: Engine, dialect: Dialect, f: EventFilter, *, rows_per_batch: int = 1_000_000
) -> Iterator[pa.Table]:
    """Events as Arrow tables of :data:`EVENT_SCHEMA`, in no particular order."""
    if f.subjects_in is not None and len(f.subjects_in) > _MAX_SUBJECTS:
        who = list(f.subjects_in)  # SQLite caps a statement's parameters at 32,766
        for i in range(0, len(who), _MAX_SUBJECTS):
            part = replace(f, subjects_in=who[i : i + _MAX_SUBJECTS])
            yield from read_event_batches(engine, dialect, part, rows_per_batch=rows_per_batch)
        return
    attrs, where, params = event_sql_parts(dialect, f)
    yield from dialect.event_batches(engine, attrs, where, params, rows_per_batch)
