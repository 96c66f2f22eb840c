"""Ledger use cases: init/migrate, ingest (file or records), a subject's events, the audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from glasscredit.app._audit import check_against, read_checkpoint
from glasscredit.app._base import AppModel, JsonScalar, JsonValue
from glasscredit.app._context import Context
from glasscredit.exceptions import AuditChainError
from glasscredit.store import IngestReport

__all__ = [
    "AuditVerification",
    "EventList",
    "IngestResult",
    "LedgerCounts",
    "LedgerInfo",
    "RowError",
    "StoredEventView",
    "events_of",
    "ingest_file",
    "ingest_records",
    "init_ledger",
    "ledger_counts",
    "verify_audit",
]

IngestProgress = Callable[[int], None]


class LedgerInfo(AppModel):
    """Where the ledger is and which policy governs it."""

    url: str
    dialect: str
    policy_name: str
    policy_hash: str


class RowError(AppModel):
    """One broken rule of one input row (the row is never stored)."""

    row: int | None
    field: str
    rule: str
    message: str


class IngestResult(AppModel):
    """What happened to every input row; the counts add up to ``input``."""

    input: int
    accepted: int
    duplicates: int
    conflicts: int
    invalid: int
    rejected: int
    errors: list[RowError]


class StoredEventView(AppModel):
    event_id: str
    subject: str
    source: str
    type: str
    occurred_at: str
    recorded_at: str
    #: the ledger's clock: from when the ledger knew the event (docs/clocks.md)
    known_at: str
    attributes: dict[str, JsonScalar]


class EventList(AppModel):
    """Every event recorded about one subject, in the order they happened."""

    subject: str
    events: list[StoredEventView]


class AuditVerification(AppModel):
    """The audit chain recomputed: ``ok``, or the first bad row and what is wrong."""

    ok: bool
    rows: int
    events: int
    first_bad_seq: int | None
    problem: str
    #: where the problem is: ``audit_log``, ``events`` or a covered table's name
    table: str | None = None
    #: in a covered table: its first bad row, by key (``score_id=7``), when located
    row: str | None = None
    #: the size of the checkpoint the log was checked against, if one was given
    against: int | None = None

    def error(self) -> AuditChainError | None:
        """The error a broken chain is (``None`` when it verifies)."""
        if self.ok:
            return None
        where = f"table {self.table}" if self.first_bad_seq is None else f"row {self.first_bad_seq}"
        return AuditChainError(f"audit chain broken at {where}: {self.problem}", self.first_bad_seq)


class LedgerCounts(AppModel):
    events: int
    subjects: int
    by_type: dict[str, int]


def init_ledger(ctx: Context) -> LedgerInfo:
    """Create (or migrate) the ledger and register the policy's sources."""
    led = ctx.ledger
    return LedgerInfo(
        url=led.display_url,
        dialect=led.dialect(),
        policy_name=ctx.policy.name,
        policy_hash=ctx.policy.hash,
    )


def ingest_result(report: IngestReport) -> IngestResult:
    return IngestResult.model_validate(report.as_dict())


def ingest_file(
    ctx: Context,
    path: Path,
    *,
    fmt: str | None = None,
    actor: str = "ingest",
    progress: IngestProgress | None = None,
    backfill: int | None = None,
) -> IngestResult:
    """Append events from a .jsonl, .json, .csv or .parquet file; invalid rows are reported.

    ``backfill``: load them into that approved backfill (its source and dates only).
    """
    return ingest_result(
        ctx.ledger.ingest_file(path, fmt=fmt, actor=actor, progress=progress, backfill=backfill)
    )


def ingest_records(
    ctx: Context,
    records: Iterable[Mapping[str, JsonValue]],
    *,
    actor: str = "ingest",
    progress: IngestProgress | None = None,
    backfill: int | None = None,
) -> IngestResult:
    """Append events given as records (the service's batch ingest); rows numbered from 1.

    ``backfill``: load them into that approved backfill (its source and dates only).
    """
    return ingest_result(
        ctx.ledger.ingest(records, actor=actor, progress=progress, backfill=backfill)
    )


def events_of(ctx: Context, subject: str) -> EventList:
    """Every event recorded about one subject (``NotFoundError`` for an unknown one)."""
    evs = ctx.ledger.events_of(subject)
    return EventList(
        subject=subject, events=[StoredEventView.model_validate(e.as_dict()) for e in evs]
    )


def verify_audit(ctx: Context, *, against: Path | None = None) -> AuditVerification:
    """Recompute the audit chain, every batch digest and every covered table's digest;
    name the first bad row or table. ``against``: a signed checkpoint file the log must
    still extend (truncation and full rewrites show there)."""
    rep = ctx.ledger.verify_audit()
    res = AuditVerification(
        ok=rep.ok,
        rows=rep.rows,
        events=rep.events,
        first_bad_seq=rep.first_bad_seq,
        problem=rep.problem,
        table=rep.table,
        row=rep.row,
    )
    if against is None:
        return res
    broken = check_against(ctx, against)
    size = read_checkpoint(against).tree_size
    if broken is None or not res.ok:
        return res.model_copy(update={"against": size})
    return res.model_copy(
        update={
            "ok": False,
            "first_bad_seq": broken[0],
            "problem": broken[1],
            "table": "audit_log",
            "against": size,
        }
    )


def ledger_counts(ctx: Context) -> LedgerCounts:
    """Events, subjects, and events per type."""
    c = ctx.ledger.counts()
    return LedgerCounts(
        events=c["events"],
        subjects=c["subjects"],
        by_type={k.removeprefix("type:"): v for k, v in c.items() if k.startswith("type:")},
    )
