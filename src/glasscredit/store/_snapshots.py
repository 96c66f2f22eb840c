"""Trust and report snapshots: append-only versions, each stamped with when it was made.

Every computation of a snapshot appends a version (``snapshot_versions``) and its values,
and an audit row that vouches for them; nothing is deleted or replaced. A read as of
``t`` takes the newest as-of time at or before ``t`` and, of that time's versions, the
newest made at or before ``made_by_us`` (default: all of them). A stored score is
reproduced by reading with ``made_by_us`` = the time it was computed: a snapshot
recomputed later does not change it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Engine, Table, select

from glasscredit.canonical import stream_digest
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.store._audit import append_audit
from glasscredit.store._coverage import StateTracker
from glasscredit.store._dialect import Dialect
from glasscredit.store._tables import report_values, snapshot_versions, trust_values

__all__ = [
    "NEWEST",
    "SNAPSHOT_KINDS",
    "SNAPSHOT_TABLES",
    "VERSION_SQL",
    "SnapshotVersion",
    "SqlSnapshotStore",
    "join_external",
]

#: the bound on ``made_at_us`` that admits every version
NEWEST = (1 << 62) - 1
#: ``trust_seeds``: the seeds each trust snapshot started from (value 1.0 each), kept in
#: the trust values table under versions of their own kind (no table of their own)
SNAPSHOT_TABLES: dict[str, Table] = {
    "trust": trust_values,
    "reports": report_values,
    "trust_seeds": trust_values,
}
SNAPSHOT_KINDS = tuple(SNAPSHOT_TABLES)
#: the version a read takes (markers ``{p}``: kind, as-of bound, made-by bound)
VERSION_SQL = (
    "SELECT version FROM snapshot_versions WHERE kind = {p} AND as_of_us <= {p} "
    "AND made_at_us <= {p} ORDER BY as_of_us DESC, made_at_us DESC, version DESC LIMIT 1"
)


@dataclass(frozen=True, slots=True)
class SnapshotVersion:
    """One stored version of a snapshot."""

    version: int
    kind: str
    as_of_us: int
    made_at_us: int
    n_values: int


def join_external(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    """One frame of external values by subject (None when no snapshot was found)."""
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.join(frame, on="subject", how="full", coalesce=True)
    return out


def _values_digest(values: Mapping[str, float]) -> str:
    return stream_digest(f"{s}\x1f{float(values[s])!r}\n" for s in sorted(values))


def _table(kind: str) -> Table:
    table = SNAPSHOT_TABLES.get(kind)
    if table is None:
        raise ValidationError(
            [FieldError("kind", "one_of", f"{kind!r} is not one of {', '.join(SNAPSHOT_KINDS)}")]
        )
    return table


class SqlSnapshotStore:
    """Snapshot versions on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    def append(
        self,
        kind: str,
        as_of_us: int,
        values: Mapping[str, float],
        *,
        made_at_us: int,
        actor: str,
        companions: Mapping[str, Mapping[str, float]] | None = None,
        details: Mapping[str, object] | None = None,
    ) -> SnapshotVersion:
        """Append a version of ``kind`` as of ``as_of_us``, made at ``made_at_us``.

        ``companions``: versions of other kinds made with it (the seeds of a trust
        snapshot), in the same transaction, each with its audit row; ``details``: more
        for the audit row of ``kind``'s version.
        """
        _table(kind)
        for other in companions or {}:
            _table(other)
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            for other, rows in (companions or {}).items():
                self._insert(conn, other, as_of_us, rows, made_at_us, actor, {})
            return self._insert(conn, kind, as_of_us, values, made_at_us, actor, details or {})

    def _insert(
        self,
        conn: Connection,
        kind: str,
        as_of_us: int,
        values: Mapping[str, float],
        made_at_us: int,
        actor: str,
        details: Mapping[str, object],
    ) -> SnapshotVersion:
        table = _table(kind)
        pk = conn.execute(
            snapshot_versions.insert().values(
                kind=kind, as_of_us=as_of_us, made_at_us=made_at_us, n_values=len(values)
            )
        ).inserted_primary_key
        assert pk is not None
        version = int(pk[0])
        self._dialect.insert_rows(
            conn,
            table.name,
            ("version", "subject", "value"),
            ((version, s, float(v)) for s, v in values.items()),
        )
        tracker = StateTracker(conn)
        tracker.add(snapshot_versions, snapshot_versions.c.version == version)
        tracker.add(table, table.c.version == version)
        append_audit(
            conn,
            at_us=made_at_us,
            actor=actor,
            tracker=tracker,
            action=f"snapshot.{kind}",
            details={
                **details,
                "version": version,
                "as_of_us": as_of_us,
                "values": len(values),
                "digest": _values_digest(values),
            },
        )
        return SnapshotVersion(version, kind, as_of_us, made_at_us, len(values))

    def keep(
        self, kind: str, as_of_us: int, *, at_us: int, actor: str, details: Mapping[str, object]
    ) -> None:
        """Audit that a computed version of ``kind`` was *not* stored and the one in force
        kept (``snapshot.<kind>.kept``): an alert the operator must review."""
        _table(kind)
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            append_audit(
                conn,
                at_us=at_us,
                actor=actor,
                action=f"snapshot.{kind}.kept",
                details={**details, "as_of_us": as_of_us},
            )

    def versions(self, kind: str) -> list[SnapshotVersion]:
        """Every version of ``kind``, oldest first."""
        _table(kind)
        sv = snapshot_versions
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(sv.c.version, sv.c.kind, sv.c.as_of_us, sv.c.made_at_us, sv.c.n_values)
                .where(sv.c.kind == kind)
                .order_by(sv.c.version)
            ).all()
        return [SnapshotVersion(*(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]))) for r in rows]

    def chosen(self, kind: str, as_of_us: int, *, made_by_us: int | None = None) -> int | None:
        """The version a read of ``kind`` as of ``as_of_us`` takes (None: no snapshot)."""
        sv = snapshot_versions
        _table(kind)
        with self._engine.connect() as conn:
            got = conn.execute(
                select(sv.c.version)
                .where(
                    sv.c.kind == kind,
                    sv.c.as_of_us <= as_of_us,
                    sv.c.made_at_us <= (NEWEST if made_by_us is None else made_by_us),
                )
                .order_by(sv.c.as_of_us.desc(), sv.c.made_at_us.desc(), sv.c.version.desc())
                .limit(1)
            ).scalar()
        return None if got is None else int(got)

    def values(
        self,
        kind: str,
        as_of_us: int,
        subjects_in: Collection[str] | None = None,
        *,
        made_by_us: int | None = None,
        version: int | None = None,
    ) -> pl.DataFrame | None:
        """``subject``, ``value`` of the version a read as of ``as_of_us`` takes, or None.

        ``version``: read that version instead (a stored score pins the ones it read).
        """
        table = _table(kind)
        if version is None:
            version = self.chosen(kind, as_of_us, made_by_us=made_by_us)
        if version is None:
            return None
        stmt = select(table.c.subject, table.c.value).where(table.c.version == version)
        if subjects_in is not None:
            stmt = stmt.where(table.c.subject.in_(list(subjects_in)))
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={"subject": pl.String, "value": pl.Float64},
        )

    def external(
        self,
        columns: Collection[tuple[str, str]],
        as_of_us: int,
        subjects_in: Collection[str] | None = None,
        *,
        made_by_us: int | None = None,
        versions: Mapping[str, int] | None = None,
    ) -> pl.DataFrame | None:
        """External feature values: per ``(column, kind)`` the values a read takes, joined.

        Each kind's version is chosen on its own, so a time with no snapshot of one kind
        leaves that column missing; None when no kind has one. ``versions``: kind ->
        the version to read (a kind not in it has no snapshot), as a score pinned them.
        """
        frames = []
        for name, kind in columns:
            if versions is not None:
                v = versions.get(kind)
                got = None if v is None else self.values(kind, as_of_us, subjects_in, version=v)
            else:
                got = self.values(kind, as_of_us, subjects_in, made_by_us=made_by_us)
            if got is not None:
                frames.append(got.rename({"value": name}))
        return join_external(frames)
