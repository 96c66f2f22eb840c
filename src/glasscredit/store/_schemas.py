"""The shapes of the frames the store returns, declared once.

``EVENT_SCHEMA`` is the events table as every read path returns it (the columnar
reader, the mirror, one subject's read); ``EXCLUSION_SCHEMA`` the periods during which
an event does not count, as the feature kernel takes them.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_FRAME_SCHEMA",
    "EVENT_INSERT_COLUMNS",
    "EVENT_SCHEMA",
    "EXCLUSION_SCHEMA",
]

EVENT_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("event_id", pa.string()),
        ("subject", pa.string()),
        ("source", pa.string()),
        ("type", pa.string()),
        ("occurred_at_us", pa.int64()),
        ("recorded_at_us", pa.int64()),
        ("known_at_us", pa.int64()),
        ("attributes", pa.string()),
    ]
)
EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)
_POLARS_TYPES: dict[pa.DataType, pl.DataType] = {pa.int64(): pl.Int64(), pa.string(): pl.String()}
#: the same columns as polars types (derived: one declaration; mapped by hand, because
#: converting an Arrow table imports pandas, a quarter second at every start-up)
EVENT_FRAME_SCHEMA: dict[str, pl.DataType] = {f.name: _POLARS_TYPES[f.type] for f in EVENT_SCHEMA}
EXCLUSION_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "source": pl.String(),  # an event is (source, event_id): ids are per source
    "from_us": pl.Int64(),
    "until_us": pl.Int64(),
}
#: the columns ingest writes (``seq`` is the database's)
EVENT_INSERT_COLUMNS = (
    "event_id",
    "subject",
    "source",
    "type",
    "occurred_at_us",
    "recorded_at_us",
    "attributes",
    "content_hash",
    "batch",
    "known_at_us",
)
