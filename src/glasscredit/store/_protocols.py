"""What the core needs from storage, as protocols: the store boundary.

The domain (``features``, ``trust``, ``scoring``, ``rights``) and the application layer
reach storage only through these methods; :class:`glasscredit.store.Ledger` implements
them over SQLite or PostgreSQL (its adapters own every SQL statement and fast path).
Frames follow the schemas of :mod:`._schemas`; times are int64 microseconds, UTC. The
contract suite (``tests/store/contract/``) runs one set of tests per protocol
against both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl
import pyarrow as pa

from glasscredit.policy import Policy
from glasscredit.store._audit import AuditEntry, ChainReport
from glasscredit.store._records import Dispute, StoredEvent, StoredNotice, StoredScore

if TYPE_CHECKING:
    from glasscredit.store._adverse import AdverseAction
    from glasscredit.store._backfills import Backfill
    from glasscredit.store._corrections import Correction
    from glasscredit.store._disputes import DisputeTarget
    from glasscredit.store._erasure import Erasure
    from glasscredit.store._ingest import IngestReport
    from glasscredit.store._mirror import EventMirror
    from glasscredit.store._probations import Probation
    from glasscredit.store._readers import BrokenRow
    from glasscredit.store._reviews import Review, Statement
    from glasscredit.store._snapshots import SnapshotVersion
    from glasscredit.store._subject_reader import SubjectInputs

__all__ = [
    "AuditStore",
    "CorrectionStore",
    "DisputeStore",
    "ErasureStore",
    "EventLog",
    "ExclusionStore",
    "HoldStore",
    "ScoreStore",
    "ScoreWriter",
    "SnapshotStore",
    "Store",
    "SubjectInputsReader",
]


class SubjectInputsReader(Protocol):
    """One subject's kernel inputs, fast (explain's read)."""

    def read(
        self,
        subject: str,
        as_of_us: int,
        *,
        made_by_us: int | None = None,
        versions: Mapping[str, int] | None = None,
        recorded_by_us: int | None = None,
    ) -> SubjectInputs: ...

    def close(self) -> None: ...


class EventLog(Protocol):
    """Append events (ingest) and read them: the events table's only way in and out."""

    policy: Policy
    clock: Callable[[], int]

    def ingest(
        self,
        records: Iterable[Mapping[str, Any]] | Iterable[tuple[int, Mapping[str, Any] | BrokenRow]],
        *,
        actor: str = ...,
        batch_size: int = ...,
        progress: Callable[[int], None] | None = ...,
        numbered: bool = ...,
        backfill: int | None = ...,
    ) -> IngestReport: ...

    def has_subject(self, subject: str) -> bool: ...

    def events_of(
        self, subject: str, *, recorded_by_us: int | None = None
    ) -> list[StoredEvent]: ...

    def iter_event_batches(
        self,
        *,
        subjects_in: Collection[str] | None = None,
        subject_range: tuple[str, str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        chunk: int = ...,
    ) -> Iterator[pa.Table]: ...

    def event_table(
        self,
        *,
        subjects_in: Collection[str] | None = None,
        subject_range: tuple[str, str] | None = None,
        recorded_by_us: int | None = None,
        attribute_types: Collection[str] | None = None,
        chunk: int = ...,
    ) -> pa.Table: ...

    def event_frame(
        self,
        *,
        subjects_in: Collection[str] | None = None,
        recorded_by_us: int | None = None,
        occurred_from_us: int | None = None,
        occurred_by_us: int | None = None,
        types: Collection[str] | None = None,
    ) -> pl.DataFrame: ...

    def all_subjects(self) -> list[str]: ...

    def subjects_seen(self, by_us: int) -> pl.DataFrame: ...

    def first_events(self, as_of_us: int) -> pl.DataFrame: ...

    def events_by_source(self) -> dict[str, int]: ...

    def first_seen(self, subject: str) -> int | None: ...

    def content_hashes(self, subject: str) -> dict[tuple[str, str], str]: ...

    def subject_reader(
        self, attribute_types: Collection[str], external: Sequence[tuple[str, str]]
    ) -> SubjectInputsReader: ...

    def counts(self) -> dict[str, int]: ...

    @property
    def mirror(self) -> EventMirror | None: ...

    def verify_audit(self) -> ChainReport: ...


class ExclusionStore(Protocol):
    """Periods during which an event does not count (written by disputes and holds)."""

    def frame(self, subjects_in: Collection[str] | None = None) -> pl.DataFrame: ...

    def of_subject(self, subject: str) -> list[dict[str, Any]]: ...

    def periods(self, event_ids: Collection[str]) -> pl.DataFrame: ...

    def resolved(
        self, event_types: Collection[str], outcome: str, as_of_us: int
    ) -> pl.DataFrame: ...


class ScoreWriter(Protocol):
    """Score writes inside one transaction holding the chain lock."""

    def previous(self, subjects_in: Sequence[str]) -> pl.DataFrame: ...

    def next_score_id(self) -> int: ...

    def append(self, frame: pl.DataFrame) -> None: ...

    def advance(self, frame: pl.DataFrame) -> None: ...

    def details(self, score_ids: Sequence[int]) -> dict[int, dict[str, Any]]: ...

    def append_notices(self, notices: Sequence[Mapping[str, Any]]) -> None: ...


class ScoreStore(Protocol):
    """Stored scores, change notices and the scoring cursor."""

    def writing(self) -> AbstractContextManager[ScoreWriter]: ...

    def history(self, subject: str) -> list[StoredScore]: ...

    def get(self, score_id: int) -> StoredScore | None: ...

    def notices(self, subject: str) -> list[StoredNotice]: ...

    def current(self, subject: str) -> int | None: ...

    def in_period(self, start_us: int, end_us: int) -> pl.DataFrame: ...

    def stale_subjects(self) -> list[str]: ...

    def last_scored_of(self, subjects_in: Collection[str]) -> pl.DataFrame: ...

    def last_scored_times(self) -> list[tuple[int, int]]: ...

    def scored_under_other(self, policy_hash: str, model_hash: str) -> list[str]: ...

    def excluded_since_scored(self, as_of_us: int) -> list[str]: ...


class SnapshotStore(Protocol):
    """Trust and report snapshots: append-only versions stamped with when they were made."""

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
    ) -> SnapshotVersion: ...

    def keep(
        self, kind: str, as_of_us: int, *, at_us: int, actor: str, details: Mapping[str, object]
    ) -> None: ...

    def versions(self, kind: str) -> list[SnapshotVersion]: ...

    def chosen(self, kind: str, as_of_us: int, *, made_by_us: int | None = None) -> int | None: ...

    def values(
        self,
        kind: str,
        as_of_us: int,
        subjects_in: Collection[str] | None = None,
        *,
        made_by_us: int | None = None,
        version: int | None = None,
    ) -> pl.DataFrame | None: ...

    def external(
        self,
        columns: Collection[tuple[str, str]],
        as_of_us: int,
        subjects_in: Collection[str] | None = None,
        *,
        made_by_us: int | None = None,
        versions: Mapping[str, int] | None = None,
    ) -> pl.DataFrame | None: ...


class HoldStore(Protocol):
    """Events held out of scoring pending review; holding and releasing are audited."""

    def hold(
        self,
        ref: str,
        keys: Sequence[tuple[str, str]],
        at_us: int,
        *,
        actor: str,
        details: Mapping[str, Any] | None = None,
    ) -> int: ...

    def release(self, ref: str, at_us: int, *, actor: str) -> int: ...

    def open_holds(self, ref: str) -> list[tuple[str, str]]: ...


class DisputeStore(Protocol):
    """Disputes, their exclusion periods and the sources' outbox; every change audited."""

    def target(self, subject: str, event_id: str, source: str | None = None) -> DisputeTarget: ...

    def open(
        self,
        subject: str,
        event_id: str,
        reason: str,
        *,
        now_us: int,
        deadline_us: int,
        actor: str,
        check: Callable[[DisputeTarget], None],
        source: str | None = None,
        frozen: bool = True,
        details: Mapping[str, Any] | None = None,
        correction: tuple[str, Any, Any] | None = None,
    ) -> Dispute: ...

    def get(self, dispute_id: int) -> Dispute | None: ...

    def resolve(
        self,
        dispute_id: int,
        outcome: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute], None],
        resolution: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> Dispute: ...

    def expire(
        self, now_us: int, *, outcome: str, actor: str, resolution: str = ""
    ) -> list[Dispute]: ...

    def extend(
        self,
        dispute_id: int,
        information: str,
        *,
        extension_us: int,
        now_us: int,
        actor: str,
        check: Callable[[Dispute], None],
    ) -> Dispute: ...

    def respond(
        self,
        dispute_id: int,
        response: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute], None],
    ) -> Dispute: ...

    def find(
        self,
        *,
        subject: str | None = None,
        source: str | None = None,
        status: str | None = None,
    ) -> list[Dispute]: ...

    def notices(self, source: str) -> list[dict[str, Any]]: ...

    def status_counts(self) -> dict[str, dict[str, int]]: ...

    def removals(self, as_of_us: int, *, event_type: str | None = None) -> pl.DataFrame: ...


class CorrectionStore(Protocol):
    """Corrections asked for by disputes, and the source's answer (``store._corrections``)."""

    def get(self, dispute_id: int) -> Correction | None: ...

    def of_subject(self, subject: str) -> list[Correction]: ...

    def confirm(
        self,
        dispute_id: int,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute, Correction], None],
        resolution: str,
    ) -> tuple[Dispute, Correction]: ...

    def refuse(
        self,
        dispute_id: int,
        response: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Dispute, Correction], None],
    ) -> tuple[Dispute, Correction]: ...


class ErasureStore(Protocol):
    """Erasure of a subject from every table and read path; the suppression list."""

    def erase(
        self, subject: str, *, now_us: int, actor: str, named: Mapping[str, list[str]]
    ) -> Erasure: ...

    def erased_at(self, subject: str) -> int | None: ...

    def erased_hashes(self) -> set[str]: ...


class ReviewStore(Protocol):
    """Requests for a person to review an automated decision; every step audited."""

    def request(
        self,
        subject: str,
        kind: str,
        about: str,
        point_of_view: str,
        *,
        score: int | None,
        now_us: int,
        deadline_us: int,
        actor: str,
    ) -> Review: ...

    def decide(
        self,
        review_id: int,
        outcome: str,
        reasons: str,
        *,
        now_us: int,
        actor: str,
        check: Callable[[Review], None],
    ) -> Review: ...

    def get(self, review_id: int) -> Review | None: ...

    def find(self, *, subject: str | None = None, status: str | None = None) -> list[Review]: ...


class StatementStore(Protocol):
    """The person's own statement: kept apart from the events, read by no scoring path."""

    def set(self, subject: str, text: str, *, now_us: int, actor: str) -> Statement: ...

    def remove(self, subject: str, *, now_us: int, actor: str) -> bool: ...

    def get(self, subject: str) -> Statement | None: ...


class AdverseStore(Protocol):
    """Partners' adverse actions on the score and the notices as given; audited."""

    def record(self, notice: AdverseAction) -> AdverseAction: ...

    def of_subject(self, subject: str) -> list[AdverseAction]: ...


class BackfillStore(Protocol):
    """Operator-approved backfills: what history a source may load, known from when."""

    def approve(
        self,
        *,
        source: str,
        occurred_from_us: int,
        occurred_to_us: int,
        known_from_us: int,
        approved_by: str,
        reason: str,
        at_us: int,
    ) -> Backfill: ...

    def get(self, backfill_id: int) -> Backfill: ...

    def all(self) -> list[Backfill]: ...


class ProbationStore(Protocol):
    """Sources on probation and the events each holds until seasoned."""

    def all(self) -> list[Probation]: ...

    def active(self, at_us: int) -> list[Probation]: ...

    def open_for(self, source: str) -> Probation | None: ...

    def place(
        self,
        source: str,
        *,
        from_us: int,
        seasoning_us: int,
        flags: Sequence[str],
        reason: str,
        actor: str,
        at_us: int,
    ) -> Probation: ...

    def release(self, source: str, at_us: int, *, actor: str) -> tuple[Probation, int]: ...

    def hold(
        self, prob: Probation, rows: Sequence[tuple[str, str, int]], at_us: int, *, actor: str
    ) -> int: ...

    def lift(
        self, prob: Probation, subjects: Collection[str], at_us: int, *, actor: str
    ) -> int: ...

    def held_by(self, prob: Probation, at_us: int) -> dict[str, int]: ...


class AuditStore(Protocol):
    """The hash-chained audit log: verification and the rows about a subject."""

    def verify(self) -> ChainReport: ...

    def leaves(self) -> list[bytes]: ...

    def raw_row(self, seq: int) -> tuple[AuditEntry, str] | None: ...

    def tag_of(self, subject: str) -> str | None: ...

    def entries(self, *, tag: str | None = None, action: str | None = None) -> list[AuditEntry]: ...

    def note(
        self, action: str, details: dict[str, Any], *, at_us: int, actor: str
    ) -> AuditEntry: ...


class Store(EventLog, Protocol):
    """Everything the core needs: the event log and the other stores, as attributes."""

    @property
    def scores(self) -> ScoreStore: ...

    @property
    def exclusions(self) -> ExclusionStore: ...

    @property
    def snapshots(self) -> SnapshotStore: ...

    @property
    def holds(self) -> HoldStore: ...

    @property
    def disputes(self) -> DisputeStore: ...

    @property
    def corrections(self) -> CorrectionStore: ...

    @property
    def erasures(self) -> ErasureStore: ...

    @property
    def audit(self) -> AuditStore: ...

    @property
    def reviews(self) -> ReviewStore: ...

    @property
    def statements(self) -> StatementStore: ...

    @property
    def adverse(self) -> AdverseStore: ...

    @property
    def backfills(self) -> BackfillStore: ...

    @property
    def probations(self) -> ProbationStore: ...
