"""Columnar reads of the events table: the database writes text, Arrow parses it.

Building Arrow arrays from Python tuples costs a Python object per value; most of a batch
read went there. Here the database renders each row as one CSV line (SQLite: string
concatenation in SQL; PostgreSQL: ``COPY ... TO STDOUT``), and Arrow's multi-threaded
CSV reader turns the text into typed columns. ``event_id``, ``subject``, ``source`` and
``type`` are written unquoted: ingest admits only ids of ``A-Z a-z 0-9 . _ : / # -`` and
policy names, none of which needs quoting. ``attributes`` is quoted (JSON has commas and
quotes) and, when ``attribute_types`` is given, sent only for those event types (NULL
elsewhere): the feature kernel parses attributes only for the types whose features read
them, so the rest is never looked at.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Engine

__all__ = ["EVENT_SCHEMA", "read_event_batches"]

EVENT_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("event_id", pa.string()),
        ("subject", pa.string()),
        ("source", pa.string()),
        ("type", pa.string()),
        ("occurred_at_us", pa.int64()),
        ("recorded_at_us", pa.int64()),
        ("attributes", pa.string()),
    ]
)
_CONVERT = pacsv.ConvertOptions(
    column_types={f.name: f.type for f in EVENT_SCHEMA},
    strings_can_be_null=True,
    quoted_strings_can_be_null=False,
)
_MAX_SUBJECTS = 20_000
_READ = pacsv.ReadOptions(column_names=EVENT_SCHEMA.names, block_size=16 << 20)


def _where(
    dialect: str,
    subjects_in: Collection[str] | None,
    subject_range: tuple[str, str] | None,
    recorded_by_us: int | None,
    attribute_types: Collection[str] | None,
    seq_range: tuple[int, int | None] | None = None,
) -> tuple[str, str, dict[str, Any]]:
    """The attributes expression and WHERE clause (named parameters) for one read."""
    params: dict[str, Any] = {}
    conds = []
    if seq_range is not None:
        params["seq_lo"] = int(seq_range[0])
        conds.append("seq >= :seq_lo" if dialect == "sqlite" else "seq >= %(seq_lo)s")
        if seq_range[1] is not None:
            params["seq_hi"] = int(seq_range[1])
            conds.append("seq <= :seq_hi" if dialect == "sqlite" else "seq <= %(seq_hi)s")
    if subjects_in is not None:
        names = [f"s{i}" for i in range(len(subjects_in))]
        params.update(zip(names, subjects_in, strict=True))
        marks = ",".join(f":{n}" if dialect == "sqlite" else f"%({n})s" for n in names)
        conds.append(f"subject IN ({marks})" if names else "1=0")
    if subject_range is not None:
        params["lo"], params["hi"] = subject_range
        conds.append(
            "subject BETWEEN :lo AND :hi"
            if dialect == "sqlite"
            else "subject BETWEEN %(lo)s AND %(hi)s"
        )
    if recorded_by_us is not None:
        params["rec"] = int(recorded_by_us)
        conds.append(
            "recorded_at_us <= :rec" if dialect == "sqlite" else "recorded_at_us <= %(rec)s"
        )
    attrs = "attributes"
    if attribute_types is not None:
        types = sorted(attribute_types)
        for i, t in enumerate(types):
            params[f"t{i}"] = t
        marks = ",".join(
            f":t{i}" if dialect == "sqlite" else f"%(t{i})s" for i in range(len(types))
        )
        attrs = f"CASE WHEN type IN ({marks}) THEN attributes END" if types else "NULL"
    return attrs, (" WHERE " + " AND ".join(conds)) if conds else "", params


def _parse(data: bytes) -> pa.Table:
    if not data:
        return EVENT_SCHEMA.empty_table()
    return pacsv.read_csv(pa.py_buffer(data), read_options=_READ, convert_options=_CONVERT)


def _sqlite_batches(
    engine: Engine, attrs: str, where: str, params: dict[str, Any], rows_per_batch: int
) -> Iterator[pa.Table]:
    quoted = f"""coalesce('"' || replace({attrs}, '"', '""') || '"', '')"""
    sql = (
        "SELECT seq || ',' || event_id || ',' || subject || ',' || source || ',' || type"
        " || ',' || occurred_at_us || ',' || recorded_at_us || ',' || "
        + quoted
        + " FROM events"
        + where
    )
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        try:
            cur.execute(sql, params)
            while rows := cur.fetchmany(rows_per_batch):
                yield _parse("\n".join([r[0] for r in rows]).encode())
        finally:
            cur.close()
    finally:
        raw.close()


def _postgres_batches(
    engine: Engine, attrs: str, where: str, params: dict[str, Any], bytes_per_batch: int
) -> Iterator[pa.Table]:
    sql = (
        "COPY (SELECT seq, event_id, subject, source, type, occurred_at_us, "
        f"recorded_at_us, {attrs} FROM events{where}) TO STDOUT WITH (FORMAT csv)"
    )
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        try:
            buf: list[bytes] = []
            held = 0
            pending = b""
            with cur.copy(sql, params) as copy:
                for block in copy:
                    buf.append(bytes(block))
                    held += len(block)
                    if held >= bytes_per_batch:
                        data = pending + b"".join(buf)
                        cut = data.rfind(b"\n") + 1  # whole lines only
                        yield _parse(data[:cut])
                        pending, buf, held = data[cut:], [], 0
            rest = pending + b"".join(buf)
            if rest:
                yield _parse(rest)
        finally:
            cur.close()
    finally:
        raw.close()


def read_event_batches(
    engine: Engine,
    *,
    subjects_in: Collection[str] | None = None,
    subject_range: tuple[str, str] | None = None,
    recorded_by_us: int | None = None,
    attribute_types: Collection[str] | None = None,
    rows_per_batch: int = 1_000_000,
    seq_range: tuple[int, int | None] | None = None,
) -> Iterator[pa.Table]:
    """Events as Arrow tables of :data:`EVENT_SCHEMA`, in no particular order.

    ``subject_range`` and ``seq_range`` are inclusive at both ends (``seq_range``'s upper
    end may be None: no bound); ``attribute_types`` limits which event types carry
    their ``attributes`` (the others carry NULL).
    """
    dialect = engine.dialect.name
    if subjects_in is not None and len(subjects_in) > _MAX_SUBJECTS:
        who = list(subjects_in)  # SQLite caps a statement's parameters at 32,766
        for i in range(0, len(who), _MAX_SUBJECTS):
            yield from read_event_batches(
                engine,
                subjects_in=who[i : i + _MAX_SUBJECTS],
                subject_range=subject_range,
                recorded_by_us=recorded_by_us,
                attribute_types=attribute_types,
                rows_per_batch=rows_per_batch,
                seq_range=seq_range,
            )
        return
    attrs, where, params = _where(
        dialect, subjects_in, subject_range, recorded_by_us, attribute_types, seq_range
    )
    if dialect == "sqlite":
        yield from _sqlite_batches(engine, attrs, where, params, rows_per_batch)
    else:
        yield from _postgres_batches(engine, attrs, where, params, rows_per_batch * 100)
