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
edited, inserted or deleted row shows, named by table (and whether rows were added or
removed, or content changed), with the audit row that vouches for the last good state.

A database that predates this coverage gets its baseline at the first covered write:
the state recorded then is the table as it is (documented in ``docs/audit.md``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, Table, select

from glasscredit.store._tables import (
    audit_log,
    backfills,
    disputes,
    erasures,
    event_exclusions,
    report_values,
    scores,
    snapshot_versions,
    trust_values,
)

__all__ = [
    "COVERED_TABLES",
    "LANES",
    "StateTracker",
    "TableProblem",
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
    )
}
LANES = 1024
_CHUNK = 20_000  # rows hashed per numpy sum; also the IN-list size (SQLite's limit)
_STATE_MARK = '%"state":{%'


def _row_bytes(table: str, row: Sequence[Any]) -> bytes:
    """A row's canonical bytes: its table and values, as JSON (exact for ints and floats)."""
    return json.dumps([table, *row], separators=(",", ":"), allow_nan=False).encode()


def _sum(table: str, rows: Iterable[Sequence[Any]]) -> tuple[np.ndarray, int]:
    """The lane-wise sum (mod 2**16) of the rows' hashes, and how many rows there were."""
    acc = np.zeros(LANES, dtype=np.uint16)
    n = 0
    buf: list[bytes] = []

    def flush() -> None:
        nonlocal acc
        if buf:
            lanes = np.frombuffer(b"".join(buf), dtype="<u2").reshape(-1, LANES)
            acc = acc + lanes.sum(axis=0, dtype=np.uint64).astype(np.uint16)
            buf.clear()

    for row in rows:
        buf.append(hashlib.shake_256(_row_bytes(table, row)).digest(2 * LANES))
        n += 1
        if len(buf) >= _CHUNK:
            flush()
    flush()
    return acc, n


def _encode(vec: np.ndarray) -> str:
    return base64.b64encode(vec.astype("<u2").tobytes()).decode()


def _decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u2").astype(np.uint16)


def table_digest(conn: Connection, name: str) -> tuple[np.ndarray, int]:
    """A covered table's digest recomputed from all its rows, and its row count."""
    table = COVERED_TABLES[name]
    result = conn.execute(select(table).execution_options(stream_results=True, yield_per=_CHUNK))
    try:
        return _sum(name, (tuple(r) for r in result))
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

    def remove_in(self, table: Table, column: Any, values: Sequence[Any]) -> None:
        """:meth:`remove` for ``column IN values``, in chunks the databases accept."""
        for i in range(0, len(values), _CHUNK):
            self.remove(table, column.in_(values[i : i + _CHUNK]))

    def state(self) -> dict[str, dict[str, Any]]:
        """Each touched table's new row count and digest (empty if nothing was touched)."""
        names = sorted(set(self.added) | set(self.removed))
        if not names:
            return {}
        prev = recorded_states(self.conn, names)
        out: dict[str, dict[str, Any]] = {}
        for name in names:
            if name in prev:
                base, n = _decode(prev[name][1]["lthash"]), int(prev[name][1]["rows"])
                plus, n_plus = _sum(name, self.added.get(name, {}).values())
                minus, n_minus = _sum(name, self.removed.get(name, {}).values())
                vec, rows = base + plus - minus, n + n_plus - n_minus
            else:  # the first covered write: the table as it is is the baseline
                vec, rows = table_digest(self.conn, name)
            out[name] = {"rows": rows, "lthash": _encode(vec)}
        return out


@dataclass(frozen=True, slots=True)
class TableProblem:
    """A covered table that does not match what the chain vouches for."""

    table: str
    seq: int | None  # the audit row whose state it fails (None: no state recorded)
    problem: str


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
            return TableProblem(
                name,
                seq,
                f"table {name} holds {rows} rows, audit row {seq} vouches for {want_rows} "
                f"(rows {what} outside the audited writes)",
            )
        if _encode(vec) != state["lthash"]:
            return TableProblem(
                name,
                seq,
                f"table {name} does not match the digest audit row {seq} vouches for "
                "(a row was edited)",
            )
    return None
