"""The state tables a score depends on, covered by the chain through homomorphic digests.

Events are vouched for batch by batch (``store/_audit.py``). The other tables a score
reads (exclusions, disputes, the erasure list, snapshot versions and their values,
stored scores) change in place: resolved disputes, closed holds, erasure deleting a
person's rows. Each is covered by an LtHash (Bellare-Micciancio's additive multiset hash
with the parameters of Lewi et al., 2019: 1,024 lanes of 16 bits from SHAKE-256 of each
row): the digest of a table is the lane-wise sum of its rows' hashes, so a write adds the
hashes of the rows it adds and subtracts those of the rows it removes (an update is
both), in time proportional to what it changed, whatever the table's size.

Every audit row written with a change to such a table carries, under ``state``, each
touched table's new row count and digest. :func:`verify_tables` recomputes every table
from its rows and compares it with the state the newest such audit row vouches for: an
edited, inserted or deleted row shows, named by table, with the audit row that vouches
for the last good state.

To name the row, each state also carries the rows the write added and removed as
locators (``add``, ``del``): a row's key (its primary key without the subject) and the
first 64 bits of the hash the digest already sums. The first state of a table lists the
whole table (``base``). Only when a table fails its digest does :func:`verify_tables`
replay these lists in chain order and compare them with the rows: the first row (by key)
that differs is named edited, inserted or deleted, with the audit row that wrote it.
Detection never rests on the locators (the digest decides); they only say where. They
are as linkable to a person as the erasure list's own subject hash, never more: no
subject id is written in the clear.

A database that predates this coverage gets its baseline at the first covered write:
the state recorded then is the table as it is (documented in ``docs/audit.md``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import ColumnElement, Connection, Table, select

from glasscredit.store._tables import (
    audit_log,
    backfills,
    corrections,
    disputes,
    erasures,
    event_exclusions,
    report_values,
    scores,
    snapshot_versions,
    source_probations,
    trust_values,
)

__all__ = [
    "COVERED_TABLES",
    "FRAME_MIN_ROWS",
    "LANES",
    "StateTracker",
    "TableProblem",
    "frame_row_bytes",
    "locate_row",
    "recorded_states",
    "table_digest",
    "verify_tables",
]

#: the tables covered through their digests, in the order verification reports them
COVERED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        event_exclusions,
        disputes,
        erasures,
        snapshot_versions,
        trust_values,
        report_values,
        scores,
        backfills,
        corrections,
        source_probations,
    )
}
LANES = 1024
#: frames of fewer rows are hashed row by row, in the writer's thread (see add_frame)
FRAME_MIN_ROWS = 2_000
_CHUNK = 20_000  # rows hashed per numpy sum; also the IN-list size (SQLite's limit)
_STATE_MARK = '%"state":{%'


def _row_bytes(table: str, row: Sequence[Any]) -> bytes:
    """A row's canonical bytes: its table and values, as JSON (exact for ints and floats)."""
    return json.dumps([table, *row], separators=(",", ":"), allow_nan=False).encode()


#: a locator: the row's key (primary key without the subject) and 64 bits of its hash
Locator = tuple[Any, ...]


def _key_at(table: Table) -> list[int]:
    """Positions of the key a locator records: the primary key, never a subject id."""
    return [i for i, c in enumerate(table.c) if c.primary_key and c.name != "subject"]


def _sum(
    table: str, rows: Iterable[Sequence[Any]], locators: list[Locator] | None = None
) -> tuple[np.ndarray, int]:
    """The lane-wise sum (mod 2**16) of the rows' hashes, and how many rows there were.

    ``locators``: filled with each row's locator, from the same hash.
    """
    key_at = _key_at(COVERED_TABLES[table]) if locators is not None else []
    return _sum_encoded(
        ((_row_bytes(table, row), tuple(row[i] for i in key_at)) for row in rows), locators
    )


def _sum_encoded(
    encoded: Iterable[tuple[bytes, tuple[Any, ...]]], locators: list[Locator] | None = None
) -> tuple[np.ndarray, int]:
    """:func:`_sum` over rows already in their canonical bytes, each with its locator key."""
    acc = np.zeros(LANES, dtype=np.uint16)
    n = 0
    buf: list[bytes] = []

    def flush() -> None:
        nonlocal acc
        if buf:
            lanes = np.frombuffer(b"".join(buf), dtype="<u2").reshape(-1, LANES)
            acc = acc + lanes.sum(axis=0, dtype=np.uint64).astype(np.uint16)
            buf.clear()

    for data, key in encoded:
        digest = hashlib.shake_256(data).digest(2 * LANES)
        buf.append(digest)
        if locators is not None:
            locators.append((*key, digest[:8].hex()))
        n += 1
        if len(buf) >= _CHUNK:
            flush()
    flush()
    return acc, n


def _json_string(col: pl.Expr) -> pl.Expr:
    """A printable-ASCII string column as ``json.dumps`` writes it (quote and backslash
    escaped); other characters are left to :func:`_row_bytes` (see :func:`frame_row_bytes`)."""
    escaped = col.str.replace_all("\\", "\\\\", literal=True).str.replace_all(
        '"', '\\"', literal=True
    )
    return pl.lit('"') + escaped + pl.lit('"')


def frame_row_bytes(table: str, frame: pl.DataFrame) -> list[bytes]:
    """Each row's canonical bytes (:func:`_row_bytes`, byte for byte), built column-wise.

    ``frame`` holds the table's columns in its order. Integer and string columns are
    written by polars; a row with a null or with any character outside printable ASCII
    (which ``json.dumps`` escapes as ``\\uXXXX`` or a short escape) is written by
    :func:`_row_bytes` itself, as is every row of a frame with other column types.
    """
    if frame.height == 0:
        return []
    schema = frame.schema
    if not all(d.is_integer() or d == pl.String for d in schema.values()):
        return [_row_bytes(table, r) for r in frame.iter_rows()]
    parts: list[pl.Expr] = [pl.lit(json.dumps([table])[:-1])]
    odd: list[pl.Expr] = []
    for name, dtype in schema.items():
        col = pl.col(name)
        odd.append(col.is_null())
        if dtype == pl.String:
            odd.append(col.str.contains(r"[^\x20-\x7e]"))
            parts += [pl.lit(","), _json_string(col)]
        else:
            parts += [pl.lit(","), col.cast(pl.String)]
    parts.append(pl.lit("]"))
    built = frame.select(
        pl.concat_str(parts).alias("b"), pl.any_horizontal(odd).fill_null(True).alias("odd")
    )
    # the UTF-8 bytes straight from polars (a null is an odd row, written below)
    out: list[bytes] = built.get_column("b").cast(pl.Binary).to_list()
    if built.get_column("odd").any():
        for i in built.get_column("odd").arg_true().to_list():
            out[i] = _row_bytes(table, frame.row(i))
    return out


_Summed = tuple[np.ndarray, int, list[Locator]]
_POOL: list[ThreadPoolExecutor] = []


def _hashing_pool() -> ThreadPoolExecutor:
    """The one thread that sums frame-added rows' hashes (made on first use)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="lthash"))
    return _POOL[0]


def _summed(items: list[tuple[bytes, tuple[Any, ...]]]) -> _Summed:
    locators: list[Locator] = []
    vec, n = _sum_encoded(items, locators)
    return vec, n, locators


def _encode(vec: np.ndarray) -> str:
    return base64.b64encode(vec.astype("<u2").tobytes()).decode()


def _decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u2").astype(np.uint16)


def table_digest(
    conn: Connection, name: str, locators: list[Locator] | None = None
) -> tuple[np.ndarray, int]:
    """A covered table's digest recomputed from all its rows, and its row count
    (``locators``: filled with every row's locator)."""
    table = COVERED_TABLES[name]
    result = conn.execute(select(table).execution_options(stream_results=True, yield_per=_CHUNK))
    try:
        return _sum(name, (tuple(r) for r in result), locators)
    finally:
        result.close()


def recorded_states(
    conn: Connection, names: Iterable[str] | None = None
) -> dict[str, tuple[int, dict[str, Any]]]:
    """Per covered table, the newest audit row's seq and the state it vouches for."""
    wanted = set(COVERED_TABLES if names is None else names)
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    result = conn.execute(
        select(audit_log.c.seq, audit_log.c.details)
        .where(audit_log.c.details.like(_STATE_MARK))
        .order_by(audit_log.c.seq.desc())
        .execution_options(stream_results=True, yield_per=100)
    )
    try:
        for seq, details in result:
            for name, state in json.loads(details).get("state", {}).items():
                if name in wanted and name not in found:
                    found[name] = (int(seq), state)
            if len(found) == len(wanted):
                break
    finally:
        result.close()
    return found


@dataclass(slots=True)
class StateTracker:
    """What one transaction does to the covered tables, as digests of rows in and out.

    Call :meth:`remove` with a filter before rows change or go, :meth:`add` with a filter
    after rows change or arrive (an update is both, with a filter that matches the rows
    before and after); :meth:`state` is what the audit row then carries.
    """

    conn: Connection
    added: dict[str, dict[Any, tuple[Any, ...]]] = field(default_factory=dict)
    removed: dict[str, dict[Any, tuple[Any, ...]]] = field(default_factory=dict)
    #: rows just inserted, given as a frame: their canonical bytes and locator keys by key
    encoded: dict[str, dict[Any, tuple[bytes, tuple[Any, ...]]]] = field(default_factory=dict)
    #: per table, each frame's row count and its digest being summed in the hashing thread
    hashing: dict[str, list[tuple[int, Future[_Summed]]]] = field(default_factory=dict)

    def _rows(self, table: Table, where: ColumnElement[bool]) -> dict[Any, tuple[Any, ...]]:
        pk = [c.name for c in table.primary_key.columns]
        out: dict[Any, tuple[Any, ...]] = {}
        for r in self.conn.execute(select(table).where(where)):
            m = r._mapping
            out[tuple(m[c] for c in pk)] = tuple(r)
        return out

    def add(self, table: Table, where: ColumnElement[bool]) -> None:
        """Count in the rows that match ``where`` now (after an insert or an update)."""
        self.added.setdefault(table.name, {}).update(self._rows(table, where))

    def remove(self, table: Table, where: ColumnElement[bool]) -> None:
        """Count out the rows that match ``where`` now (before a delete or an update)."""
        self.removed.setdefault(table.name, {}).update(self._rows(table, where))

    def add_rows(self, table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
        """Count in rows just written, given in the table's column order (no read back)."""
        at = [i for i, c in enumerate(table.c) if c.primary_key]
        got = self.added.setdefault(table.name, {})
        for r in rows:
            got[tuple(r[i] for i in at)] = tuple(r)

    def add_frame(self, table: Table, frame: pl.DataFrame) -> None:
        """:meth:`add_rows` for rows just inserted, given as a frame of the table's
        columns in its order: their bytes are built column-wise (:func:`frame_row_bytes`).
        A row counted in again later in the transaction (:meth:`add`) replaces it.

        Below :data:`FRAME_MIN_ROWS` rows (one subject's score) it is :meth:`add_rows`:
        building the bytes column-wise and handing them to a thread cost ~3 ms a call.
        """
        names = [c.name for c in table.c]
        if frame.columns != names:
            raise ValueError(f"table {table.name}: the frame's columns must be {names}")
        if frame.height < FRAME_MIN_ROWS:
            self.add_rows(table, frame.rows())
            return
        at = [i for i, c in enumerate(table.c) if c.primary_key]
        data = frame_row_bytes(table.name, frame)
        # keys as iter_rows gives them, from whole columns (a tuple per row either way)
        keys = zip(*[frame.get_column(names[i]).to_list() for i in at], strict=True)
        locs = zip(*[frame.get_column(names[i]).to_list() for i in _key_at(table)], strict=True)
        items = list(zip(data, locs, strict=True))
        self.encoded.setdefault(table.name, {}).update(zip(keys, items, strict=True))
        # summed in a thread while the caller's insert runs (the database driver
        # releases the GIL while it writes): off the writer's path
        job = _hashing_pool().submit(_summed, items)
        self.hashing.setdefault(table.name, []).append((len(items), job))

    def remove_in(self, table: Table, column: Any, values: Sequence[Any]) -> None:
        """:meth:`remove` for ``column IN values``, in chunks the databases accept."""
        for i in range(0, len(values), _CHUNK):
            self.remove(table, column.in_(values[i : i + _CHUNK]))

    def _sum_frames(self, name: str, locators: list[Locator]) -> tuple[np.ndarray, int]:
        """The digest of the frame-added rows of ``name`` not counted in again by
        :meth:`add`: the hashing thread's sums when they cover exactly those rows."""
        rows = self.added.get(name, {})
        enc = self.encoded.get(name, {})
        jobs = self.hashing.get(name, [])
        if sum(n for n, _ in jobs) == len(enc) and not any(k in rows for k in enc):
            vec, total = np.zeros(LANES, dtype=np.uint16), 0
            for _, job in jobs:
                part, n, locs = job.result()
                vec, total = vec + part, total + n
                locators.extend(locs)
            return vec, total
        return _sum_encoded([v for k, v in enc.items() if k not in rows], locators)

    def state(self) -> dict[str, dict[str, Any]]:
        """Each touched table's new row count and digest (empty if nothing was touched)."""
        names = sorted(set(self.added) | set(self.removed) | set(self.encoded))
        if not names:
            return {}
        prev = recorded_states(self.conn, names)
        out: dict[str, dict[str, Any]] = {}
        for name in names:
            if name in prev:
                base, n = _decode(prev[name][1]["lthash"]), int(prev[name][1]["rows"])
                add: list[Locator] = []
                gone: list[Locator] = []
                plus, n_plus = _sum(name, self.added.get(name, {}).values(), add)
                plus_enc, n_enc = self._sum_frames(name, add)
                plus, n_plus = plus + plus_enc, n_plus + n_enc
                minus, n_minus = _sum(name, self.removed.get(name, {}).values(), gone)
                vec, rows = base + plus - minus, n + n_plus - n_minus
                out[name] = {"rows": rows, "lthash": _encode(vec)}
                if "add" in prev[name][1] or "base" in prev[name][1]:
                    out[name] |= {"add": add, "del": gone}
                    continue
                # a state from before locators: this one lists the table afresh
                listed: list[Locator] = []
                table_digest(self.conn, name, listed)
                out[name]["base"] = listed
            else:  # the first covered write: the table as it is is the baseline
                listed = []
                vec, rows = table_digest(self.conn, name, listed)
                out[name] = {"rows": rows, "lthash": _encode(vec), "base": listed}
        return out


@dataclass(frozen=True, slots=True)
class TableProblem:
    """A covered table that does not match what the chain vouches for."""

    table: str
    seq: int | None  # the audit row whose state it fails (None: no state recorded)
    problem: str
    row: str | None = None  # the first bad row, by its key (None: not located)


@dataclass(frozen=True, slots=True)
class BadRow:
    """The first row of a table that differs from what the audited writes made it."""

    row: str  # the row by its key, e.g. ``score_id=7``
    what: str  # edited, inserted or deleted
    written_by: int | None  # the audit row that wrote it (None: no audited write did)


def _expected(conn: Connection, name: str) -> tuple[Counter[Locator], dict[Locator, int]] | None:
    """The locators the audited writes leave in table ``name`` (replayed in chain order),
    with the audit row that wrote each; ``None`` when a state has no locators."""
    want: Counter[Locator] | None = None
    wrote: dict[Locator, int] = {}
    result = conn.execute(
        select(audit_log.c.seq, audit_log.c.details)
        .where(audit_log.c.details.like(_STATE_MARK))
        .order_by(audit_log.c.seq)
        .execution_options(stream_results=True, yield_per=100)
    )
    try:
        for seq, details in result:
            state = json.loads(details).get("state", {}).get(name)
            if state is None:
                continue
            if "base" in state:
                want = Counter(tuple(x) for x in state["base"])
                added = want
            elif "add" in state and want is not None:
                added = Counter(tuple(x) for x in state["add"])
                want.update(added)
                want.subtract(tuple(x) for x in state["del"])
            else:
                want = None
                continue
            wrote.update(dict.fromkeys(added, int(seq)))
    finally:
        result.close()
    return None if want is None else (+want, wrote)


def locate_row(conn: Connection, name: str) -> BadRow | None:
    """The first row (by key) of table ``name`` that differs from what its audited writes
    made it: edited, inserted or deleted. ``None`` when it cannot be told (a state from
    before locators), or when the rows agree."""
    replayed = _expected(conn, name)
    if replayed is None:
        return None
    want, wrote = replayed
    table = COVERED_TABLES[name]
    rows = [tuple(r) for r in conn.execute(select(table))]
    have: list[Locator] = []
    _sum(name, rows, have)
    extra = Counter(have) - want
    missing = want - Counter(have)
    by_key: dict[tuple[Any, ...], list[tuple[str, Locator]]] = {}
    for loc in extra:
        by_key.setdefault(loc[:-1], []).append(("extra", loc))
    for loc in missing:
        by_key.setdefault(loc[:-1], []).append(("missing", loc))
    if not by_key:
        return None
    key = min(by_key, key=lambda k: tuple((v is None, str(type(v)), v) for v in k))
    kinds = {k for k, _ in by_key[key]}
    names = [c.name for c in table.c]
    pk = [i for i, c in enumerate(table.c) if c.primary_key]
    found = next((loc for k, loc in by_key[key] if k == "extra"), None)
    if found is not None:  # the row is there: named by its whole primary key
        row = rows[have.index(found)]
        where = ", ".join(f"{names[i]}={row[i]}" for i in pk)
    else:
        where = ", ".join(f"{names[i]}={v}" for i, v in zip(_key_at(table), key, strict=True))
    if kinds == {"extra", "missing"}:
        gone = next(loc for k, loc in by_key[key] if k == "missing")
        return BadRow(where, "edited", wrote.get(gone))
    if kinds == {"extra"}:
        return BadRow(where, "inserted", None)
    gone = next(loc for k, loc in by_key[key] if k == "missing")
    return BadRow(where, "deleted", wrote.get(gone))


def _located(conn: Connection, name: str, seq: int, fallback: str) -> TableProblem:
    """The table's problem, with its first bad row named when the locators tell it."""
    bad = locate_row(conn, name)
    if bad is None:
        return TableProblem(name, seq, fallback)
    by = "" if bad.written_by is None else f", written by audit row {bad.written_by}"
    what = {
        "edited": "was edited",
        "inserted": "was inserted outside the audited writes",
        "deleted": "was deleted outside the audited writes",
    }[bad.what]
    return TableProblem(
        name,
        seq,
        f"table {name}: row {bad.row}{by}, {what} (the table fails the digest audit "
        f"row {seq} vouches for)",
        bad.row,
    )


def verify_tables(conn: Connection) -> TableProblem | None:
    """Recompute every covered table; the first one the chain does not vouch for."""
    states = recorded_states(conn)
    for name in COVERED_TABLES:
        vec, rows = table_digest(conn, name)
        if name not in states:
            if rows:
                return TableProblem(
                    name, None, f"table {name} holds {rows} rows, the chain vouches for none"
                )
            continue
        seq, state = states[name]
        want_rows = int(state["rows"])
        if rows != want_rows:
            what = "inserted" if rows > want_rows else "deleted"
            return _located(
                conn,
                name,
                seq,
                f"table {name} holds {rows} rows, audit row {seq} vouches for {want_rows} "
                f"(rows {what} outside the audited writes)",
            )
        if _encode(vec) != state["lthash"]:
            return _located(
                conn,
                name,
                seq,
                f"table {name} does not match the digest audit row {seq} vouches for "
                "(a row was edited)",
            )
    return None
