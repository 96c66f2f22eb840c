"""Read event files column-wise: Arrow parses, polars checks, Python only explains.

A file is cut into pieces of whole lines (JSON Lines) or record batches (Parquet). Each
piece is parsed by Arrow into typed columns under the policy's schema and certified by
:class:`~glasscredit.policy._validate_columns.ColumnValidator`. Whatever Arrow and
Python might read differently takes the exact path row by row instead: a piece Arrow
refuses is halved until the refusal is cornered in a few lines; a piece with a JSON
``null`` (which Arrow cannot tell from an absent key), a blank line (which Arrow skips,
shifting row numbers), a byte-order mark or bytes that are not UTF-8 is never trusted to
Arrow at all. So every row gets the same outcome, message and number on both paths.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.json as pj

from glasscredit.exceptions import FieldError, IngestFileError
from glasscredit.policy._validate_columns import ColumnValidator
from glasscredit.store._readers import BrokenRow, EventFile, jsonl_row, parquet_row

__all__ = ["Piece", "iter_pieces", "row_pieces"]

BLOCK_BYTES = 8 << 20  # one JSON Lines piece: about 40,000 events
EXACT_LINES = 64  # a refused piece is halved down to this many lines, then read exactly
_BLANK_LINE = re.compile(rb"\n[ \t\r\x0b\x0c]*\n")  # searched in "\n" + block + "\n"
_UNTRUSTED = (b"null", b"\xef\xbb\xbf")


@dataclass(slots=True)
class Piece:
    """Consecutive rows of a file: certified events, and the rows for the exact path."""

    certified: pl.DataFrame | None = None
    exact: list[tuple[int, Mapping[str, Any] | BrokenRow]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.exact) + (self.certified.height if self.certified is not None else 0)


def iter_pieces(source: EventFile, validator: ColumnValidator) -> Iterator[Piece]:
    """The file's rows in pieces; formats without a columnar reader come row by row."""
    if validator.schema is not None and source.kind == "jsonl":
        yield from _jsonl_pieces(source, validator)
    elif validator.schema is not None and source.kind == "parquet":
        yield from _parquet_pieces(source, validator)
    else:
        yield from row_pieces(source, 50_000)


def row_pieces(
    records: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]], size: int
) -> Iterator[Piece]:
    """Numbered records in pieces of ``size`` rows, all for the exact path."""
    piece = Piece()
    for pair in records:
        piece.exact.append(pair)
        if len(piece.exact) >= size:
            yield piece
            piece = Piece()
    yield piece


def _jsonl_pieces(source: EventFile, validator: ColumnValidator) -> Iterator[Piece]:
    options = pj.ParseOptions(explicit_schema=validator.schema, unexpected_field_behavior="error")
    max_line = source.max_line_bytes
    before = 0  # lines before the current block
    rest = b""
    with source.path.open("rb") as fh:
        while True:
            data = fh.read(BLOCK_BYTES)
            if not data:
                if rest:  # a last line without a newline is still a row
                    yield from _jsonl_block(rest, before, validator, options, max_line)
                return
            buf = rest + data
            cut = buf.rfind(b"\n") + 1
            block, rest = buf[:cut], buf[cut:]
            if block:
                yield from _jsonl_block(block, before, validator, options, max_line)
                before += block.count(b"\n")


def _line_count(block: bytes) -> int:
    return block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


def _jsonl_block(
    block: bytes,
    before: int,
    validator: ColumnValidator,
    options: pj.ParseOptions,
    max_line: int,
) -> Iterator[Piece]:
    lines = _line_count(block)
    table = _parse_jsonl(block, lines, options, max_line)
    if table is None:
        if lines <= EXACT_LINES:
            yield Piece(
                exact=[
                    (before + i + 1, jsonl_row(raw, before + i + 1, max_line))
                    for i, raw in enumerate(block.split(b"\n")[:lines])
                ]
            )
            return
        mid = block.find(b"\n", len(block) // 2) + 1
        if mid == 0 or mid == len(block):
            mid = block.find(b"\n") + 1
        yield from _jsonl_block(block[:mid], before, validator, options, max_line)
        after = before + block[:mid].count(b"\n")
        yield from _jsonl_block(block[mid:], after, validator, options, max_line)
        return
    rows = np.arange(before + 1, before + lines + 1, dtype=np.int64)
    certified, others = validator.certify(table, rows)
    piece = Piece(certified=certified)
    if len(others):
        raw_lines = block.split(b"\n")
        piece.exact = [
            (int(rows[i]), jsonl_row(raw_lines[i], int(rows[i]), max_line)) for i in others
        ]
    yield piece


def _parse_jsonl(
    block: bytes, lines: int, options: pj.ParseOptions, max_line: int
) -> pa.Table | None:
    """Arrow's reading of ``block``, or ``None`` where it might differ from Python's."""
    if any(token in block for token in _UNTRUSTED) or _has_long_line(block, max_line):
        return None
    body = block[:-1] if block.endswith(b"\n") else block
    if _BLANK_LINE.search(b"\n" + body + b"\n"):
        return None
    try:
        block.decode("utf-8")  # Arrow does not check UTF-8; Python does
        table = pj.read_json(io.BytesIO(block), parse_options=options)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return table if table.num_rows == lines else None


def _has_long_line(block: bytes, max_line: int) -> bool:
    """Whether a line of ``block`` is longer than ``max_line`` (the exact path refuses it)."""
    if len(block) <= max_line:
        return False
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(block)]))
    return bool((stops - starts).max() > max_line)


def _parquet_pieces(source: EventFile, validator: ColumnValidator) -> Iterator[Piece]:
    import pyarrow.parquet as pq

    assert validator.schema is not None
    try:
        pf = pq.ParquetFile(source.path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise IngestFileError(
            [FieldError("(file)", "parquet", f"not a readable Parquet file: {exc}")]
        ) from exc
    names = [f.name for f in validator.schema]
    schema = pf.schema_arrow
    columnar = sorted(schema.names) == sorted(names) and all(
        schema.field(n).type in (pa.string(), pa.large_string()) for n in names
    )
    attr_schema = pa.schema(list(validator.schema.field("attributes").type))
    options = pj.ParseOptions(explicit_schema=attr_schema, unexpected_field_behavior="error")
    max_line = source.max_line_bytes
    n = 0
    for batch in pf.iter_batches(batch_size=65_536):
        rows = np.arange(n + 1, n + batch.num_rows + 1, dtype=np.int64)
        n += batch.num_rows
        table = _parquet_table(batch, names, options, max_line) if columnar else None
        if table is None:
            yield Piece(
                exact=[
                    (int(r), parquet_row(rec, int(r), max_line))
                    for r, rec in zip(rows, batch.to_pylist(), strict=True)
                ]
            )
            continue
        certified, others = validator.certify(table, rows)
        piece = Piece(certified=certified)
        if len(others):
            recs = batch.take(pa.array(others)).to_pylist()
            piece.exact = [
                (int(rows[i]), parquet_row(rec, int(rows[i]), max_line))
                for i, rec in zip(others, recs, strict=True)
            ]
        yield piece


def _parquet_table(
    batch: pa.RecordBatch, names: list[str], options: pj.ParseOptions, max_line: int
) -> pa.Table | None:
    """Top-level string columns as they are; the attributes JSON parsed by Arrow."""
    attrs = batch.column("attributes").cast(pa.string())
    if attrs.null_count:
        return None
    blob = "\n".join(attrs.to_pylist()).encode() + b"\n"
    # one attributes value per line, or nothing is trusted to Arrow
    if b"\r" in blob or blob.count(b"\n") != len(attrs):
        return None
    parsed = _parse_jsonl(blob, len(attrs), options, max_line)
    if parsed is None:
        return None
    parsed = parsed.combine_chunks()
    struct = pa.StructArray.from_arrays(
        [c.chunk(0) if c.num_chunks else pa.array([], c.type) for c in parsed.columns],
        names=parsed.column_names,
    )
    top = [n for n in names if n != "attributes"]
    return pa.Table.from_arrays(
        [*(batch.column(n).cast(pa.string()) for n in top), struct], names=[*top, "attributes"]
    )
