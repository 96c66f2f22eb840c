"""Certify whole columns of events at once: the fast path of file ingest.

:class:`ColumnValidator` never explains a refusal. It only *certifies* the rows it can
prove valid under exactly the rules of :class:`~glasscredit.policy.EventValidator`, and
computes their canonical attributes and content hash; every other row is handed back to
the per-event validator, which accepts it or names each broken rule. So refusal
messages have one source, and the fast path can only be conservative, never different:
a row it is unsure about (an unusual timestamp form, a tiny float, a trailing newline in
an id) simply takes the exact path. ``tests/store/test_properties.py`` checks that
both paths give the same report on generated good and bad input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import reduce

import numpy as np
import polars as pl
import polars_hash as plh
import pyarrow as pa

from glasscredit.canonical import IDENTIFIER_PATTERN, SUBJECT_PATTERN
from glasscredit.policy._clocks import BackfillWindow
from glasscredit.policy._durations import parse_duration, parse_timestamp
from glasscredit.policy._events import MAX_ABS_INTEGER, MAX_ABS_NUMBER, AttributeSpec
from glasscredit.policy._policy import Policy

__all__ = ["CERTIFIED_COLUMNS", "ColumnValidator"]

# the columns of a certified frame, in the order the ledger stores them
CERTIFIED_COLUMNS = (
    "row",
    "event_id",
    "subject",
    "source",
    "type",
    "occurred_at_us",
    "attributes",
    "content_hash",
)
_TOP = ("event_id", "subject", "source", "type", "occurred_at")
# the patterns of _validate/_events, anchored at the very end (Python's ``$`` also
# accepts a trailing newline; such rows take the exact path) and ASCII-only
_EVENT_ID = IDENTIFIER_PATTERN
_SUBJECT = SUBJECT_PATTERN
_REFERENCE = IDENTIFIER_PATTERN
# the one timestamp form certified here (whole seconds, UTC); others take the exact path
_TIMESTAMP = (
    r"^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
    r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"
)
_ARROW_TYPES = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "enum": pa.string(),
    "subject": pa.string(),
    "reference": pa.string(),
}
# below this magnitude Python writes floats in exponent form; such rows take the exact path
_SMALLEST_POSITIONAL = 1e-4


@dataclass(frozen=True, slots=True)
class _Attribute:
    name: str
    arrow: pa.DataType
    kind: str  # the attribute type shared by every event type that declares the name
    specs: tuple[tuple[AttributeSpec, tuple[str, ...]], ...]  # spec -> event types
    declared_in: tuple[str, ...]
    required_in: tuple[str, ...]


class ColumnValidator:
    """Column-wise twin of :class:`~glasscredit.policy.EventValidator` (certify only).

    ``schema`` is the Arrow schema raw events are read into; it is ``None`` when the
    policy gives one attribute name two different types, and then every row takes the
    exact path.
    """

    def __init__(self, policy: Policy, now_us: int, backfill: BackfillWindow | None = None) -> None:
        self.latest_us = now_us + parse_duration(policy.ingest.clock_skew)
        self.earliest_us = parse_timestamp(policy.ingest.earliest)
        self.backfill = backfill
        # per "source\x1ftype": the earliest date it may carry (the backdating bound)
        self.oldest = {
            f"{s}\x1f{t}": now_us - bound for (s, t), bound in policy.backdate_bounds_us().items()
        }
        self.max_bytes = policy.ingest.max_attributes_bytes
        self.pairs = [f"{s}\x1f{t}" for s, spec in policy.sources.items() for t in spec.types]
        self.types = list(policy.event_types)
        self.sources = list(policy.sources)
        self.attributes = _attributes(policy)
        self.schema: pa.Schema | None = None
        if self.attributes is not None:
            struct = pa.struct([(a.name, a.arrow) for a in self.attributes])
            self.schema = pa.schema(
                [*((name, pa.string()) for name in _TOP), ("attributes", struct)]
            )

    def certify(self, table: pa.Table, rows: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
        """Split ``table`` (read with :attr:`schema`) into certified events and the rest.

        Returns the certified frame (:data:`CERTIFIED_COLUMNS`) and the positions in
        ``table`` of the rows that must take the exact path.
        """
        assert self.attributes is not None
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        attrs_missing = table.column("attributes").is_null()
        df = (
            df.with_columns(
                pl.col("attributes").struct.rename_fields([_col(a.name) for a in self.attributes])
            )
            .unnest("attributes")
            .with_columns(
                row=pl.Series(rows, dtype=pl.Int64),
                _pos=pl.int_range(pl.len(), dtype=pl.Int64),
                _attrs_missing=pl.Series(attrs_missing.to_numpy(zero_copy_only=False)),
            )
        )
        mask = df.select(self._ok(df)).to_series().to_numpy()
        good = self._canonical(df.filter(pl.Series(mask)))
        keep = np.zeros(df.height, dtype=bool)
        keep[good.get_column("_pos").to_numpy()] = True
        return good.drop("_pos"), np.flatnonzero(~keep)

    def _ok(self, df: pl.DataFrame) -> pl.Expr:
        assert self.attributes is not None
        c = pl.col
        stamp = (
            c("occurred_at")
            .str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%SZ", strict=False)
            .dt.epoch("us")
        )
        checks = [
            c("event_id").str.contains(_EVENT_ID),
            c("subject").str.contains(_SUBJECT),
            c("source").is_in(self.sources),
            c("type").is_in(self.types),
            pl.concat_str([c("source"), pl.lit("\x1f"), c("type")]).is_in(self.pairs),
            c("occurred_at").str.contains(_TIMESTAMP),
            stamp <= self.latest_us,
            stamp >= self.earliest_us,
            ~c("_attrs_missing"),
            *self._dating(stamp),
        ]
        for a in self.attributes:
            value = c(_col(a.name))
            present = value.is_not_null()
            checks.append(~present | c("type").is_in(a.declared_in))  # closed schema
            if a.required_in:
                checks.append(present | ~c("type").is_in(a.required_in))
            for spec, types in a.specs:
                checks.append(~present | ~c("type").is_in(types) | _value_ok(spec, value))
        return reduce(lambda x, y: x & y, checks).fill_null(False)

    def _dating(self, stamp: pl.Expr) -> list[pl.Expr]:
        """The exact validator's ``_dating``: the backfill's source and range, or the
        backdating bound of the row's source and type."""
        bf = self.backfill
        if bf is not None:
            return [
                pl.col("source") == bf.source,
                stamp >= bf.occurred_from_us,
                stamp <= bf.occurred_to_us,
            ]
        pair = pl.concat_str([pl.col("source"), pl.lit("\x1f"), pl.col("type")])
        if not self.oldest:  # no bound anywhere: nothing to check
            return []
        oldest = pair.replace_strict(
            list(self.oldest), list(self.oldest.values()), default=None, return_dtype=pl.Int64
        )
        # a pair without a bound may carry any date (a null bound must not fail the row:
        # the null would send every such row to the slow exact path)
        return [oldest.is_null() | (stamp >= oldest)]

    def _canonical(self, df: pl.DataFrame) -> pl.DataFrame:
        """Canonical attributes JSON (sorted keys, no spaces) and the content hash."""
        assert self.attributes is not None
        pieces = []
        for a in sorted(self.attributes, key=lambda a: a.name):
            key = pl.lit(json.dumps(a.name) + ":")
            pieces.append(pl.concat_str([key, _json_value(a)]))
        stamp = pl.col("occurred_at").str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%SZ")
        out = df.select(
            "_pos",
            "row",
            "event_id",
            "subject",
            "source",
            "type",
            occurred_at_us=stamp.dt.epoch("us"),
            attributes=pl.concat_str(
                [pl.lit("{"), pl.concat_str(pieces, separator=",", ignore_nulls=True), pl.lit("}")]
            ),
        )
        too_big = out.get_column("attributes").str.len_bytes() > self.max_bytes
        if too_big.any():  # refused with a message by the exact path
            out = out.filter(~too_big)
        preimage = pl.concat_str(
            [
                pl.col("event_id"),
                pl.col("subject"),
                pl.col("source"),
                pl.col("type"),
                pl.col("occurred_at_us").cast(pl.String),
                pl.col("attributes"),
            ],
            separator="\x1f",
        )
        # sha256 in polars' threads (polars-hash), not one Python call per row
        return (
            out.with_columns(_preimage=preimage)
            .with_columns(content_hash=plh.col("_preimage").chash.sha2_256())
            .drop("_preimage")
        )


def _col(name: str) -> str:
    """Attribute columns live beside the top-level ones under a prefix that cannot clash."""
    return f"attributes\x00{name}"


def _attributes(policy: Policy) -> list[_Attribute] | None:
    # name -> the distinct specs declaring it (keyed by their JSON) -> event types
    by_name: dict[str, dict[str, tuple[AttributeSpec, list[str]]]] = {}
    for tname, et in policy.event_types.items():
        for aname, spec in et.attributes.items():
            group = by_name.setdefault(aname, {}).setdefault(spec.model_dump_json(), (spec, []))
            group[1].append(tname)
    out = []
    for name, groups in by_name.items():
        kinds = {s.type for s, _ in groups.values()}
        if len(kinds) != 1:
            return None
        kind = kinds.pop()
        specs = tuple((s, tuple(ts)) for s, ts in groups.values())
        out.append(
            _Attribute(
                name,
                _ARROW_TYPES[kind],
                kind,
                specs,
                tuple(t for _, ts in specs for t in ts),
                tuple(t for s, ts in specs if s.required for t in ts),
            )
        )
    return out


def _value_ok(spec: AttributeSpec, value: pl.Expr) -> pl.Expr:
    """The rules of :meth:`AttributeSpec.check` on a column, for one spec."""
    t = spec.type
    if t == "boolean":
        return pl.lit(True)
    if t in ("integer", "number"):
        x = value.cast(pl.Float64)
        limit = MAX_ABS_INTEGER if t == "integer" else MAX_ABS_NUMBER
        # integers compare exactly (2**53 + 1 is out of range, though not as a float)
        ok = (
            ((value >= -limit) & (value <= limit))
            if t == "integer"
            else (x.is_finite() & (x.abs() <= limit))
        )
        if spec.minimum is not None:
            ok &= x >= spec.minimum
        if spec.maximum is not None:
            ok &= x <= spec.maximum
        if t == "number":  # Python prints tiny floats as 1e-05: leave them to the exact path
            ok &= (x == 0) | (x.abs() >= _SMALLEST_POSITIONAL)
        return ok
    if t == "enum":
        assert spec.values is not None
        return value.is_in(spec.values)
    if t == "subject":
        return value.str.contains(_SUBJECT) & (value != pl.col("subject"))
    return value.str.contains(_REFERENCE)


def _json_value(a: _Attribute) -> pl.Expr:
    """Each value as ``json.dumps`` writes it after ``_normalise``; null where absent."""
    value = pl.col(_col(a.name))
    if a.kind == "integer":
        return value.cast(pl.String)
    if a.kind == "boolean":
        return pl.when(value).then(pl.lit("true")).when(~value).then(pl.lit("false"))
    if a.kind == "enum":
        values = sorted({v for s, _ in a.specs for v in (s.values or ())})
        return value.replace_strict(
            values, [json.dumps(v) for v in values], default=None, return_dtype=pl.String
        )
    if a.kind in ("subject", "reference"):  # the pattern leaves nothing to escape
        return pl.concat_str([pl.lit('"'), value, pl.lit('"')])
    # number: integral values print as integers, the rest as Python's float repr. Both
    # print the shortest digits that read back to the same float, positionally for
    # 1e-4 <= |x| < 1e16; certified numbers lie in [1e-4, 1e12] (``_value_ok``), so
    # polars' own float text is repr's text (property-tested against the exact path).
    whole = (value == value.round(0)) & (value.abs() < 2**53)
    return (
        pl.when(whole)
        .then(value.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(value.cast(pl.String))
    )
