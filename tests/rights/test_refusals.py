"""Bad requests are refused with a clear error, and leave the ledger and the chain unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glasscredit.exceptions import (
    AccessDeniedError,
    ConflictError,
    GlasscreditError,
    NotFoundError,
    ValidationError,
)
from glasscredit.policy import DAY_US, parse_timestamp
from glasscredit.rights import erase_subject, open_dispute, resolve_dispute
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

T0 = parse_timestamp("2026-09-01T00:00:00Z")
TABLES = (
    "events",
    "subjects",
    "audit_log",
    "event_exclusions",
    "scores",
    "score_changes",
    "disputes",
    "dispute_notices",
    "event_tombstones",
    "erasures",
)


def _snapshot(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(tuple(r) for r in ledger.execute_sql(f"SELECT * FROM {t}")) for t in TABLES}


@pytest.fixture
def busy(ledger: Ledger, clock: FakeClock) -> Ledger:
    """s1 and s2 with events; s1's default under an open dispute; s3 erased."""
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events("s1") + s1_events("s2") + s1_events("s3"))
    open_dispute(ledger, "s1", "s1-default", "not mine", now_us=T0, actor="subject")
    erase_subject(ledger, "s3", now_us=T0, actor="operator")
    return ledger


CASES: list[tuple[str, Callable[[Ledger], object], type[GlasscreditError], str]] = [
    (
        "another subject's event",
        lambda led: open_dispute(led, "s1", "s2-late", "x", now_us=T0 + DAY_US, actor="subject"),
        AccessDeniedError,
        "own_event",
    ),
    (
        "unknown event",
        lambda led: open_dispute(led, "s1", "nope", "x", now_us=T0 + DAY_US, actor="subject"),
        NotFoundError,
        "event_id",
    ),
    (
        "erased event",
        lambda led: open_dispute(led, "s1", "s3-late", "x", now_us=T0 + DAY_US, actor="subject"),
        NotFoundError,
        "event_id",
    ),
    (
        "erased subject",
        lambda led: open_dispute(led, "s3", "s3-late", "x", now_us=T0 + DAY_US, actor="subject"),
        NotFoundError,
        "subject",
    ),
    (
        "second dispute on the same event",
        lambda led: open_dispute(
            led, "s1", "s1-default", "again", now_us=T0 + DAY_US, actor="subject"
        ),
        ConflictError,
        "one_open_dispute",
    ),
    (
        "empty reason",
        lambda led: open_dispute(led, "s1", "s1-late", "  ", now_us=T0 + DAY_US, actor="subject"),
        ValidationError,
        "reason",
    ),
    (
        "actor naming the subject",
        lambda led: open_dispute(led, "s1", "s1-late", "x", now_us=T0 + DAY_US, actor="s1"),
        ValidationError,
        "no_id_in_audit",
    ),
    (
        "unknown outcome",
        lambda led: resolve_dispute(led, 1, "maybe", now_us=T0 + DAY_US, actor="operator"),
        ValidationError,
        "outcome",
    ),
    (
        "unknown dispute",
        lambda led: resolve_dispute(led, 99, "upheld", now_us=T0 + DAY_US, actor="operator"),
        NotFoundError,
        "dispute_id",
    ),
    (
        "unknown subject to erase",
        lambda led: erase_subject(led, "nobody", now_us=T0 + DAY_US, actor="operator"),
        NotFoundError,
        "unknown",
    ),
    (
        "subject erased twice",
        lambda led: erase_subject(led, "s3", now_us=T0 + DAY_US, actor="operator"),
        NotFoundError,
        "was erased",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_and_nothing_changes(
    busy: Ledger, case: tuple[str, Callable[[Ledger], object], type[GlasscreditError], str]
) -> None:
    _, action, error, words = case
    before = _snapshot(busy)
    with pytest.raises(error, match=words):
        action(busy)
    assert _snapshot(busy) == before
    assert busy.verify_audit().ok


def test_resolving_twice_is_refused(busy: Ledger) -> None:
    resolve_dispute(busy, 1, "removed", now_us=T0 + DAY_US, actor="operator")
    before = _snapshot(busy)
    with pytest.raises(ConflictError, match=r"already resolved as removed by operator"):
        resolve_dispute(busy, 1, "upheld", now_us=T0 + 2 * DAY_US, actor="operator")
    assert _snapshot(busy) == before and busy.verify_audit().ok
