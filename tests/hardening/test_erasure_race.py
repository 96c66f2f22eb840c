"""Erasure during a running ingest and ingest after erasure: nothing erased comes back.

The ingest checks the erasure keys inside each batch's write transaction, so an erasure
that commits between two batches holds for every later batch, in a thread of the same
process or in another process, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from glasscredit.policy import Policy
from glasscredit.rights import erase_subject
from glasscredit.store import Ledger
from tests.conftest import NOW_US, FakeClock, event

VICTIM = "victim-1"
#: the feed is live (the clock is 2026-09-01): dated within the policy's backdating bounds
AT = "2026-08-30T10:00:00Z"


def _write_feed(path: Path, rows: int) -> None:
    """Events of 400 subjects; every 25th row is the victim's, every 40th names them."""
    with path.open("w") as fh:
        for i in range(rows):
            if i % 25 == 0:
                rec = event(f"v-{i}", VICTIM, occurred_at=AT)
            elif i % 40 == 0:
                rec = event(f"e-{i}", f"s{i % 400}", "endorsement", AT, endorser=VICTIM)
            else:
                rec = event(f"p-{i}", f"s{i % 400}", occurred_at=AT)
            fh.write(json.dumps(rec) + "\n")


def _nothing_of_victim(url: str, policy: Policy) -> None:
    with Ledger(url, policy, clock=FakeClock()) as led:
        assert not led.has_subject(VICTIM)
        with led.engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM events WHERE subject = :v OR attributes LIKE :a"),
                {"v": VICTIM, "a": f"%{VICTIM}%"},
            ).scalar_one()
        assert left == 0
        assert led.verify_audit().ok


def _audit_actions(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    except DBAPIError:  # tables not there yet
        return []
    finally:
        engine.dispose()


def test_erasure_in_another_thread_between_batches_holds(
    db_url: str, tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "feed.jsonl"
    _write_feed(path, 6_000)
    led = Ledger(db_url, policy, clock=FakeClock())
    done: list[object] = []

    def erase() -> None:  # a thread of its own, with its own ledger and connections
        with Ledger(db_url, policy, clock=FakeClock()) as other:
            done.append(erase_subject(other, VICTIM, now_us=NOW_US, actor="dpo"))

    def after_batch(rows: int) -> None:
        if not done:  # right after the first batch committed, while the rest waits
            t = threading.Thread(target=erase)
            t.start()
            t.join()

    try:
        report = led.ingest_file(path, batch_size=500, progress=after_batch)
    finally:
        led.close()
    assert done, "the erasure ran during the ingest"
    erased = [e for e in report.errors if e.rule == "erased"]
    assert erased and {e.field for e in erased} == {"subject", "attributes.endorser"}
    assert report.accepted + report.duplicates + report.rejected == report.input == 6_000
    actions = _audit_actions(db_url)
    assert "ingest" in actions[actions.index("erase") + 1 :]  # batches came after it
    _nothing_of_victim(db_url, policy)


def test_ingest_after_erasure_refuses_the_subject_and_keeps_the_rest(
    db_url: str, tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "feed.jsonl"
    _write_feed(path, 2_000)
    with Ledger(db_url, policy, clock=FakeClock()) as led:
        first = led.ingest_file(path)
        assert first.accepted == 2_000
        erase_subject(led, VICTIM, now_us=NOW_US, actor="dpo")
        again = led.ingest_file(path)  # resent whole: the victim's rows refused by name
        records = [json.loads(line) for line in path.read_text().splitlines()]
        as_dicts = led.ingest(records)  # the Python-records path checks the same way
    for rep in (again, as_dicts):
        refused = [e for e in rep.errors if e.rule == "erased"]
        assert len(refused) == 80 + 40  # 80 own events and 40 endorsements naming them
        assert rep.duplicates == 2_000 - len(refused) and rep.accepted == 0
    _nothing_of_victim(db_url, policy)


CHILD = """
import sys
from glasscredit.store import Ledger
from glasscredit.policy import default_policy
url, path, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Ledger(url, default_policy(), clock=lambda: now) as led:
    rep = led.ingest_file(path, batch_size=250)
print(rep.input, rep.accepted, rep.duplicates, rep.rejected)
"""


@contextmanager
def _ingest_erased_midway(
    db_url: str, path: Path, policy: Policy, stdout: int
) -> Iterator[subprocess.Popen[str]]:
    """An ingest process (:data:`CHILD`) of 30,000 rows, and the victim erased once two of
    its batches committed (the victim is stored by then); killed at the end if it runs."""
    _write_feed(path, 30_000)
    Ledger(db_url, policy, clock=FakeClock()).close()  # tables exist before the race
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(path), str(NOW_US)], stdout=stdout, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while _audit_actions(db_url).count("ingest") < 2:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        with Ledger(db_url, policy, clock=FakeClock()) as led:
            erase_subject(led, VICTIM, now_us=NOW_US, actor="dpo")
        yield child
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_erasure_from_another_process_during_ingest_holds(
    db_url: str, tmp_path: Path, policy: Policy
) -> None:
    with _ingest_erased_midway(db_url, tmp_path / "feed.jsonl", policy, subprocess.PIPE) as child:
        out, _ = child.communicate(timeout=300)
    assert child.returncode == 0
    n, accepted, duplicates, rejected = (int(x) for x in out.split())
    assert n == 30_000 and accepted + duplicates + rejected == n and rejected > 0
    actions = _audit_actions(db_url)
    assert "ingest" in actions[actions.index("erase") + 1 :]  # the race really happened
    _nothing_of_victim(db_url, policy)


def test_killed_ingest_with_erasure_midway_resent_brings_nothing_back(
    db_url: str, tmp_path: Path, policy: Policy
) -> None:
    """The crash test with an erasure in it: an ingest process is killed (-9) after the
    victim was erased under it, then the whole file is sent again; the victim's rows are
    refused by name, every other event is stored once, and the chain verifies."""
    path = tmp_path / "feed.jsonl"
    with _ingest_erased_midway(db_url, path, policy, subprocess.DEVNULL) as child:
        deadline = time.monotonic() + 120
        while "ingest" not in _audit_actions(db_url)[-1:]:  # a batch after the erasure
            if child.poll() is not None:  # on a busy machine it may finish first
                break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        child.kill()  # SIGKILL mid-file: no cleanup runs
        child.wait(timeout=60)
    # killed mid-file (the usual case), or done before the kill landed: either way the
    # resend below must bring nothing of the victim back and store the rest once
    assert child.returncode in (-9, 0), child.returncode
    with Ledger(db_url, policy, clock=FakeClock()) as led:
        again = led.ingest_file(path)
        with led.engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            distinct = conn.execute(
                text("SELECT count(*) FROM (SELECT DISTINCT source, event_id FROM events) d")
            ).scalar_one()
    refused = [e for e in again.errors if e.rule == "erased"]
    assert len(refused) == 30_000 // 25 + 30_000 // 40 - 30_000 // 200  # own, naming them
    assert again.rejected == len(refused)
    assert stored == distinct == 30_000 - len(refused)  # every other event, exactly once
    _nothing_of_victim(db_url, policy)
