"""Bad input, generated: every refusal names its row and field, and changes nothing.

The same generated files also go through both ingest paths (the columnar fast path for
files and the per-event exact path), which must give the same report and store the
same events with the same content hashes.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasscredit.policy import BackfillWindow, EventValidator, ValidEvent, default_policy
from glasscredit.policy._validate_columns import ColumnValidator
from glasscredit.store import IngestReport, Ledger, _fastpath, read_events
from tests.conftest import NOW_US, FakeClock
from tests.store._live import event

POLICY = default_policy()
TYPES = sorted(POLICY.event_types)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            10**400,
            -0.0,
            1e-7,
            5.0,
            1e12,
            1e12 + 1,
            2**53 + 1,
            0.1,
            "",
            "bike",
            "s2",
            "s1",
            "2026-03-02T10:00:00Z",
        ]
    )
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
TIMESTAMPS = st.sampled_from(
    [
        "2026-08-28T10:00:00Z",
        "2026-08-28t10:00:00z",
        "2026-08-28 10:00:00Z",
        "2026-08-28T10:00:00.5Z",
        "2026-08-28T10:00:00.1234567Z",
        "2026-08-28T10:00:00+02:00",
        "2026-08-28T10:00:00",
        "2026-03-02T10:00:00Z",  # older than the backdating bounds, when the policy sets them
        "2026-02-29T10:00:00Z",
        "2024-02-29T10:00:00Z",
        "2026-03-02T24:00:00Z",
        "2026-03-02T23:59:60Z",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
        "2026-09-01T00:04:59Z",
        "2026-09-01T00:05:01Z",
        "٢٠٢٦-03-02T10:00:00Z",
        "2026-13-01T00:00:00Z",
        "yesterday",
    ]
)
IDS = st.sampled_from(
    ["e1", "e2", "bank-1", "x" * 128, "x" * 129, "e1\n", "-e", "é1", "a/b#c", "e 1", "٣"]
) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,8}", fullmatch=True)
NAMES = st.sampled_from(
    [
        "religion",
        "health_status",
        "note",
        "political_party",
        "comment",
        "amount",
        "days_late",
        "level",
        "kind",
        "asset",
        "endorser",
        "x",
    ]
)


@st.composite
def raw_event(draw: st.DrawFn) -> Any:
    """A valid event, often broken in one or several ways."""
    type_ = draw(st.sampled_from(TYPES))
    ev: dict[str, Any] = event(
        draw(IDS),
        subject=draw(st.sampled_from(["s1", "s2", "s3"])),
        type_=type_,
        occurred_at=draw(TIMESTAMPS),
    )
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(
            st.sampled_from(
                ["top", "drop", "extra", "attr", "drop_attr", "attrs", "source", "number"]
            )
        )
        if kind == "top":
            ev[draw(st.sampled_from(list(ev)))] = draw(JSON_VALUES)
        elif kind == "drop":
            ev.pop(draw(st.sampled_from(sorted(ev))), None)
        elif kind == "extra":
            ev[draw(st.sampled_from(["note", "extra", "Event_id"]))] = draw(JSON_VALUES)
        elif kind == "attrs":
            ev["attributes"] = draw(JSON_VALUES)
        elif kind == "source":
            ev["source"] = draw(st.sampled_from(["bank", "rentals", "community", "nsa"]))
        elif isinstance(ev.get("attributes"), dict):
            attrs = ev["attributes"]
            if kind == "drop_attr" and attrs:
                attrs.pop(draw(st.sampled_from(sorted(attrs))))
            elif kind == "number":
                attrs["amount"] = draw(st.floats(0, 1e13) | st.integers(0, 10**14))
            else:
                attrs[draw(NAMES)] = draw(JSON_VALUES)
    return ev


def _line(ev: Any) -> bytes:
    return json.dumps(ev).encode()


BROKEN_LINES = st.sampled_from(
    [
        b"",
        b"   ",
        b"{not json",
        b"\xff\xfe",
        b"[1,2]",
        b"null",
        b"42",
        b'"text"',
        b'\xef\xbb\xbf{"event_id":"bom"}',
        b'{"a":1}{"b":2}',
        b'{"event_id":NaN}',
        b'{"event_id":"a","event_id":"b"}',
        b'{"attributes":{"amount":Infinity}}',
    ]
)
LINES = st.lists(
    raw_event().map(_line)
    | BROKEN_LINES
    | raw_event().map(lambda e: json.dumps(e, indent=1).replace("\n", " ").encode()),
    min_size=1,
    max_size=25,
)


def _write(lines: list[bytes], folder: Path) -> Path:
    path = folder / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _exact(path: Path) -> Iterator[tuple[int, Any]]:
    """The file's rows one by one: ingest then takes the exact path."""
    yield from read_events(path, POLICY)


def _stored(led: Ledger) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(r)
        for r in led.execute_sql(
            "SELECT event_id, subject, source, type, occurred_at_us, attributes, content_hash "
            "FROM events"
        )
    )


def _same(a: IngestReport, b: IngestReport) -> None:
    assert (a.input, a.accepted, a.duplicates, a.conflicts, a.invalid) == (
        b.input,
        b.accepted,
        b.duplicates,
        b.conflicts,
        b.invalid,
    )
    assert a.errors == b.errors


@settings(max_examples=150, deadline=None)
@given(lines=LINES)
def test_certified_rows_are_exactly_what_the_event_validator_accepts(lines: list[bytes]) -> None:
    """The fast path certifies only valid rows, with the exact canonical form and hash."""
    exact = EventValidator(POLICY, NOW_US)
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(_fastpath, "EXACT_LINES", 2):
        path = _write(lines, Path(tmp))
        seen: list[int] = []
        for piece in _fastpath.iter_pieces(
            read_events(path, POLICY), ColumnValidator(POLICY, NOW_US)
        ):
            seen.extend(row for row, _ in piece.exact)
            if piece.certified is None:
                continue
            for row, *stored in piece.certified.iter_rows():
                seen.append(row)
                raw = json.loads(lines[row - 1])
                result = exact.validate(raw, row)
                assert isinstance(result, ValidEvent), (raw, result)
                assert list(stored) == [
                    result.event_id,
                    result.subject,
                    result.source,
                    result.type,
                    result.occurred_at_us,
                    result.attributes_json,
                    result.content_hash,
                ]
        assert sorted(seen) == list(range(1, len(lines) + 1))  # every row, exactly once


@settings(max_examples=300, deadline=None)
@given(
    amounts=st.lists(
        st.floats(1e-4, 1e12)
        | st.floats(0, 1e-3)
        | st.integers(0, 10**12)
        | st.floats(0, 1e12).map(lambda x: round(x, 2)),
        min_size=1,
        max_size=40,
    )
)
def test_certified_numbers_print_as_python_prints_them(amounts: list[float]) -> None:
    """polars' float text equals ``repr`` wherever the fast path certifies a number."""
    exact = EventValidator(POLICY, NOW_US)
    lines = [_line(event(f"e{i}", amount=x)) for i, x in enumerate(amounts)]
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(lines, Path(tmp))
        for piece in _fastpath.iter_pieces(
            read_events(path, POLICY), ColumnValidator(POLICY, NOW_US)
        ):
            certified = piece.certified.iter_rows() if piece.certified is not None else []
            for row, *stored in certified:
                result = exact.validate(json.loads(lines[row - 1]), row)
                assert isinstance(result, ValidEvent)
                assert (stored[5], stored[6]) == (result.attributes_json, result.content_hash)
                checked += 1
    # only tiny fractions (printed as 1e-05 by Python) are left to the exact path
    assert checked == sum(1 for x in amounts if x == 0 or x >= 1e-4)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES)
def test_both_ingest_paths_give_the_same_report_and_ledger(
    lines: list[bytes], tmp_path: Path
) -> None:
    with (
        tempfile.TemporaryDirectory(dir=tmp_path) as tmp,
        mock.patch.object(_fastpath, "EXACT_LINES", 2),
    ):
        folder = Path(tmp)
        path = _write(lines, folder)
        clock = FakeClock()
        with (
            Ledger(f"sqlite:///{folder / 'fast.db'}", POLICY, clock=clock) as fast,
            Ledger(f"sqlite:///{folder / 'exact.db'}", POLICY, clock=clock) as slow,
        ):
            a = fast.ingest_file(path, batch_size=7)
            b = slow.ingest(_exact(path), numbered=True, batch_size=7)
            _same(a, b)
            assert _stored(fast) == _stored(slow)
            assert fast.verify_audit().ok


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bad=st.lists(raw_event(), min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_refused_rows_are_named_and_change_nothing(
    bad: list[Any], seed: int, tmp_path: Path
) -> None:
    """Good events mixed with generated bad ones: only the valid ones are stored."""
    exact = EventValidator(POLICY, NOW_US)
    good = [event(f"good-{i}", subject=f"g{i}") for i in range(3)]
    rows = good + bad
    random.Random(seed).shuffle(rows)
    with (
        tempfile.TemporaryDirectory(dir=tmp_path) as tmp,
        Ledger(f"sqlite:///{Path(tmp) / 'l.db'}", POLICY, clock=FakeClock()) as led,
    ):
        rep = led.ingest(rows)
        assert rep.accepted + rep.duplicates + rep.rejected == rep.input == len(rows)
        valid: dict[str, ValidEvent] = {}
        for n, raw in enumerate(rows, start=1):
            result = exact.validate(raw, n)
            if isinstance(result, list):  # refused: each error names this row and a field
                assert result and all(e.row == n and e.field and e.rule for e in result)
                assert all(e in rep.errors for e in result)
            else:
                valid.setdefault(result.event_id, result)
        stored = {r[0]: r[6] for r in _stored(led)}
        assert stored == {k: v.content_hash for k, v in valid.items()}
        assert led.verify_audit().ok


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(evs=st.lists(raw_event(), min_size=1, max_size=20))
def test_parquet_paths_agree(evs: list[Any], tmp_path: Path) -> None:
    """A Parquet file (attributes as JSON text) gives the same report on both paths."""
    table = pa.table(
        {
            k: [
                json.dumps(e[k])
                if k == "attributes" and k in e
                else (e.get(k) if isinstance(e.get(k), str) else None)
                for e in evs
            ]
            for k in ("event_id", "subject", "source", "type", "occurred_at", "attributes")
        }
    )
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        folder = Path(tmp)
        path = folder / "events.parquet"
        pq.write_table(table, path)
        with (
            Ledger(f"sqlite:///{folder / 'fast.db'}", POLICY, clock=FakeClock()) as fast,
            Ledger(f"sqlite:///{folder / 'exact.db'}", POLICY, clock=FakeClock()) as slow,
        ):
            _same(fast.ingest_file(path), slow.ingest(_exact(path), numbered=True))
            assert _stored(fast) == _stored(slow)


def test_broken_file_shapes_are_reported_by_row(tmp_path: Path) -> None:
    """Shapes Arrow reads differently from Python take the exact path, row for row."""
    good = _line(event("ok"))
    path = _write(
        [
            good,
            b"",
            b"  ",
            b'{"a":1}{"b":2}',
            b"\xef\xbb\xbf" + good,
            _line({**event("n"), "note": None}),
            good.replace(b"ok", b"ok2"),
        ],
        tmp_path,
    )
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}", POLICY, clock=FakeClock()) as led:
        rep = led.ingest_file(path)
    assert (rep.input, rep.accepted, rep.invalid) == (7, 2, 5)
    assert [(e.row, e.field, e.rule) for e in rep.errors] == [
        (2, "(row)", "empty"),
        (3, "(row)", "empty"),
        (4, "(row)", "json"),
        (5, "(row)", "json"),
        (6, "note", "unknown_field"),
    ]


def test_a_clean_generated_file_is_certified_whole(tmp_path: Path) -> None:
    """Valid partner files never meet the per-event validator (the fast path holds)."""
    from glasscredit.simulate import PopulationSpec, write_population

    path = tmp_path / "pop.jsonl"
    total = write_population(PopulationSpec(subjects=200, seed=5), path)
    # years of history: each source's file arrives in an approved backfill (docs/clocks.md)
    files: dict[str, list[bytes]] = {}
    for line in path.read_bytes().splitlines():
        files.setdefault(json.loads(line)["source"], []).append(line)
    now = NOW_US + 10**15
    rows = 0
    for n, (source, lines) in enumerate(sorted(files.items()), start=1):
        window = BackfillWindow(n, source, 0, now, 0)
        pieces = list(
            _fastpath.iter_pieces(
                read_events(_write(lines, tmp_path), POLICY),
                ColumnValidator(POLICY, now, backfill=window),
            )
        )
        rows += sum(p.rows for p in pieces)
        assert all(not p.exact for p in pieces), source
    assert rows == total


def test_ids_with_a_trailing_newline_are_refused() -> None:
    """``$`` in Python also matches before a final newline; ids must match whole."""
    exact = EventValidator(POLICY, NOW_US)
    result = exact.validate({**event("e1\n"), "subject": "s1\n"}, 1)
    assert isinstance(result, list)
    assert [(e.field, e.rule) for e in result] == [
        ("event_id", "event_id"),
        ("subject", "subject_id"),
    ]
