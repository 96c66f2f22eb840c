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
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glasscredit.exceptions import FieldError, IngestFileError
from glasscredit.policy import Policy

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

    def __next__(self) -> tuple[int, Mapping[str, Any] | BrokenRow]:
        if self._rows is None:
            readers = {"jsonl": _read_jsonl, "json": _read_json, "parquet": _read_parquet}
            self._rows = (
                _read_csv(self.path, self.policy)
                if self.kind == "csv"
                else readers[self.kind](self.path)
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
    return EventFile(p, kind, policy)


def _read_jsonl(p: Path) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    with p.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            yield n, jsonl_row(raw, n)


def jsonl_row(raw: bytes, n: int) -> Mapping[str, Any] | BrokenRow:
    """One line of a JSON Lines file, decoded exactly as the exact path does."""
    line = raw.strip()
    if not line:
        return BrokenRow(FieldError("(row)", "empty", "empty line", n))
    try:
        rec = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        return BrokenRow(FieldError("(row)", "encoding", "not valid UTF-8", n))
    except (json.JSONDecodeError, ValueError) as exc:
        return BrokenRow(FieldError("(row)", "json", f"not valid JSON: {exc}", n))
    return (
        rec
        if isinstance(rec, Mapping)
        else BrokenRow(FieldError("(event)", "object", "an event must be a JSON object", n))
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_json(p: Path) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    try:
        data = json.loads(p.read_bytes().decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise IngestFileError(
            [FieldError("(file)", "json", f"not a valid JSON file: {exc}")]
        ) from exc
    if not isinstance(data, list):
        raise IngestFileError(
            [FieldError("(file)", "json_array", "a .json file must hold an array of events")]
        )
    for n, rec in enumerate(data, start=1):
        yield (
            n,
            rec
            if isinstance(rec, Mapping)
            else BrokenRow(FieldError("(event)", "object", "an event must be a JSON object", n)),
        )


def _coerce(text: str, type_: str) -> Any:
    if type_ == "integer":
        return int(text)
    if type_ == "number":
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
        fh = io.TextIOWrapper(p.open("rb"), encoding="utf-8", newline="")
        reader = csv.reader(fh)
        header = next(reader)
    except (UnicodeDecodeError, StopIteration, csv.Error) as exc:
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
            except (UnicodeDecodeError, csv.Error) as exc:
                yield n, BrokenRow(FieldError("(row)", "csv", f"unreadable row: {exc}", n))
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
                parsed = json.loads(v, parse_constant=_no_constant) if v else {}
            except (json.JSONDecodeError, ValueError) as exc:
                return BrokenRow(FieldError("attributes", "json", f"not valid JSON: {exc}", n))
            attrs.update(parsed if isinstance(parsed, dict) else {"(not an object)": parsed})
        elif v != "":
            rec[k] = v
    rec["attributes"] = attrs
    return rec


def _read_parquet(p: Path) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
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
            yield n, parquet_row(rec, n)


def parquet_row(rec: dict[str, Any], n: int) -> Mapping[str, Any] | BrokenRow:
    """One Parquet row as a raw event: attributes as a JSON string or a struct."""
    attrs = rec.get("attributes")
    if isinstance(attrs, str):
        try:
            rec["attributes"] = json.loads(attrs, parse_constant=_no_constant)
        except (json.JSONDecodeError, ValueError) as exc:
            return BrokenRow(FieldError("attributes", "json", f"not valid JSON: {exc}", n))
    elif isinstance(attrs, dict):
        rec["attributes"] = {k: v for k, v in attrs.items() if v is not None}
    ts = rec.get("occurred_at")
    if ts is not None and not isinstance(ts, str) and hasattr(ts, "isoformat"):
        rec["occurred_at"] = ts.isoformat()
    return rec
