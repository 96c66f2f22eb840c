"""kill -9 during concurrent ingest: nothing acknowledged is lost, nothing is doubled.

A real ``glasscredit serve`` (its HTTP workers and its scoring worker) takes batches from
several clients at once and is killed with SIGKILL, its whole process group, mid-stream.
After a restart: every event whose batch was acknowledged is stored exactly once (an
unacknowledged one is there at most once), the worker scores each subject it had not
caught up with exactly once more and nobody else, and the audit chain verifies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from glasscredit.config import system_clock
from glasscredit.policy import default_policy
from glasscredit.store import Ledger
from tests.api.test_server import CLI, env_for, free_port, run_cli, wait_ready

CLIENTS = 4
SUBJECTS = [f"crash-{i:03d}" for i in range(40)]


def _serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--log-level", "WARNING", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: kill -9 takes every worker
    )
    wait_ready(proc, base, timeout_s=120)
    return proc, base


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _client(
    base: str, token: str, n: int, acked: list[str], sent: list[str], stop: threading.Event
) -> None:
    when = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    batch = 0
    with httpx.Client(base_url=base, timeout=30) as c:
        while not stop.is_set():
            ids = [f"c{n}-b{batch}-{k}" for k in range(25)]
            events = [
                {
                    "event_id": eid,
                    "subject": SUBJECTS[(n * 7 + batch * 3 + k) % len(SUBJECTS)],
                    "source": "bank",
                    "type": "payment.on_time",
                    "occurred_at": when,
                    "attributes": {"amount": 10},
                }
                for k, eid in enumerate(ids)
            ]
            sent.extend(ids)
            try:
                res = c.post(
                    "/v1/events",
                    json={"events": events},
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError:
                return  # the server died under us: this batch was not acknowledged
            if res.status_code == 200 and res.json()["accepted"] == len(ids):
                acked.extend(ids)
            batch += 1


def _stored(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT event_id, count(*) FROM events GROUP BY event_id"))
            return {str(e): int(n) for e, n in rows}
    finally:
        engine.dispose()


def _score_counts(ledger: Ledger) -> dict[str, int]:
    return {s: len(ledger.scores.history(s)) for s in SUBJECTS if ledger.has_subject(s)}


def _crash_and_recover(db_url: str, tmp_path: Path, *extra: str) -> None:
    env = env_for(db_url, tmp_path)
    proc, base = _serve(env, *extra)
    try:
        made = run_cli(env, "keys", "create", "bank", "--role", "source", "--source", "bank")
        token = made.strip().splitlines()[-1]
        acked: list[list[str]] = [[] for _ in range(CLIENTS)]
        sent: list[list[str]] = [[] for _ in range(CLIENTS)]
        stop = threading.Event()
        threads = [
            threading.Thread(target=_client, args=(base, token, n, acked[n], sent[n], stop))
            for n in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while sum(map(len, acked)) < 400 and time.monotonic() < deadline:
            time.sleep(0.05)
        _kill(proc)  # mid-stream: clients are still sending
        stop.set()
        for t in threads:
            t.join(timeout=60)
    except BaseException:
        if proc.poll() is None:
            _kill(proc)
        raise
    all_acked = [e for a in acked for e in a]
    all_sent = {e for s in sent for e in s}
    assert len(all_acked) >= 100, "the clients barely got going before the kill"
    stored = _stored(db_url)
    assert all(stored.get(e) == 1 for e in all_acked), "an acknowledged event is lost or doubled"
    assert set(stored) <= all_sent  # nothing stored that nobody sent
    assert all(n == 1 for n in stored.values())

    with Ledger(db_url, default_policy(), clock=system_clock) as ledger:
        stale = set(ledger.scores.stale_subjects())
        before = _score_counts(ledger)
    proc, base = _serve(env, *extra)
    try:
        with Ledger(db_url, default_policy(), clock=system_clock) as ledger:
            deadline = time.monotonic() + 120
            while ledger.scores.stale_subjects() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert ledger.scores.stale_subjects() == []
            after = _score_counts(ledger)
            for s in after:
                want = before.get(s, 0) + (1 if s in stale else 0)
                assert after[s] == want, (s, before.get(s), after[s], s in stale)
            assert ledger.verify_audit().ok
    finally:
        _kill(proc)
    assert json.loads(run_cli(env, "audit", "verify", "--json"))["ok"]


def test_kill_9_during_concurrent_ingest_on_sqlite(tmp_path: Path) -> None:
    _crash_and_recover(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)


@pytest.mark.postgres
def test_kill_9_during_concurrent_ingest_on_postgres_with_two_workers(
    pg_url: str, tmp_path: Path
) -> None:
    _crash_and_recover(pg_url, tmp_path, "--workers", "2")
