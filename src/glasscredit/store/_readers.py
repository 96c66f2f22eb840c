"""Read event files (JSON Lines, JSON array, CSV, Parquet) into raw records, row by row.

A row that cannot be decoded is yielded as a :class:`BrokenRow` so ingest reports it
with its row number; only a file that cannot be opened at all raises
:class:`~glasscredit.exceptions.IngestFileError`. Rows are numbered from 1 (for CSV the
header is not a row).

:func:`read_events` returns an :class:`EventFile`: iterating it gives the rows one by
one (the exact path); ingest asks it for columnar pieces instead (the fast path of
:mod:`glasscredit.store._fastpath`), which yields the same rows with the same numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glasscredit.exceptions import FieldError, IngestFileError
from glasscredit.policy import Policy
from glasscredit.store._jsonrows import JsonRefusal, array_elements, load_json

__all__ = [
    "FORMATS",
    "BrokenRow",
    "EventFile",
    "detect_format",
    "jsonl_row",
    "parquet_row",
    "read_events",
]

FORMATS = ("jsonl", "json", "csv", "parquet")


@dataclass(frozen=True, slots=True)
class BrokenRow:
    """A row that could not be decoded; ingest reports it and moves on."""

    error: FieldError


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix in FORMATS:
        return suffix
    raise IngestFileError(
        [
            FieldError(
                "(file)",
                "format",
                f"cannot tell the format of {path.name}; use .jsonl, "
                ".json, .csv or .parquet, or pass the format",
            )
        ]
    )


class EventFile:
    """The rows of one event file: iterate for ``(row_number, record_or_broken)`` pairs.

    ``path`` and ``kind`` let ingest read the file column-wise instead (the fast path);
    both ways see the same rows under the same numbers.
    """

    def __init__(self, path: Path, kind: str, policy: Policy) -> None:
        self.path, self.kind, self.policy = path, kind, policy
        self._rows: Iterator[tuple[int, Mapping[str, Any] | BrokenRow]] | None = None

    def __iter__(self) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
        return self

    @property
    def max_line_bytes(self) -> int:
        return self.policy.ingest.max_line_bytes

    def __next__(self) -> tuple[int, Mapping[str, Any] | BrokenRow]:
        if self._rows is None:
            readers = {"jsonl": _read_jsonl, "json": _read_json, "parquet": _read_parquet}
            self._rows = (
                _read_csv(self.path, self.policy)
                if self.kind == "csv"
                else readers[self.kind](self.path, self.max_line_bytes)
            )
        return next(self._rows)


def read_events(path: str | Path, policy: Policy, fmt: str | None = None) -> EventFile:
    """The rows of ``path``; a file that does not exist or has no known format is an error."""
    p = Path(path)
    kind = fmt or detect_format(p)
    if kind not in FORMATS:
        raise IngestFileError([FieldError("(file)", "format", f"unknown format {kind!r}")])
    if not p.exists():
        raise IngestFileError([FieldError("(file)", "exists", f"{p} does not exist")])
    if not p.is_file():
        raise IngestFileError([FieldError("(file)", "file", f"{p} is not a file")])
    limit = policy.ingest.max_file_bytes
    if p.stat().st_size > limit:
        raise IngestFileError(
            [FieldError("(file)", "file_size", f"larger than {limit} bytes (max_file_bytes)")]
        )
    return EventFile(p, kind, policy)


def _read_jsonl(p: Path, max_line: int) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    with p.open("rb") as fh:
        n = 0
        while raw := fh.readline(max_line + 2):
            n += 1
            if len(raw) > max_line + 1 and not raw.endswith(b"\n"):
                while (more := fh.readline(1 << 20)) and not more.endswith(b"\n"):
                    pass  # the rest of an over-long line: skipped, never held whole
            yield n, jsonl_row(raw, n, max_line)


def jsonl_row(raw: bytes, n: int, max_line: int) -> Mapping[str, Any] | BrokenRow:
    """One line of a JSON Lines file, decoded exactly as the exact path does."""
    if len(raw.rstrip(b"\r\n")) > max_line:
        return BrokenRow(_line_too_long(n, max_line))
    line = raw.strip()
    if not line:
        return BrokenRow(FieldError("(row)", "empty", "empty line", n))
    try:
        rec = load_json(line.decode("utf-8"))
    except UnicodeDecodeError:
        return BrokenRow(FieldError("(row)", "encoding", "not valid UTF-8", n))
    except JsonRefusal as exc:
        return BrokenRow(FieldError("(row)", exc.rule, str(exc), n))
    return _event_object(rec, n)


def _line_too_long(n: int, max_line: int) -> FieldError:
    return FieldError("(row)", "line_size", f"longer than {max_line} bytes", n)


def _event_object(rec: Any, n: int) -> Mapping[str, Any] | BrokenRow:
    return (
        rec
        if isinstance(rec, Mapping)
        else BrokenRow(FieldError("(event)", "object", "an event must be a JSON object", n))
    )


def _read_json(p: Path, max_line: int) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    """A JSON array of events; one hostile element is refused alone, the rest go in."""
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestFileError(
            [FieldError("(file)", "encoding", f"not valid UTF-8: {exc}")]
        ) from exc
    try:
        data: Any = load_json(text)
    except JsonRefusal as exc:
        elements = array_elements(text) if exc.rule != "json" else None
        if elements is None:
            raise IngestFileError(
                [FieldError("(file)", exc.rule, f"not a valid JSON file: {exc}")]
            ) from exc
        for n, element in enumerate(elements, start=1):
            yield n, _json_element(element, n, max_line)
        return
    if not isinstance(data, list):
        raise IngestFileError(
            [FieldError("(file)", "json_array", "a .json file must hold an array of events")]
        )
    for n, rec in enumerate(data, start=1):
        yield n, _event_object(rec, n)


def _json_element(text: str, n: int, max_line: int) -> Mapping[str, Any] | BrokenRow:
    if len(text.encode()) > max_line:
        return BrokenRow(_line_too_long(n, max_line))
    try:
        return _event_object(load_json(text), n)
    except JsonRefusal as exc:
        return BrokenRow(FieldError("(row)", exc.rule, str(exc), n))


# ASCII digits only: int() and float() also read "１２" (fullwidth) and "1_2" as 12
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _coerce(text: str, type_: str) -> Any:
    if type_ == "integer":
        if not _INTEGER.fullmatch(text):
            raise ValueError("not an integer")
        return int(text)
    if type_ == "number":
        if not _NUMBER.fullmatch(text):
            raise ValueError("not a number")
        return float(text)
    if type_ == "boolean":
        low = text.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        raise ValueError("not a boolean")
    return text


def _read_csv(p: Path, policy: Policy) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    """CSV: ``attributes`` as a JSON column, or one ``attributes.NAME`` column each."""
    try:
        # utf-8-sig: a byte-order mark is not part of the first column's name;
        # surrogateescape: an invalid byte costs its own row (below), never its neighbours
        fh = io.TextIOWrapper(
            p.open("rb"), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
    except OSError as exc:
        raise IngestFileError([FieldError("(file)", "readable", str(exc))]) from exc
    try:
        reader = csv.reader(fh)
        header = next(reader)
        _utf8(header)
    except (UnicodeError, StopIteration, csv.Error) as exc:
        fh.close()
        raise IngestFileError(
            [FieldError("(file)", "csv_header", f"no readable CSV header: {exc}")]
        ) from exc
    n = 0
    with fh:
        while True:
            n += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield n, BrokenRow(FieldError("(row)", "csv", f"unreadable row: {exc}", n))
                continue
            try:
                _utf8(cells)
            except UnicodeError:
                yield n, BrokenRow(FieldError("(row)", "encoding", "not valid UTF-8", n))
                continue
            if len(cells) != len(header):
                yield (
                    n,
                    BrokenRow(
                        FieldError(
                            "(row)",
                            "csv_columns",
                            f"{len(cells)} cells for {len(header)} columns",
                            n,
                        )
                    ),
                )
                continue
            yield n, _csv_record(dict(zip(header, cells, strict=True)), policy, n)


def _utf8(cells: list[str]) -> None:
    """Raise if a cell holds an undecodable byte (kept as a lone surrogate)."""
    for cell in cells:
        cell.encode("utf-8")


def _csv_record(row: dict[str, str], policy: Policy, n: int) -> Mapping[str, Any] | BrokenRow:
    rec: dict[str, Any] = {}
    attrs: dict[str, Any] = {}
    etype = policy.event_types.get(row.get("type", ""))
    for k, v in row.items():
        if k.startswith("attributes."):
            if v == "":
                continue
            name = k.removeprefix("attributes.")
            spec = etype.attributes.get(name) if etype else None
            try:
                attrs[name] = _coerce(v, spec.type) if spec else v
            except ValueError:
                return BrokenRow(
                    FieldError(
                        f"attributes.{name}",
                        "type",
                        f"cannot read {v!r} as {spec.type if spec else ''}",
                        n,
                    )
                )
        elif k == "attributes":
            try:
                parsed = load_json(v) if v else {}
            except JsonRefusal as exc:
                return BrokenRow(FieldError("attributes", exc.rule, str(exc), n))
            attrs.update(parsed if isinstance(parsed, dict) else {"(not an object)": parsed})
        elif v != "":
            rec[k] = v
    rec["attributes"] = attrs
    return rec


def _read_parquet(p: Path, max_line: int) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise IngestFileError(
            [FieldError("(file)", "parquet", f"not a readable Parquet file: {exc}")]
        ) from exc
    n = 0
    for batch in pf.iter_batches(batch_size=65_536):
        for rec in batch.to_pylist():
            n += 1
            yield n, parquet_row(rec, n, max_line)


def parquet_row(rec: dict[str, Any], n: int, max_line: int) -> Mapping[str, Any] | BrokenRow:
    """One Parquet row as a raw event: attributes as a JSON string or a struct."""
    attrs = rec.get("attributes")
    if isinstance(attrs, str):
        if len(attrs.encode()) > max_line:
            too_long = f"longer than {max_line} bytes"
            return BrokenRow(FieldError("attributes", "line_size", too_long, n))
        try:
            rec["attributes"] = load_json(attrs)
        except JsonRefusal as exc:
            return BrokenRow(FieldError("attributes", exc.rule, str(exc), n))
    elif isinstance(attrs, dict):
        rec["attributes"] = {k: v for k, v in attrs.items() if v is not None}
    ts = rec.get("occurred_at")
    if ts is not None and not isinstance(ts, str) and hasattr(ts, "isoformat"):
        rec["occurred_at"] = ts.isoformat()
    return rec
