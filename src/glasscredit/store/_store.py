"""The ledger: one object over one database, SQLite by default, PostgreSQL by URL.

``Ledger`` owns the engine, runs migrations, appends events (:mod:`._ingest`), and
serves the read paths (a subject's events, columnar event batches for the feature
kernel, the audit chain). Time comes from the ``clock`` it is given; the core never reads
the system clock itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from glasscredit.exceptions import FieldError, LedgerError, NotFoundError
from glasscredit.policy import Policy, iso
from glasscredit.store._audit import ChainReport, subject_hash, verify_chain
from glasscredit.store._columnar import EVENT_SCHEMA, read_event_batches
from glasscredit.store._ingest import IngestReport, ingest_records
from glasscredit.store._mirror import EventMirror
from glasscredit.store._readers import BrokenRow, read_events
from glasscredit.store._tables import erasures, event_tombstones, events, sources, subjects

__all__ = ["EVENT_SCHEMA", "Ledger", "StoredEvent", "migrate", "sqlite_url"]


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    event_id: str
    subject: str
    source: str
    type: str
    occurred_at_us: int
    recorded_at_us: int
    attributes: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "subject": self.subject,
            "source": self.source,
            "type": self.type,
            "occurred_at": iso(self.occurred_at_us),
            "recorded_at": iso(self.recorded_at_us),
            "attributes": self.attributes,
        }


def _make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database in (None, "", ":memory:"):
            raise LedgerError("an in-memory SQLite ledger would lose everything: give a file")
        eng = create_engine(u, poolclass=NullPool)

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            # WAL + NORMAL: a killed process never corrupts or loses a committed batch
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "busy_timeout=30000",
                "cache_size=-262144",
                "temp_store=MEMORY",
            ):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(eng, "begin")
        def _on_begin(conn: Any) -> None:
            # writers take the lock up front: no deadlock upgrading a read lock
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    if u.get_backend_name() == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        return create_engine(u, pool_pre_ping=True)
    raise LedgerError(f"unsupported database {u.get_backend_name()!r}: use sqlite or postgresql")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic), inside one transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("glasscredit.store").joinpath("migrations"))
    )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _suppress_erased(
    rows: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]], erased: set[str], policy: Policy
) -> Iterator[tuple[int, Mapping[str, Any] | BrokenRow]]:
    """Refuse records about (or naming, in a subject attribute) an erased subject."""
    named = {
        t: [a for a, spec in et.attributes.items() if spec.type == "subject"]
        for t, et in policy.event_types.items()
    }
    for row, rec in rows:
        if not isinstance(rec, BrokenRow):
            attrs = rec.get("attributes")
            fields = [("subject", rec.get("subject"))] + [
                (f"attributes.{a}", attrs.get(a))
                for a in named.get(str(rec.get("type")), [])
                if isinstance(attrs, Mapping)
            ]
            for name, value in fields:
                if isinstance(value, str) and subject_hash(value) in erased:
                    rec = BrokenRow(
                        FieldError(
                            name,
                            "erased",
                            "names a subject who was erased; their records are refused",
                            row,
                        )
                    )
                    break
        yield row, rec


class Ledger:
    """An append-only event ledger with a hash-chained audit log."""

    def __init__(
        self, url: str, policy: Policy, *, clock: Callable[[], int], create: bool = True
    ) -> None:
        self.url = url
        self.policy = policy
        self.clock = clock
        self.engine = _make_engine(url)
        if create:
            migrate(self.engine)
        self._sync_sources()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sync_sources(self) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            known = set(conn.execute(select(sources.c.name)).scalars())
            for name, spec in self.policy.sources.items():
                if name not in known:
                    conn.execute(
                        sources.insert().values(
                            name=name, description=spec.description, first_seen_us=now
                        )
                    )

    # -- writes -------------------------------------------------------------------
    def ingest(
        self,
        records: Iterable[Mapping[str, Any]] | Iterable[tuple[int, Mapping[str, Any] | BrokenRow]],
        *,
        actor: str = "ingest",
        batch_size: int = 50_000,
        progress: Callable[[int], None] | None = None,
        numbered: bool = False,
    ) -> IngestReport:
        """Append events; ``numbered`` records come as ``(row, record)`` pairs."""
        rows: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]]
        rows = records if numbered else enumerate(records, start=1)  # type: ignore[assignment,arg-type]
        with self.engine.connect() as conn:
            erased = set(conn.execute(select(erasures.c.subject_hash)).scalars())
        if erased:  # only then: a plain file keeps whatever fast path ingest gives it
            rows = _suppress_erased(rows, erased, self.policy)
        return ingest_records(
            self.engine,
            self.policy,
            rows,
            now_us=self.clock(),
            actor=actor,
            batch_size=batch_size,
            progress=progress,
        )

    def ingest_file(
        self,
        path: str | Path,
        *,
        fmt: str | None = None,
        actor: str = "ingest",
        batch_size: int = 200_000,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Append a file's events; large batches: fewer commits, index writes in longer runs."""
        return self.ingest(
            read_events(path, self.policy, fmt),
            actor=actor,
            batch_size=batch_size,
            progress=progress,
            numbered=True,
        )

    # -- reads --------------------------------------------------------------------
    def has_subject(self, subject: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(subjects.c.subject).where(subjects.c.subject == subject)
                ).first()
                is not None
            )

    def events_of(self, subject: str, *, recorded_by_us: int | None = None) -> list[StoredEvent]:
        """A subject's events in the order they happened; unknown subjects are an error."""
        if not self.has_subject(subject):
            raise NotFoundError(f"subject {subject!r} is not in the ledger")
        stmt = select(
            events.c.seq,
            events.c.event_id,
            events.c.subject,
            events.c.source,
            events.c.type,
            events.c.occurred_at_us,
            events.c.recorded_at_us,
            events.c.attributes,
        ).where(events.c.subject == subject)
        if recorded_by_us is not None:
            stmt = stmt.where(events.c.recorded_at_us <= recorded_by_us)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(events.c.occurred_at_us, events.c.seq)).all()
        return [
            StoredEvent(int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), json.loads(r[7]))
            for r in rows
        ]

    def event_table(
        self,
        *,
        subjects_in: list[str] | None = None,
        subject_range: tuple[str, str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        chunk: int = 1_000_000,
    ) -> pa.Table:
        """Events as an Arrow table (the feature kernel's input), optionally for some subjects.

        ``subject_range`` is inclusive; ``attribute_types`` limits which event types carry
        their ``attributes`` (see :func:`~glasscredit.store._columnar.read_event_batches`).
        """
        return pa.concat_tables(
            [
                EVENT_SCHEMA.empty_table(),
                *self.iter_event_batches(
                    subjects_in=subjects_in,
                    subject_range=subject_range,
                    recorded_by_us=recorded_by_us,
                    attribute_types=attribute_types,
                    chunk=chunk,
                ),
            ]
        )

    def iter_event_batches(
        self,
        *,
        subjects_in: list[str] | None = None,
        subject_range: tuple[str, str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        chunk: int = 1_000_000,
    ) -> Iterator[pa.Table]:
        """Columnar event batches (Arrow tables of ``EVENT_SCHEMA``), in no set order."""
        return read_event_batches(
            self.engine,
            subjects_in=subjects_in,
            subject_range=subject_range,
            recorded_by_us=recorded_by_us,
            attribute_types=attribute_types,
            rows_per_batch=chunk,
        )

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            n_events = conn.execute(select(func.count()).select_from(events)).scalar_one()
            n_subjects = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
            by_type: dict[str, int] = dict(
                conn.execute(select(events.c.type, func.count()).group_by(events.c.type)).all()
            )
        return {
            "events": int(n_events),
            "subjects": int(n_subjects),
            **{f"type:{k}": int(v) for k, v in sorted(by_type.items())},
        }

    def verify_audit(self) -> ChainReport:
        """Verify the chain; erased events count through their tombstones."""
        tombs: dict[int, list[str]] = {}
        with self.engine.connect() as conn:
            for batch, leaf in conn.execute(
                select(event_tombstones.c.batch, event_tombstones.c.leaf)
            ):
                tombs.setdefault(int(batch), []).append(leaf)
            return verify_chain(conn, tombstones=tombs)

    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def mirror(self) -> EventMirror | None:
        """The columnar mirror of ``events`` (see :mod:`._mirror`), or None.

        SQLite: ``<file>.columns/`` next to the database; PostgreSQL: the folder in
        ``GLASSCREDIT_MIRROR_DIR`` when set (otherwise batch reads go to the database).
        """
        u = make_url(self.url)
        if u.get_backend_name() == "sqlite" and u.database:
            return EventMirror(self.engine, Path(f"{u.database}.columns"))
        where = os.environ.get("GLASSCREDIT_MIRROR_DIR")
        return EventMirror(self.engine, Path(where)) if where else None

    def execute_sql(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Raw read for tests and tools (never for writes: events have no UPDATE path)."""
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), dict(params or {})).all())
