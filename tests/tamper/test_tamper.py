"""The tamper suite: each tampering of what a score depends on is detected and located.

Every test builds the same ledger through the audited paths (``_scenario.build``), on a
SQLite file and on PostgreSQL, tampers with it as someone with write access to the
database would (plain SQL, or SQL with the hashes recomputed), and checks that
``audit verify`` fails and names the table (and the row where the chain can).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, text

from glasscredit.policy import content_hash
from glasscredit.store import Ledger
from glasscredit.store._audit import row_hash
from glasscredit.store._coverage import COVERED_TABLES, StateTracker, locate_row
from tests._history import load_history
from tests.conftest import NOW_US
from tests.rights._helpers import s1_events
from tests.tamper._scenario import build

Tamper = Callable[[Connection], None]


def sql(*statements: str) -> Tamper:
    def run(conn: Connection) -> None:
        for s in statements:
            assert conn.execute(text(s)).rowcount != 0, s  # the tampering touched rows

    return run


def _rehash_event(conn: Connection) -> None:
    """Edit an event and store its recomputed content hash (the batch digest still binds)."""
    r = conn.execute(
        text("SELECT subject, source, type, occurred_at_us, attributes FROM events "
             "WHERE event_id = 's1-late'")
    ).one()  # fmt: skip
    attrs = r.attributes.replace('"days_late":45', '"days_late":1')
    ch = content_hash("s1-late", r.subject, r.source, r.type, int(r.occurred_at_us), attrs)
    conn.execute(
        text("UPDATE events SET attributes = :a, content_hash = :h WHERE event_id = 's1-late'"),
        {"a": attrs, "h": ch},
    )


def _rehash_row(conn: Connection) -> None:
    """Edit an audit row's actor and recompute its own hash (its successor still binds)."""
    r = conn.execute(text("SELECT * FROM audit_log WHERE seq = 1")).one()
    h = row_hash(r.prev_hash, 1, r.at_us, "forger", r.action, r.subject_tag, r.details)
    conn.execute(
        text("UPDATE audit_log SET actor = 'forger', row_hash = :h WHERE seq = 1"), {"h": h}
    )


def _edit_state(conn: Connection) -> None:
    """Change the row count an erase row vouches for (to match a deleted row)."""
    d = conn.execute(text("SELECT details FROM audit_log WHERE action = 'erase'")).scalar_one()
    conn.execute(
        text("UPDATE audit_log SET details = :d WHERE action = 'erase'"),
        {"d": d.replace('"rows":', '"rows":9')},
    )


@dataclass(frozen=True)
class Case:
    name: str
    tamper: Tamper
    table: str
    says: str  # a phrase the report must contain
    #: in a covered table: SQL naming the first bad row as the report must (``score_id=7``),
    #: run before the tampering, or after it for ``row_after`` (a row it inserts)
    row: str | None = None
    row_after: bool = False


def first(table: str, key: str, where: str = "1 = 1", agg: str = "MIN") -> str:
    """SQL for ``key=<the first matching key>`` of ``table``."""
    return f"SELECT '{key}=' || {agg}({key}) FROM {table} WHERE {where}"


def value_row(table: str, subject: str) -> str:
    """SQL naming a trust or report value's row by its whole key."""
    return (
        f"SELECT 'version=' || MIN(version) || ', subject={subject}' FROM {table} "
        f"WHERE subject = '{subject}'"
    )


CASES = [
    # -- events: content, both clocks, membership -----------------------------------
    Case(
        "event attributes edited",
        sql(
            "UPDATE events SET attributes = replace(attributes, '45', '4') "
            "WHERE event_id = 's1-late'"
        ),
        "events",
        "edited event s1-late",
    ),
    Case(
        "event occurred_at_us moved",
        sql(
            "UPDATE events SET occurred_at_us = occurred_at_us - 86400000000 "
            "WHERE event_id = 's2-default'"
        ),
        "events",
        "edited event s2-default",
    ),
    Case(
        "event recorded_at_us backdated",
        sql("UPDATE events SET recorded_at_us = recorded_at_us - 1 WHERE event_id = 's1-default'"),
        "events",
        "s1-default's recorded_at_us",
    ),
    Case(
        "event known_at_us backdated (an old event made to look known long ago)",
        sql("UPDATE events SET known_at_us = known_at_us - 1 WHERE event_id = 's1-default'"),
        "events",
        "s1-default's known_at_us",
    ),
    Case(
        "event subject changed",
        sql("UPDATE events SET subject = 's2' WHERE event_id = 's1-default'"),
        "events",
        "edited event s1-default",
    ),
    Case("event edited with its content hash recomputed", _rehash_event, "events", "digest"),
    Case(
        "event deleted",
        sql("DELETE FROM events WHERE event_id = 's1-default'"),
        "events",
        "the row vouches for",
    ),
    Case(
        "event inserted into a batch",
        sql(
            "INSERT INTO events (event_id, subject, source, type, occurred_at_us, "
            "recorded_at_us, attributes, content_hash, batch, known_at_us) "
            "SELECT 'forged', subject, source, type, occurred_at_us, recorded_at_us, "
            "attributes, content_hash, batch, known_at_us "
            "FROM events WHERE event_id = 's1-acct'"
        ),
        "events",
        "the row vouches for",
    ),
    Case(
        "event inserted beyond the chain",
        sql(
            "INSERT INTO events (event_id, subject, source, type, occurred_at_us, "
            "recorded_at_us, attributes, content_hash, batch, known_at_us) "
            "SELECT 'forged', subject, source, type, occurred_at_us, recorded_at_us, "
            "attributes, content_hash, 999, known_at_us "
            "FROM events WHERE event_id = 's1-acct'"
        ),
        "events",
        "beyond the chain's end",
    ),
    Case(
        "event moved to another batch",
        sql(
            "UPDATE events SET batch = (SELECT MAX(batch) FROM events) "
            "WHERE event_id = 's1-pay-2026-01'"
        ),
        "events",
        "the row vouches for",
    ),
    Case(
        "tombstone of an erased event deleted",
        sql("DELETE FROM event_tombstones WHERE id = (SELECT MIN(id) FROM event_tombstones)"),
        "events",
        "erased",
    ),
    Case(
        "tombstone leaf edited",
        sql(
            "UPDATE event_tombstones SET leaf = replace(leaf, substr(leaf, 1, 1), 'x') "
            "WHERE id = (SELECT MIN(id) FROM event_tombstones)"
        ),
        "events",
        "digest",
    ),
    # -- the audit rows themselves ---------------------------------------------------
    Case(
        "audit row edited",
        sql("UPDATE audit_log SET actor = 'someone else' WHERE action = 'dispute.open'"),
        "audit_log",
        "the row was edited",
    ),
    Case(
        "audit row deleted from the middle",
        sql("DELETE FROM audit_log WHERE action = 'hold'"),
        "audit_log",
        "is missing",
    ),
    Case("audit row edited with its hash recomputed", _rehash_row, "audit_log", "prev_hash"),
    Case(
        "audit row's state digest edited",
        _edit_state,
        "audit_log",
        "the row was edited",
    ),
    # -- exclusions: disputes and holds ----------------------------------------------
    Case(
        "exclusion deleted (a hold dropped)",
        sql("DELETE FROM event_exclusions WHERE ref = 'burst:bank:1'"),
        "event_exclusions",
        "deleted",
        row=first("event_exclusions", "id", "ref = 'burst:bank:1'"),
    ),
    Case(
        "exclusion inserted (a negative event hidden)",
        sql(
            "INSERT INTO event_exclusions "
            "(event_id, subject, from_us, until_us, reason, ref, source) "
            "VALUES ('s1-default', 's1', 0, NULL, 'dispute', '77', 'bank')"
        ),
        "event_exclusions",
        "inserted",
        row=first("event_exclusions", "id", agg="MAX"),
        row_after=True,
    ),
    Case(
        "exclusion moved to another source's event with the same id",
        sql("UPDATE event_exclusions SET source = 'rentals' WHERE ref = 'burst:bank:1'"),
        "event_exclusions",
        "edited",
        row=first("event_exclusions", "id", "ref = 'burst:bank:1'"),
    ),
    Case(
        "exclusion period edited",
        sql("UPDATE event_exclusions SET from_us = from_us - 1 WHERE ref = 'burst:bank:1'"),
        "event_exclusions",
        "edited",
        row=first("event_exclusions", "id", "ref = 'burst:bank:1'"),
    ),
    Case(
        "released hold reopened",
        sql("UPDATE event_exclusions SET until_us = NULL WHERE ref = 'burst:bank:2'"),
        "event_exclusions",
        "edited",
        row=first("event_exclusions", "id", "ref = 'burst:bank:2'"),
    ),
    # -- disputes --------------------------------------------------------------------
    Case(
        "dispute status changed",
        sql("UPDATE disputes SET status = 'removed' WHERE status = 'open'"),
        "disputes",
        "edited",
        row=first("disputes", "dispute_id", "status = 'open'"),
    ),
    Case(
        "dispute deleted",
        sql("DELETE FROM disputes WHERE status = 'removed'"),
        "disputes",
        "deleted",
        row=first("disputes", "dispute_id", "status = 'removed'"),
    ),
    Case(
        "dispute inserted",
        sql(
            "INSERT INTO disputes (event_id, subject, source, event_type, reason, "
            "opened_at_us, opened_by, deadline_us, status) SELECT event_id, subject, source, "
            "event_type, reason, opened_at_us, opened_by, deadline_us, 'removed' "
            "FROM disputes WHERE status = 'open'"
        ),
        "disputes",
        "inserted",
        row=first("disputes", "dispute_id", agg="MAX"),
        row_after=True,
    ),
    # -- the erasure list ------------------------------------------------------------
    Case(
        "erasure record deleted",
        sql("DELETE FROM erasures"),
        "erasures",
        "deleted",
        row=first("erasures", "subject_hash"),
    ),
    Case(
        "erasure record inserted",
        sql(
            "INSERT INTO erasures (subject_hash, erased_at_us, actor, events) "
            "VALUES ('ab', 1, 'x', 0)"
        ),
        "erasures",
        "inserted",
        row="SELECT 'subject_hash=ab'",
    ),
    Case(
        "erasure record edited",
        sql("UPDATE erasures SET erased_at_us = erased_at_us + 1"),
        "erasures",
        "edited",
        row=first("erasures", "subject_hash"),
    ),
    # -- trust and report snapshots --------------------------------------------------
    Case(
        "snapshot version's as-of time edited",
        sql("UPDATE snapshot_versions SET as_of_us = as_of_us + 1 WHERE kind = 'trust'"),
        "snapshot_versions",
        "edited",
        row=first("snapshot_versions", "version", "kind = 'trust'"),
    ),
    Case(
        "snapshot version deleted",
        sql("DELETE FROM snapshot_versions WHERE kind = 'reports'"),
        "snapshot_versions",
        "deleted",
        row=first("snapshot_versions", "version", "kind = 'reports'"),
    ),
    Case(
        "trust value edited",
        sql("UPDATE trust_values SET value = 0.99 WHERE subject = 's3'"),
        "trust_values",
        "edited",
        row=value_row("trust_values", "s3"),
    ),
    Case(
        "trust value inserted",
        sql(
            "INSERT INTO trust_values (version, subject, value) "
            "SELECT version, 'sX', 1.0 FROM trust_values WHERE subject = 's1'"
        ),
        "trust_values",
        "inserted",
        row=value_row("trust_values", "sX"),
        row_after=True,
    ),
    Case(
        "report value deleted",
        sql("DELETE FROM report_values WHERE subject = 's2'"),
        "report_values",
        "deleted",
        row=first("report_values", "version", "subject = 's2'"),
    ),
    Case(
        "report value edited",
        sql("UPDATE report_values SET value = 0 WHERE subject = 's2'"),
        "report_values",
        "edited",
        row=value_row("report_values", "s2"),
    ),
    # -- stored scores ---------------------------------------------------------------
    Case(
        "stored score edited",
        sql("UPDATE scores SET score = score + 50 WHERE subject = 's1'"),
        "scores",
        "edited",
        row=first("scores", "score_id", "subject = 's1'"),
    ),
    Case(
        "stored score's inputs digest edited",
        sql("UPDATE scores SET inputs_digest = 'x' WHERE subject = 's2'"),
        "scores",
        "edited",
        row=first("scores", "score_id", "subject = 's2'"),
    ),
    Case(
        "stored score deleted",
        sql("DELETE FROM scores WHERE score_id = (SELECT MAX(score_id) FROM scores)"),
        "scores",
        "deleted",
        row=first("scores", "score_id", agg="MAX"),
    ),
    Case(
        "stored score inserted",
        sql(
            "INSERT INTO scores (score_id, subject, as_of_us, computed_at_us, score, tier, "
            "policy_hash, model_hash, inputs_digest, detail) SELECT score_id + 1000, subject, "
            "as_of_us, computed_at_us, 900, tier, policy_hash, model_hash, inputs_digest, detail "
            "FROM scores "
            "WHERE score_id = (SELECT MIN(score_id) FROM scores)"
        ),
        "scores",
        "inserted",
        row=first("scores", "score_id", agg="MAX"),
        row_after=True,
    ),
]


def test_the_suite_is_large_and_distinct() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 30


def test_every_covered_table_case_names_its_row() -> None:
    for case in CASES:
        assert (case.row is None) == (case.table in ("events", "audit_log")), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_tampering_is_detected_and_located(ledger: Ledger, case: Case) -> None:
    build(ledger)
    with ledger.engine.begin() as conn:
        row = None if case.row is None or case.row_after else conn.execute(text(case.row))
        want = None if row is None else row.scalar_one()
        case.tamper(conn)
        if case.row is not None and case.row_after:
            want = conn.execute(text(case.row)).scalar_one()
    rep = ledger.verify_audit()
    assert not rep.ok
    assert rep.table == case.table, rep.problem
    assert case.says in rep.problem, rep.problem
    if case.table in ("events", "audit_log"):
        assert rep.first_bad_seq is not None  # the chain names the row
    else:
        assert rep.first_bad_seq is not None and f"audit row {rep.first_bad_seq}" in rep.problem
        assert case.table in rep.problem
        # located to the row: the first one (by key) that the audited writes did not make
        assert want is not None and rep.row == want, (rep.row, want, rep.problem)
        assert f"row {want}" in rep.problem, rep.problem


def test_untouched_ledger_verifies(ledger: Ledger) -> None:
    build(ledger)
    assert ledger.verify_audit().ok
    # the locators the writes recorded, replayed, are the rows: no row is named
    with ledger.engine.connect() as conn:
        for name in COVERED_TABLES:
            assert locate_row(conn, name) is None, name


def test_locators_start_afresh_after_a_state_written_without_them(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state written before locators existed (a migration's, an older version's): the
    table is still checked by its digest, located to the table only, and the next write
    lists the table whole, from which its rows are named again."""
    real = StateTracker.state

    def without_locators(self: StateTracker) -> dict[str, dict[str, object]]:
        return {n: {"rows": s["rows"], "lthash": s["lthash"]} for n, s in real(self).items()}

    load_history(ledger, s1_events("s1"))
    monkeypatch.setattr(StateTracker, "state", without_locators)
    ledger.holds.hold("burst:bank:1", [("bank", "s1-late")], NOW_US, actor="op")
    monkeypatch.undo()
    edit = "UPDATE event_exclusions SET from_us = from_us - 1 WHERE ref = 'burst:bank:1'"
    with ledger.engine.begin() as conn:
        conn.execute(text(edit))
    rep = ledger.verify_audit()
    assert not rep.ok and rep.table == "event_exclusions" and rep.row is None, rep.problem
    with ledger.engine.begin() as conn:  # undone, then a write with locators
        conn.execute(text(edit.replace("- 1", "+ 1")))
    ledger.holds.hold("burst:bank:2", [("bank", "s1-default")], NOW_US, actor="op")
    assert ledger.verify_audit().ok
    with ledger.engine.begin() as conn:
        first_id = conn.execute(text(first("event_exclusions", "id"))).scalar_one()
        conn.execute(text(edit))
    rep = ledger.verify_audit()
    assert not rep.ok and rep.row == first_id and "edited" in rep.problem, rep.problem
