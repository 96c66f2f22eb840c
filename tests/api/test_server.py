"""A real uvicorn server on 127.0.0.1, started by ``glasscredit serve`` in a subprocess.

The fixture polls ``/v1/ready`` until the server answers (no fixed sleeps) and stops the
process it started. Keys come from the CLI (``glasscredit keys create``, run in this
process by CliRunner on the server's database), subject tokens from ``glasscredit token
issue``; requests go over real HTTP with httpx.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from glasscredit.cli import app as cli
from tests.api.conftest import SECRET, write_keypair

CLI = [sys.executable, "-c", "from glasscredit.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def env_for(db_url: str, tmp: Path) -> dict[str, str]:
    priv, pub = write_keypair(tmp)
    return {
        **os.environ,
        "GLASSCREDIT_DATABASE_URL": db_url,
        "GLASSCREDIT_SECRET": SECRET,
        "GLASSCREDIT_JWT_PRIVATE_KEY": str(priv),
        "GLASSCREDIT_JWT_PUBLIC_KEY": str(pub),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }


def run_cli(env: dict[str, str], *args: str) -> str:
    """A CLI command in this process (CliRunner), with the server's environment."""
    keys = ("GLASSCREDIT_DATABASE_URL", "GLASSCREDIT_SECRET", "GLASSCREDIT_JWT_PRIVATE_KEY")
    res = CliRunner().invoke(cli, list(args), env={k: env[k] for k in keys})
    assert res.exit_code == 0, res.output
    return res.output


def wait_ready(proc: subprocess.Popen[bytes], base: str, timeout_s: float = 180.0) -> None:
    """Poll readiness until it answers 200, the process dies, or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/v1/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet: poll again
        time.sleep(0.05)  # a poll interval, not a guess at the start-up time
    raise AssertionError("server not ready in time")


def start(env: dict[str, str], *extra: str) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--log-level", "WARNING", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(proc, base)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_score(c: httpx.Client, token: str, timeout_s: float = 60.0) -> httpx.Response:
    """Poll the subject's score until the worker has stored it (404 until then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        res = c.get("/v1/subjects/alice/score", headers={"Authorization": f"Bearer {token}"})
        if res.status_code != 404 or time.monotonic() > deadline:
            return res
        time.sleep(0.02)  # a poll interval


def _session(env: dict[str, str], base: str) -> None:
    made = run_cli(env, "keys", "create", "root", "--role", "operator", "--json")
    token = json.loads(made)["token"]
    made = run_cli(env, "keys", "create", "bank", "--role", "source", "--source", "bank", "--json")
    src = json.loads(made)["token"]
    listed = json.loads(run_cli(env, "keys", "list", "--json"))["keys"]
    assert [k["name"] for k in listed] == ["root", "bank"]
    alice = run_cli(env, "token", "issue", "alice").strip()
    h = {"Authorization": f"Bearer {token}"}
    # the server runs on the real clock: a live event is dated yesterday (an older one is
    # history, refused unless it arrives in an approved backfill)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    ev = {
        "event_id": "e1",
        "subject": "alice",
        "source": "bank",
        "type": "payment.on_time",
        "occurred_at": yesterday.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "attributes": {"amount": 10},
    }
    with httpx.Client(base_url=base, timeout=30) as c:
        res = c.post(
            "/v1/events", headers={"Authorization": f"Bearer {src}"}, json={"events": [ev]}
        )
        assert res.status_code == 200 and res.json()["accepted"] == 1, res.text
        # nobody runs score: the server's scoring worker follows the ledger
        mine = wait_for_score(c, alice)
        assert mine.status_code == 200 and mine.json()["subject"] == "alice"
        assert c.get("/v1/ledger", headers=h).json()["events"] == 1
        assert mine.headers["x-request-id"]
        assert c.get("/v1/keys").status_code == 401
        assert "glasscredit_http_requests_total" in c.get("/metrics").text


def test_serve_on_sqlite_end_to_end(tmp_path: Path) -> None:
    env = env_for(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)
    for base in start(env):
        _session(env, base)


@pytest.mark.postgres
def test_serve_two_workers_on_postgres(pg_url: str, tmp_path: Path) -> None:
    env = env_for(pg_url, tmp_path)
    for base in start(env, "--workers", "2"):
        _session(env, base)


def _health_count(text: str) -> float:
    got = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("glasscredit_http_requests_total{")
        and 'route="/v1/health"' in line
        and 'status="200"' in line
    ]
    return sum(got)


@pytest.mark.postgres
def test_two_workers_metrics_are_summed_and_their_folder_removed(
    pg_url: str, tmp_path: Path
) -> None:
    """Each worker counts its own requests; /metrics, whichever worker answers, sums all."""
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    env = {**env_for(pg_url, tmp_path), "TMPDIR": str(own_tmp)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    batch = 120
    for base in start(env, "--workers", "2"):
        (folder,) = own_tmp.glob("glasscredit-metrics-*")
        # fresh connections, at once, until both workers have answered some (the kernel
        # hands connections to whichever worker accepts; one may still be starting)
        n, pids = 0, set()
        for _ in range(25):
            with ThreadPoolExecutor(16) as pool:
                codes = list(
                    pool.map(lambda url: httpx.get(url).status_code, [f"{base}/v1/health"] * batch)
                )
            assert codes == [200] * batch
            n += batch
            pids = {f.stem.rsplit("_", 1)[1] for f in folder.glob("counter_*.db")}
            if len(pids) == 2:
                break
        assert len(pids) == 2, pids  # both workers keep their counters in the folder
        for _ in range(6):  # whichever worker answers the scrape
            scrape = httpx.get(f"{base}/metrics", headers={"Connection": "close"})
            assert _health_count(scrape.text) == n
            assert "glasscredit_stale_subjects" in scrape.text
    assert not list(own_tmp.glob("glasscredit-metrics-*"))  # removed when serve stopped


def test_serve_refuses_several_workers_on_sqlite_and_a_missing_secret(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {"GLASSCREDIT_SECRET": SECRET}
    res = CliRunner().invoke(cli, ["serve", "--db", db, "--workers", "2"], env=env)
    assert res.exit_code == 3 and "single_writer" in res.output
    res = CliRunner().invoke(cli, ["serve", "--db", db], env={"GLASSCREDIT_SECRET": ""})
    assert res.exit_code != 0
