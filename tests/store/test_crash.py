"""Kill -9 a real ingest process mid-file, resend the file: exact contents, chain intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from glasscredit.policy import Policy
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, write_population
from glasscredit.store import Ledger
from tests._history import approve_history

# the child ingests in small batches, so it is killed with many batches still to come;
# its file is read by a reader process of its own, as a large file's would be
CHILD = """
import sys
from glasscredit.store import Ledger, _ingest
from glasscredit.policy import default_policy
_ingest.PROCESS_MIN_BYTES = 0
url, path, now, backfill = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with Ledger(url, default_policy(), clock=lambda: now) as led:
    led.ingest_file(path, batch_size=500, backfill=backfill)
"""


def _batches_committed(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM audit_log WHERE action = 'ingest'"
            return int(conn.execute(text(query)).scalar_one())
    except DBAPIError:  # the child has not created the tables yet
        return 0
    finally:
        engine.dispose()


def _readers_alive() -> list[int]:
    """Pids of ingest reader processes (their command line names the entry module)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"_pipeline_main" in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def test_killed_ingest_resent_ends_with_each_event_once(
    db_url: str, tmp_path: Path, policy: Policy
) -> None:
    # years of one bank's history: loaded as production loads it, in an approved backfill
    everyone = tmp_path / "population.jsonl"
    write_population(PopulationSpec(subjects=300, seed=3, chunk_subjects=100), everyone)
    path = tmp_path / "events.jsonl"
    with everyone.open() as src, path.open("w") as dst:
        bank = [line for line in src if json.loads(line)["source"] == "bank"]
        dst.writelines(bank)
    total = len(bank)
    with Ledger(db_url, policy, clock=lambda: DEFAULT_END_US) as led:
        backfill = approve_history(led, "bank", 0)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(path), str(DEFAULT_END_US), str(backfill)],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while _batches_committed(db_url) < 1:
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the child never committed a batch"
            time.sleep(0.02)
        assert _readers_alive(), "the child reads its file in a reader process"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while _readers_alive():  # the orphaned reader exits at its next write
            assert time.monotonic() < deadline, "the reader outlived the killed ingest"
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr:
            child.stderr.close()

    with Ledger(db_url, policy, clock=lambda: DEFAULT_END_US) as led:
        before = led.counts()["events"]
        assert 0 < before < total and before % 500 == 0  # killed mid-ingest: whole batches
        assert led.verify_audit().ok
        rep = led.ingest_file(path, backfill=backfill)
        assert (rep.input, rep.accepted, rep.duplicates, rep.rejected) == (
            total,
            total - before,
            before,
            0,
        )
        ids = [r[0] for r in led.execute_sql("SELECT event_id FROM events")]
        assert len(ids) == len(set(ids)) == total
        with path.open() as fh:
            assert set(ids) == {line.split('"', 4)[3] for line in fh}
        chain = led.verify_audit()
        assert chain.ok and chain.events == total
