"""The REST service under load, next to a bare uvicorn endpoint, measured in the same run.

    python bench/service.py [--seconds 5] [--connections 16] [--subjects 2000]

Prepares (untimed) a SQLite ledger in a temporary folder with ``--subjects`` subjects
(12 payments each) scored and stored, an operator key, and one signed token per
subject. Then starts two servers on 127.0.0.1, one at a time, each measured alone:

* **bare**: uvicorn serving a FastAPI endpoint that returns a constant (the ceiling
  this machine gives any Python service);
* **glasscredit serve** (one worker, no scoring worker), loaded with

  - **score reads**: ``GET /v1/subjects/{s}/score`` as the subject (token
    verification, the stored score and its stored explanation, serialisation; no
    recomputation), subjects in turn;
  - **ingest**: ``POST /v1/events`` as the operator, batches of ``--batch`` new events.

The load comes from a separate process (this script, ``--load``): asyncio with
``--connections`` keep-alive HTTP/1.1 connections (httpx) for ``--seconds`` seconds.
It prints requests/s, p50/p99 latency and errors for each, and exits 1 when a target
of issue #13 is missed: 2,000 score reads/s at p99 under 25 ms with no errors, and
50,000 ingested events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

READ_TARGET_RPS = 2_000
READ_TARGET_P99_MS = 25.0
INGEST_TARGET_EPS = 50_000
SECRET = "bench-9vX2mR7tB0wL5yP8cN4hF6dZ1sAeQk3J"
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/")
def constant() -> dict[str, int]:
    return {"ok": 1}
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _payments(subject: str, n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"{tag}-{subject}-{i}",
            "subject": subject,
            "source": "bank",
            "type": "payment.on_time",
            "occurred_at": f"2025-{1 + i % 12:02d}-05T10:00:00Z",
            "attributes": {"amount": 10 + i},
        }
        for i in range(n)
    ]


def prepare(tmp: Path, subjects: int) -> tuple[dict[str, str], list[str], str]:
    """A scored ledger, the server's environment, subject tokens and an operator token."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from glasscredit import app as uc
    from glasscredit.api import issue_subject_token
    from glasscredit.config import Settings, system_clock

    key = Ed25519PrivateKey.generate()
    priv, pub = tmp / "idp.pem", tmp / "idp.pub.pem"
    priv.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    env = {
        "GLASSCREDIT_DATABASE_URL": f"sqlite:///{tmp / 'ledger.db'}",
        "GLASSCREDIT_SECRET": SECRET,
        "GLASSCREDIT_JWT_PRIVATE_KEY": str(priv),
        "GLASSCREDIT_JWT_PUBLIC_KEY": str(pub),
        "GLASSCREDIT_RATE_LIMIT": "1000000",
        "GLASSCREDIT_RATE_BURST": "1000000",
    }
    settings = Settings(**{k.removeprefix("GLASSCREDIT_").lower(): v for k, v in env.items()})
    names = [f"s{i:06d}" for i in range(subjects)]
    with uc.Context.open(settings) as ctx:
        rows = [e for s in names for e in _payments(s, 12, "seed")]
        uc.ingest_records(ctx, rows)
        uc.score(ctx)
        op = uc.create_key(ctx, name="bench", role="operator", actor="bench").token
    now_s = system_clock() // 1_000_000
    tokens = [issue_subject_token(settings, s, now_s=now_s, ttl_s=3600) for s in names]
    return env, tokens, op


def _wait_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} not ready in time")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _load(args: list[str]) -> dict[str, Any]:
    """Run the load generator in a separate process; its JSON summary."""
    out = subprocess.run(
        [sys.executable, __file__, "--load", *args], capture_output=True, text=True, check=True
    )
    summary: dict[str, Any] = json.loads(out.stdout)
    return summary


# -- the load process ----------------------------------------------------------------


async def _run_load(spec: dict[str, Any]) -> dict[str, Any]:
    import httpx

    deadline = time.monotonic() + spec["seconds"]
    lat: list[float] = []
    errors = 0
    events = 0
    limits = httpx.Limits(max_connections=spec["connections"])
    async with httpx.AsyncClient(base_url=spec["base"], limits=limits, timeout=30) as client:

        async def worker(w: int) -> None:
            nonlocal errors, events
            i = w
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                if spec["mode"] == "ingest":
                    batch = [
                        e
                        for k in range(spec["batch"] // 4)
                        for e in _payments(f"n{w}-{i}-{k}", 4, "load")
                    ]
                    res = await client.post(
                        "/v1/events",
                        json={"events": batch},
                        headers={"Authorization": f"Bearer {spec['operator']}"},
                    )
                    ok = res.status_code == 200 and res.json()["accepted"] == len(batch)
                    events += len(batch) if ok else 0
                elif spec["mode"] == "read":
                    tokens = spec["tokens"]
                    n = i % len(tokens)
                    res = await client.get(
                        f"/v1/subjects/s{n:06d}/score",
                        headers={"Authorization": f"Bearer {tokens[n]}"},
                    )
                    ok = res.status_code == 200
                else:
                    res = await client.get("/")
                    ok = res.status_code == 200
                lat.append(time.perf_counter() - t0)
                errors += 0 if ok else 1
                i += spec["connections"]

        start = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(spec["connections"])))
        took = time.perf_counter() - start
    lat.sort()
    pick = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: 0)
    return {
        "requests": len(lat),
        "rps": len(lat) / took,
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "errors": errors,
        "events_per_s": events / took,
    }


def load_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    print(json.dumps(asyncio.run(_run_load(spec))))


# -- the run ----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--subjects", type=int, default=2_000)
    ap.add_argument("--batch", type=int, default=5_000)
    ap.add_argument("--load", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.load:
        load_main(a.load)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="gc-bench-service-"))
    try:
        return _run(a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(a: argparse.Namespace, tmp: Path) -> int:
    print(f"preparing {a.subjects:,} scored subjects in {tmp} ...", flush=True)
    env, tokens, op = prepare(tmp, a.subjects)
    base_spec = {"seconds": a.seconds, "connections": a.connections, "batch": a.batch}
    results: dict[str, dict[str, Any]] = {}

    (tmp / "bare.py").write_text(BARE_APP)
    port = _port()
    bare = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare:app",
            "--app-dir",
            str(tmp),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_ready(bare, f"http://127.0.0.1:{port}/")
        spec = tmp / "bare.json"
        spec.write_text(
            json.dumps({**base_spec, "mode": "bare", "base": f"http://127.0.0.1:{port}"})
        )
        results["bare constant endpoint"] = _load([str(spec)])
    finally:
        _stop(bare)

    port = _port()
    cli = [sys.executable, "-c", "from glasscredit.cli import main; main()"]
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-score-worker", "--log-level", "WARNING"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(server, f"{url}/v1/ready")
        for mode, label in (("read", "score read (subject token)"), ("ingest", "ingest batches")):
            spec = tmp / f"{mode}.json"
            conns = a.connections if mode == "read" else 2
            spec.write_text(
                json.dumps(
                    {
                        **base_spec,
                        "connections": conns,
                        "mode": mode,
                        "base": url,
                        "tokens": tokens,
                        "operator": op,
                    }
                )
            )
            results[label] = _load([str(spec)])
    finally:
        _stop(server)

    print(f"\n{'':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'events/s':>10}")
    for label, r in results.items():
        print(
            f"{label:28} {r['rps']:9,.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['errors']:7d} {r['events_per_s']:10,.0f}"
        )
    read, ingest = results["score read (subject token)"], results["ingest batches"]
    ok_read = (
        read["rps"] >= READ_TARGET_RPS
        and read["p99_ms"] < READ_TARGET_P99_MS
        and not read["errors"]
    )
    ok_ingest = ingest["events_per_s"] >= INGEST_TARGET_EPS and not ingest["errors"]
    print(
        f"\nscore reads {read['rps']:,.0f}/s at p99 {read['p99_ms']:.1f} ms "
        f"(target {READ_TARGET_RPS:,}/s, p99 < {READ_TARGET_P99_MS:.0f} ms): "
        f"{'met' if ok_read else 'MISSED'}; ingest {ingest['events_per_s']:,.0f} events/s "
        f"(target {INGEST_TARGET_EPS:,}): {'met' if ok_ingest else 'MISSED'}"
    )
    return 0 if ok_read and ok_ingest else 1


if __name__ == "__main__":
    sys.exit(main())
