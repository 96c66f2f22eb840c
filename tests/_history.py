"""Load a test's history as production loads a partner's past: through approved backfills.

The shipped policy refuses events dated further back than its backdating bounds unless
they arrive in an operator-approved backfill (docs/clocks.md). Tests that seed a ledger
with months or years of history therefore load it the way an operator would: one
approval per source, attested known from the first event's date (so each event is known
from when it occurred and the lateness rules see an honest, timely history), and the
rows dated after the ledger's clock sent live. Rows that cannot be read (no source, no
valid timestamp, an unknown source) go live too, with their row numbers, so that the
errors a test expects are the errors ingest gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from glasscredit.policy import parse_timestamp
from glasscredit.store import BackfillStore, IngestReport

__all__ = ["approve_history", "load_history"]

REASON = "test history, known to each source as it happened"


class _Ledger(Protocol):
    """What the helper needs of a ledger (``glasscredit.store.Ledger`` or a World's)."""

    policy: Any
    backfills: BackfillStore

    def clock(self) -> int: ...

    def ingest(self, records: Any, **kwargs: Any) -> IngestReport: ...


def _when(row: Mapping[str, Any]) -> int | None:
    try:
        return parse_timestamp(row["occurred_at"])
    except (KeyError, TypeError, ValueError):
        return None


def approve_history(
    ledger: _Ledger, source: str, first_us: int, *, known_from_us: int | None = None
) -> int:
    """Approve one source's history from ``first_us`` to now, known as it happened (or,
    given ``known_from_us``, known to the ledger only from then: a source's late history)."""
    now = ledger.clock()
    known = min(first_us, now) if known_from_us is None else known_from_us
    return ledger.backfills.approve(
        source=source,
        occurred_from_us=min(first_us, now),
        occurred_to_us=now,
        known_from_us=known,
        approved_by="test",
        reason=REASON,
        at_us=now,
    ).backfill_id


def load_history(
    ledger: _Ledger,
    rows: Iterable[Mapping[str, Any]],
    *,
    actor: str = "partner",
    known_from_us: int | None = None,
) -> IngestReport:
    """Ingest ``rows``: each declared source's past through one approved backfill, the
    rest live; the reports are summed (row numbers are the rows' places in ``rows``).

    ``known_from_us`` (e.g. ``ledger.clock()``): the date every approval attests, for a
    history the ledger learns only now (each event known from ``max(occurred, it)``);
    by default each source's history is known as it happened."""
    now = ledger.clock()
    declared = set(ledger.policy.sources)
    past: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    live: list[tuple[int, Mapping[str, Any]]] = []
    for n, row in enumerate(rows, start=1):
        t = _when(row) if isinstance(row, Mapping) else None
        source = row.get("source") if isinstance(row, Mapping) else None
        if t is not None and t <= now and isinstance(source, str) and source in declared:
            past.setdefault(source, []).append((n, row))
        else:
            live.append((n, row))
    total = IngestReport()
    for source in sorted(past):
        mine = past[source]
        first = min(t for t in (_when(r) for _, r in mine) if t is not None)
        backfill = approve_history(ledger, source, first, known_from_us=known_from_us)
        _add(total, ledger.ingest(mine, actor=actor, numbered=True, backfill=backfill))
    if live or not past:
        _add(total, ledger.ingest(live, actor=actor, numbered=True))
    total.errors.sort(key=lambda e: e.row or 0)
    return total


def _add(total: IngestReport, part: IngestReport) -> None:
    total.input += part.input
    total.accepted += part.accepted
    total.duplicates += part.duplicates
    total.conflicts += part.conflicts
    total.invalid += part.invalid
    total.errors.extend(part.errors)
    total.subjects |= part.subjects
    total.batches.extend(part.batches)
