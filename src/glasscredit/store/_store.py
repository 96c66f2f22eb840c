"""The ledger: one object over one database, SQLite by default, PostgreSQL by URL.

``Ledger`` is the store the domain takes: it owns the engine and the database's adapter
(:mod:`glasscredit.store.sqlite`, :mod:`glasscredit.store.postgres`), runs migrations,
appends events (:mod:`._ingest`), serves the event reads (:mod:`._columnar`, the one
read path), and holds the other stores as attributes (``scores``, ``exclusions``,
``snapshots``, ...), each implementing one protocol of :mod:`._protocols`. Time comes
from the ``clock`` it is given; the core never reads the system clock itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from glasscredit.exceptions import LedgerError, NotFoundError
from glasscredit.policy import Policy
from glasscredit.store._access import SqlAccessStore
from glasscredit.store._adapters import dialect_named
from glasscredit.store._adverse import SqlAdverseStore
from glasscredit.store._audit import ChainReport
from glasscredit.store._audit_store import SqlAuditStore
from glasscredit.store._backfills import SqlBackfillStore
from glasscredit.store._columnar import EventFilter, read_event_batches
from glasscredit.store._corrections import SqlCorrectionStore
from glasscredit.store._disputes import SqlDisputeStore
from glasscredit.store._erasure import SqlErasureStore
from glasscredit.store._exclusions import SqlExclusionStore
from glasscredit.store._feed import SqlEventFeed
from glasscredit.store._holds import SqlHoldStore
from glasscredit.store._ingest import IngestReport, ingest_records
from glasscredit.store._mirror import EventMirror
from glasscredit.store._mirror_check import mirror_problem
from glasscredit.store._opening import display_url, prepare_sqlite_file, require_current_schema
from glasscredit.store._probations import SqlProbationStore
from glasscredit.store._protocols import Store
from glasscredit.store._readers import BrokenRow, read_events
from glasscredit.store._records import StoredEvent
from glasscredit.store._reviews import SqlReviewStore, SqlStatementStore
from glasscredit.store._schemas import EVENT_SCHEMA
from glasscredit.store._scores import SqlScoreStore
from glasscredit.store._snapshots import SqlSnapshotStore
from glasscredit.store._subject_reader import SubjectReader
from glasscredit.store._tables import events, sources, subjects
from glasscredit.store._webhooks import SqlWebhookStore

__all__ = ["Ledger", "migrate", "sqlite_url"]


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


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


class Ledger:
    """An append-only event ledger with a hash-chained audit log: the store."""

    def __init__(
        self, url: str, policy: Policy, *, clock: Callable[[], int], create: bool = True
    ) -> None:
        self.url = url
        self.policy = policy
        self.clock = clock
        try:
            u = make_url(url)
        except ArgumentError as exc:
            raise LedgerError(f"database: {url[:200]!r} is not a database URL [url]") from exc
        self.display_url = display_url(u, url)
        self.adapter = dialect_named(u.get_backend_name())
        if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
            prepare_sqlite_file(Path(u.database), create=create)
        self.engine = self.adapter.make_engine(u)
        try:
            if create:
                migrate(self.engine)
            else:
                require_current_schema(self.engine)
            self._sync_sources(write=create)
        except (SQLAlchemyError, UnicodeDecodeError) as exc:
            self.engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
            raise LedgerError(
                f"database: cannot use {self.display_url}: {reason} [database]"
            ) from exc
        except LedgerError:
            self.engine.dispose()
            raise
        self.audit = SqlAuditStore(self.engine, self.adapter)
        self.scores = SqlScoreStore(self.engine, self.adapter)
        self.exclusions = SqlExclusionStore(self.engine)
        self.snapshots = SqlSnapshotStore(self.engine, self.adapter)
        self.holds = SqlHoldStore(self.engine, self.adapter)
        self.disputes = SqlDisputeStore(self.engine, self.adapter)
        self.corrections = SqlCorrectionStore(self.engine, self.adapter)
        self.erasures = SqlErasureStore(self.engine, self.adapter, lambda: self.mirror)
        self.access = SqlAccessStore(self.engine, self.adapter)
        self.webhooks = SqlWebhookStore(self.engine, self.adapter)
        self.reviews = SqlReviewStore(self.engine, self.adapter)
        self.statements = SqlStatementStore(self.engine, self.adapter)
        self.adverse = SqlAdverseStore(self.engine, self.adapter)
        self.backfills = SqlBackfillStore(self.engine, self.adapter)
        self.probations = SqlProbationStore(self.engine, self.adapter)
        self.feed = SqlEventFeed(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sync_sources(self, *, write: bool) -> None:
        """Record the policy's new sources; a read-only ledger only checks it can read."""
        if not write:
            with self.engine.connect() as conn:
                conn.execute(select(sources.c.name).limit(1)).all()
            return
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
        backfill: int | None = None,
    ) -> IngestReport:
        """Append events; ``numbered`` records come as ``(row, record)`` pairs.

        ``backfill``: the id of an approved backfill to load them into
        (``NotFoundError`` for an unknown one); otherwise they are live events.
        """
        rows: Iterable[tuple[int, Mapping[str, Any] | BrokenRow]]
        rows = records if numbered else enumerate(records, start=1)  # type: ignore[assignment,arg-type]
        window = None if backfill is None else self.backfills.get(backfill).window
        return ingest_records(
            self.engine,
            self.adapter,
            self.policy,
            rows,
            now_us=self.clock(),
            actor=actor,
            batch_size=batch_size,
            progress=progress,
            backfill=window,
        )

    def ingest_file(
        self,
        path: str | Path,
        *,
        fmt: str | None = None,
        actor: str = "ingest",
        batch_size: int = 200_000,
        progress: Callable[[int], None] | None = None,
        backfill: int | None = None,
    ) -> IngestReport:
        """Append a file's events; large batches: fewer commits, index writes in longer runs."""
        return self.ingest(
            read_events(path, self.policy, fmt),
            actor=actor,
            batch_size=batch_size,
            progress=progress,
            numbered=True,
            backfill=backfill,
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
        frame = self.event_frame(subjects_in=[subject], recorded_by_us=recorded_by_us)
        return [
            StoredEvent(
                r["seq"],
                r["event_id"],
                r["subject"],
                r["source"],
                r["type"],
                r["occurred_at_us"],
                r["recorded_at_us"],
                json.loads(r["attributes"]),
                r["known_at_us"],
            )
            for r in frame.sort("occurred_at_us", "seq").iter_rows(named=True)
        ]

    def event_table(
        self,
        *,
        subjects_in: Collection[str] | None = None,
        subject_range: tuple[str, str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        chunk: int = 1_000_000,
    ) -> pa.Table:
        """Events as an Arrow table (the feature kernel's input), optionally for some subjects.

        ``subject_range`` is inclusive; ``attribute_types`` limits which event types carry
        their ``attributes`` (see :class:`~glasscredit.store._columnar.EventFilter`).
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
        subjects_in: Collection[str] | None = None,
        subject_range: tuple[str, str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        chunk: int = 1_000_000,
    ) -> Iterator[pa.Table]:
        """Columnar event batches (Arrow tables of ``EVENT_SCHEMA``), in no set order."""
        return read_event_batches(
            self.engine,
            self.adapter,
            EventFilter(
                subjects_in=subjects_in,
                subject_range=subject_range,
                recorded_by_us=recorded_by_us,
                attribute_types=attribute_types,
            ),
            rows_per_batch=chunk,
        )

    def event_frame(
        self,
        *,
        subjects_in: Collection[str] | None = None,
        recorded_by_us: int | None = None,
        occurred_from_us: int | None = None,
        occurred_by_us: int | None = None,
        types: Collection[str] | None = None,
    ) -> pl.DataFrame:
        """Events matching every bound given (inclusive), as a polars frame, in no set order."""
        table = pa.concat_tables(
            [
                EVENT_SCHEMA.empty_table(),
                *read_event_batches(
                    self.engine,
                    self.adapter,
                    EventFilter(
                        subjects_in=subjects_in,
                        recorded_by_us=recorded_by_us,
                        occurred_from_us=occurred_from_us,
                        occurred_by_us=occurred_by_us,
                        types=types,
                    ),
                ),
            ]
        )
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        return df

    def all_subjects(self) -> list[str]:
        """Every subject, sorted (through the raw driver: a million rows)."""
        with self.engine.connect() as conn:
            rows = self.adapter.raw_rows(conn, "SELECT subject FROM subjects ORDER BY subject", [])
        return [r[0] for r in rows]

    def subjects_seen(self, by_us: int) -> pl.DataFrame:
        """``subject``, ``first_seen_us`` of every subject the ledger knew by ``by_us``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(subjects.c.subject, subjects.c.first_seen_us).where(
                    subjects.c.first_seen_us <= by_us
                )
            ).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={"subject": pl.String, "first_seen_us": pl.Int64},
        )

    def first_events(self, as_of_us: int) -> pl.DataFrame:
        """``subject``, ``source``, ``first_us``, ``known_us``: per subject and source, the
        earliest event recorded, occurred and known by ``as_of_us``: its ``occurred_at``
        (the sender's clock) and the earliest ``known_at`` (the ledger's)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    events.c.subject,
                    events.c.source,
                    func.min(events.c.occurred_at_us),
                    func.min(events.c.known_at_us),
                )
                .where(
                    events.c.recorded_at_us <= as_of_us,
                    events.c.occurred_at_us <= as_of_us,
                    events.c.known_at_us <= as_of_us,
                )
                .group_by(events.c.subject, events.c.source)
            ).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            orient="row",
            schema={
                "subject": pl.String,
                "source": pl.String,
                "first_us": pl.Int64,
                "known_us": pl.Int64,
            },
        )

    def first_seen(self, subject: str) -> int | None:
        """When the ledger first saw ``subject`` (None: unknown or erased)."""
        with self.engine.connect() as conn:
            got = conn.execute(
                select(subjects.c.first_seen_us).where(subjects.c.subject == subject)
            ).scalar()
        return None if got is None else int(got)

    def content_hashes(self, subject: str) -> dict[tuple[str, str], str]:
        """(source, event_id) -> stored content hash, for each of the subject's events."""
        with self.engine.connect() as conn:
            return {
                (str(s), str(e)): str(h)
                for s, e, h in conn.execute(
                    select(events.c.source, events.c.event_id, events.c.content_hash).where(
                        events.c.subject == subject
                    )
                )
            }

    def events_by_source(self) -> dict[str, int]:
        """How many events each source has in the ledger."""
        with self.engine.connect() as conn:
            return {
                str(src): int(n)
                for src, n in conn.execute(
                    select(events.c.source, func.count()).group_by(events.c.source)
                )
            }

    def subject_reader(
        self, attribute_types: Collection[str], external: Sequence[tuple[str, str]]
    ) -> SubjectReader:
        """A fast reader of one subject's inputs (see :class:`SubjectReader`)."""
        return SubjectReader(self.engine, self.adapter, attribute_types, external)

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
        """Verify the audit chain (see :meth:`SqlAuditStore.verify`), then the columnar
        mirror, brought up to date as before any read, against the database (see
        :func:`mirror_problem`)."""
        report = self.audit.verify()
        if report.ok and (mirror := self.mirror) is not None and mirror.root.exists():
            mirror.sync()  # as every read does first: new events appended, lost files rebuilt
            bad = mirror_problem(mirror)
            if bad is not None:
                report.ok, report.table = False, "mirror"
                report.problem = f"mirror segment {bad[0]}: {bad[1]}"
        return report

    def dialect(self) -> str:
        return self.adapter.name

    @property
    def mirror(self) -> EventMirror | None:
        """The columnar mirror of ``events`` (see :mod:`._mirror`), or None.

        SQLite: ``<file>.columns/`` next to the database; PostgreSQL: the folder in
        ``GLASSCREDIT_MIRROR_DIR`` when set (otherwise batch reads go to the database).
        """
        root = self.adapter.mirror_root(make_url(self.url))
        if root is None and (where := os.environ.get("GLASSCREDIT_MIRROR_DIR")):
            root = Path(where)
        return None if root is None else EventMirror(self.engine, root)

    def execute_sql(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Raw read for tests and tools (never for writes: events have no UPDATE path)."""
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), dict(params or {})).all())


if TYPE_CHECKING:  # mypy checks that the ledger implements every protocol of the boundary

    def _is_a_store(ledger: Ledger) -> Store:
        return ledger
