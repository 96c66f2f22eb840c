"""Shared fixtures: a ledger on a real SQLite file and on the real PostgreSQL server.

PostgreSQL tests use ``GLASSCREDIT_TEST_POSTGRES_URL`` (default: the local server,
database ``test``), each in a schema of its own that is dropped afterwards. Where no
server answers they are skipped with the reason, unless ``GLASSCREDIT_REQUIRE_POSTGRES=1``
(set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from glasscredit.policy import Policy, default_policy, parse_timestamp
from glasscredit.store import Ledger

# pytest-xdist's workers export COLUMNS=80 and LINES=24: the CLI's rich console, made when
# the CLI is first imported, would fix its width from them, and a test that gives one
# invocation a wider COLUMNS would see its lines wrapped. Without them the width is read
# at each print, as in a serial run.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

PG_URL = os.environ.get(
    "GLASSCREDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW_US = parse_timestamp("2026-09-01T00:00:00Z")


class FakeClock:
    """A clock the test moves by hand; the core never reads the real one."""

    def __init__(self, now_us: int = NOW_US) -> None:
        self.now_us = now_us

    def __call__(self) -> int:
        return self.now_us

    def set(self, rfc3339: str) -> None:
        self.now_us = parse_timestamp(rfc3339)


_pg_state: dict[str, str | None] = {}


def _postgres_problem() -> str | None:
    if "problem" not in _pg_state:
        try:
            eng = create_engine(PG_URL)
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
            eng.dispose()
            _pg_state["problem"] = None
        except Exception as exc:  # any failure to connect means: no server here
            _pg_state["problem"] = f"PostgreSQL not reachable at {PG_URL}: {exc}"
    return _pg_state["problem"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server, dropped after the test."""
    problem = _postgres_problem()
    if problem:
        if os.environ.get("GLASSCREDIT_REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"gc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def policy() -> Policy:
    return default_policy()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(db_url: str, policy: Policy, clock: FakeClock) -> Iterator[Ledger]:
    led = Ledger(db_url, policy, clock=clock)
    try:
        yield led
    finally:
        led.close()


def event(
    event_id: str,
    subject: str = "s1",
    type_: str = "payment.on_time",
    occurred_at: str = "2026-03-02T10:00:00Z",
    source: str | None = None,
    **attributes: object,
) -> dict[str, object]:
    """A valid event of the default policy (amount 10 unless given)."""
    defaults: dict[str, dict[str, object]] = {
        "payment.on_time": {"amount": 10},
        "payment.late": {"amount": 10, "days_late": 5},
        "bill.paid": {"amount": 10, "kind": "phone"},
        "bill.missed": {"amount": 10, "kind": "phone"},
        "loan.repaid": {"amount": 100},
        "loan.defaulted": {"amount": 100},
        "loan.opened": {"amount": 100},
        "identity.verified": {"level": 2},
        "account.opened": {"kind": "current"},
        "income.verified": {"band": "3000_5999"},
        "contract.fulfilled": {},
        "contract.breached": {},
        "rental.returned": {"asset": "bike"},
        "rental.started": {"asset": "bike"},
        "rental.returned_late": {"asset": "bike", "days_late": 2},
        "rental.damaged": {"asset": "bike", "amount": 50, "severity": "minor"},
        "endorsement": {"endorser": "s2"},
        "report.misconduct": {"reporter": "s2", "category": "fraud", "evidence": "case-1"},
    }
    sources = {
        "payment": "bank",
        "loan": "bank",
        "bill": "bank",
        "identity": "bank",
        "income": "bank",
        "account": "bank",
        "rental": "rentals",
        "contract": "rentals",
        "endorsement": "community",
        "report": "community",
    }
    attrs = {**defaults.get(type_, {}), **attributes}
    return {
        "event_id": event_id,
        "subject": subject,
        "source": source or sources[type_.split(".")[0]],
        "type": type_,
        "occurred_at": occurred_at,
        "attributes": attrs,
    }
