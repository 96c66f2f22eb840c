"""The REST service under load, next to a bare uvicorn endpoint, measured in the same run.

    python bench/service.py [--seconds 5] [--repeat 3] [--connections 16] [--subjects 2000]

Prepares (untimed) a SQLite ledger in a temporary folder with ``--subjects`` subjects
(12 payments each) scored and stored, an operator key, and signed subject tokens.
Then, one server at a time, each phase measured alone, ``--repeat`` times:

* **bare**: uvicorn serving a FastAPI endpoint that returns a constant (the ceiling
  this machine gives any Python service), from ``--connections`` connections;
* **score reads**: ``GET /v1/subjects/{s}/score`` as the subject (token check, the
  stored score with its stored explanation, serialisation; no recomputation) from
  ``--connections`` connections, subjects in turn;
* **ingest**: ``POST /v1/events/lines`` as the operator, JSON Lines batches of
  ``--batch`` new events from 2 connections;
* **follow**: ``glasscredit serve`` with its scoring worker, fed 1,000 events/s (batches
  of 100 every 0.1 s, 4 events per new subject); one subject of each batch is polled
  (every 50 ms, with its own token) until its stored score appears: the latency
  from sending the batch to a readable stored score.

The load comes from a separate process, bounded by ``--seconds``: for the bare and
score-read phases ``wrk`` (Debian's ``wrk`` package; one load thread, keep-alive
HTTP/1.1, a Lua script that sends each subject's token in turn) when it is on the PATH,
else (or with ``--loader httpx``) this script's ``--load`` process (asyncio, httpx),
which saturates at a few hundred requests/s on this machine and so measures itself, not
the server; ingest and follow always use the httpx process (they check each answer).
Each phase prints requests/s, p50/p99 latency, errors, and the server's CPU time per request (from
``/proc``: on a shared machine wall-clock rates move with the neighbours' load, CPU per
request much less), each with its ratio to the bare endpoint. Medians over the repeats.
The last line is the headline against issue #13's targets (2,000 score reads/s at p99
under 25 ms with no errors; 50,000 ingested events/s; ingest-to-stored-score p99 under
1 s at 1,000 events/s); the exit status is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

READ_TARGET_RPS = 2_000
READ_TARGET_P99_MS = 25.0
INGEST_TARGET_EPS = 50_000
FOLLOW_TARGET_P99_S = 1.0
FOLLOW_EPS = 1_000  # events/s fed while following
FOLLOW_BATCH = 100  # events per batch (25 new subjects of 4 events)
FOLLOW_POLLED = 1  # subjects of each batch whose stored score is awaited
FOLLOW_POLL_S = 0.05  # between polls: the latency is read to within this
SECRET = "bench-9vX2mR7tB0wL5yP8cN4hF6dZ1sAeQk3J"
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/")
def constant() -> dict[str, int]:
    return {"ok": 1}
"""
LINE = (
    '{{"event_id":"{tag}-{i}","subject":"{subject}","source":"bank","type":"payment.on_time",'
    '"occurred_at":"{when}","attributes":{{"amount":{a}}}}}'
)
DAY_S = 86_400


def _recent(k: int) -> str:
    """A live feed's date: 1 to 5 days before now (within the policy's backdating bounds)."""
    t = int(time.time()) - (1 + k % 5) * DAY_S
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


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


def lines(subjects: list[str], per_subject: int, tag: str) -> bytes:
    """A JSON Lines batch: ``per_subject`` payments of each subject (ids unique by tag)."""
    return "\n".join(
        LINE.format(tag=tag, i=f"{s}-{k}", subject=s, when=_recent(k), a=10 + k)
        for s in subjects
        for k in range(per_subject)
    ).encode()


def follow_names(batch: int) -> list[str]:
    return [f"f{batch:05d}-{k:02d}" for k in range(FOLLOW_BATCH // 4)]


def prepare(tmp: Path, subjects: int, follow_batches: int) -> tuple[dict[str, str], dict[str, Any]]:
    """A scored ledger, the server's environment, and the credentials the load uses."""
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
        # last year's payments: history, loaded through an approved backfill as an
        # operator loads a partner's past (the shipped policy refuses it live)
        approval = uc.approve_backfill(
            ctx,
            source="bank",
            occurred_from="2025-01-01T00:00:00Z",
            occurred_to="2025-12-31T00:00:00Z",
            known_from="2025-01-01T00:00:00Z",
            approved_by="bench",
            reason="the bench population's last year",
        )
        seeded = uc.ingest_records(ctx, rows, backfill=approval.backfill_id)
        assert seeded.accepted == len(rows), seeded.errors[:3]
        uc.score(ctx)
        op = uc.create_key(ctx, name="bench", role="operator", actor="bench").token
    now_s = system_clock() // 1_000_000
    sign = lambda s: issue_subject_token(settings, s, now_s=now_s, ttl_s=3600)  # noqa: E731
    follow = {s: sign(s) for b in range(follow_batches) for s in follow_names(b)[:FOLLOW_POLLED]}
    return env, {"tokens": [sign(s) for s in names], "operator": op, "follow": follow}


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


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load(spec_path: Path, pid: int) -> dict[str, Any]:
    """Run the load generator in a separate process; its summary and the server's CPU."""
    cpu0 = _cpu_s(pid)
    out = subprocess.run(
        [sys.executable, __file__, "--load", str(spec_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    summary: dict[str, Any] = json.loads(out.stdout)
    summary["cpu_ms"] = 1000 * (_cpu_s(pid) - cpu0) / max(1, summary["requests"])
    return summary


# -- the load process ----------------------------------------------------------------


# -- wrk, for the request/response phases ------------------------------------------------

WRK_SCRIPT = """
local reqs = {}
local idx = 0
init = function(args)
  for line in io.lines(args[1]) do
    local path, tok = line:match("([^ ]+) ([^ ]+)")
    table.insert(reqs, wrk.format("GET", path, {["Authorization"] = "Bearer " .. tok}))
  end
end
request = function()
  idx = idx % #reqs + 1
  return reqs[idx]
end
"""

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    num = text.rstrip("usmh")
    return float(num) * _UNIT_MS[text[len(num) :]]


def _wrk(spec: dict[str, Any], tmp: Path, pid: int) -> dict[str, Any]:
    """One phase under wrk: its requests/s, p50/p99, errors, and the server's CPU."""
    cmd = [
        "wrk",
        "-t1",
        f"-c{spec['connections']}",
        f"-d{max(1, round(spec['seconds']))}s",
        "--latency",
    ]
    if spec["mode"] == "read":
        reads = tmp / "reads.txt"
        reads.write_text(
            "".join(f"/v1/subjects/s{n:06d}/score {t}\n" for n, t in enumerate(spec["tokens"]))
        )
        script = tmp / "reads.lua"
        script.write_text(WRK_SCRIPT)
        cmd += ["-s", str(script), spec["base"] + "/", "--", str(reads)]
    else:
        cmd.append(spec["base"] + "/")
    cpu0 = _cpu_s(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = _cpu_s(pid) - cpu0
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if done is None:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    requests = int(done.group(1))
    pct = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(g) for g in sock.groups()) if sock else 0
    )
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "requests": requests,
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": _wrk_ms(pct["50"]),
        "p99_ms": _wrk_ms(pct["99"]),
        "errors": errors,
        "events_per_s": 0.0,
        "cpu_ms": 1000 * cpu / max(1, requests),
    }


def _pick(lat: list[float], q: float) -> float:
    return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0.0


async def _run_follow(spec: dict[str, Any], client: Any) -> dict[str, Any]:
    """Feed FOLLOW_EPS events/s; await the polled subjects' stored scores."""
    op = {"Authorization": f"Bearer {spec['operator']}", "Content-Type": "application/x-ndjson"}
    waits: list[float] = []
    errors = 0
    start = time.monotonic()
    batches = int(spec["seconds"] * FOLLOW_EPS / FOLLOW_BATCH)

    async def await_score(subject: str, sent: float) -> None:
        nonlocal errors
        auth = {"Authorization": f"Bearer {spec['follow'][subject]}"}
        while time.monotonic() - sent < 10.0:
            res = await client.get(f"/v1/subjects/{subject}/score", headers=auth)
            if res.status_code == 200:
                waits.append(time.monotonic() - sent)
                return
            if res.status_code != 404:
                errors += 1
            await asyncio.sleep(FOLLOW_POLL_S)
        errors += 1  # not scored within 10 s

    async def send(b: int) -> None:
        nonlocal errors
        names = follow_names(spec["first"] + b)
        sent = time.monotonic()
        res = await client.post("/v1/events/lines", content=lines(names, 4, "follow"), headers=op)
        if res.status_code != 200 or res.json()["accepted"] != len(names) * 4:
            errors += 1
            return
        await asyncio.gather(*(await_score(s, sent) for s in names[:FOLLOW_POLLED]))

    tasks = []
    for b in range(batches):  # on a fixed schedule, whatever the answers take
        await asyncio.sleep(max(0.0, start + b * FOLLOW_BATCH / FOLLOW_EPS - time.monotonic()))
        tasks.append(asyncio.create_task(send(b)))
    await asyncio.gather(*tasks)
    took = time.monotonic() - start
    waits.sort()
    return {
        "requests": batches,
        "rps": batches / took,
        "p50_ms": _pick(waits, 0.5),
        "p99_ms": _pick(waits, 0.99),
        "errors": errors,
        "events_per_s": batches * FOLLOW_BATCH / took,
        "awaited": len(waits),
    }


async def _run_load(spec: dict[str, Any]) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=spec["connections"])
    async with httpx.AsyncClient(base_url=spec["base"], limits=limits, timeout=30) as client:
        if spec["mode"] == "follow":
            return await _run_follow(spec, client)
        deadline = time.monotonic() + spec["seconds"]
        lat: list[float] = []
        errors = 0
        events = 0
        tokens = spec.get("tokens", [])
        reads = [
            (f"/v1/subjects/s{n:06d}/score", {"Authorization": f"Bearer {t}"})
            for n, t in enumerate(tokens)
        ]
        op = {"Authorization": f"Bearer {spec['operator']}", "Content-Type": "application/x-ndjson"}

        async def worker(w: int) -> None:
            nonlocal errors, events
            i = w
            while time.monotonic() < deadline:
                if spec["mode"] == "ingest":
                    names = [f"n{spec['run']}-{w}-{i}-{k}" for k in range(spec["batch"] // 4)]
                    body = lines(names, 4, "load")
                    t0 = time.perf_counter()
                    res = await client.post("/v1/events/lines", content=body, headers=op)
                    ok = res.status_code == 200 and res.json()["accepted"] == len(names) * 4
                    events += len(names) * 4 if ok else 0
                elif spec["mode"] == "read":
                    path, auth = reads[i % len(reads)]
                    t0 = time.perf_counter()
                    res = await client.get(path, headers=auth)
                    ok = res.status_code == 200
                else:
                    t0 = time.perf_counter()
                    res = await client.get("/")
                    ok = res.status_code == 200
                lat.append(time.perf_counter() - t0)
                errors += 0 if ok else 1
                i += spec["connections"]

        start = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(spec["connections"])))
        took = time.perf_counter() - start
    lat.sort()
    return {
        "requests": len(lat),
        "rps": len(lat) / took,
        "p50_ms": _pick(lat, 0.50),
        "p99_ms": _pick(lat, 0.99),
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
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--subjects", type=int, default=2_000)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument(
        "--loader",
        choices=("auto", "wrk", "httpx"),
        default="auto",
        help="load generator of the bare and read phases (auto: wrk when on the PATH)",
    )
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


def _serve(cmd: list[str], env: dict[str, str], ready: str) -> subprocess.Popen[bytes]:
    """Start a server; a failed start raises with the tail of its log."""
    log = Path(tempfile.mkstemp(prefix="gc-bench-serve-", suffix=".log")[1])
    with log.open("wb") as err:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        _wait_ready(proc, ready)
    except BaseException as exc:
        _stop(proc)
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{exc}\n{tail}") from exc
    finally:
        log.unlink(missing_ok=True)
    return proc


def _phase(
    tmp: Path, name: str, proc: subprocess.Popen[bytes], spec: dict[str, Any]
) -> dict[str, Any]:
    if spec.get("loader") == "wrk" and spec["mode"] in ("bare", "read"):
        return _wrk(spec, tmp, proc.pid)
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(spec))
    return _load(path, proc.pid)


def _run(a: argparse.Namespace, tmp: Path) -> int:
    follow_batches = int(a.seconds * FOLLOW_EPS / FOLLOW_BATCH) * a.repeat
    print(f"preparing {a.subjects:,} scored subjects in {tmp} ...", flush=True)
    env, creds = prepare(tmp, a.subjects, follow_batches)
    loader = a.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "httpx"
    elif loader == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--loader wrk: wrk is not on the PATH (Debian: apt-get install wrk)")
    print(f"load generator of the bare and read phases: {loader}", flush=True)
    base = {
        "seconds": a.seconds,
        "connections": a.connections,
        "batch": a.batch,
        "loader": loader,
        **creds,
    }
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "read": [], "ingest": [], "follow": []}
    (tmp / "bare.py").write_text(BARE_APP)
    cli = [sys.executable, "-c", "from glasscredit.cli import main; main()"]
    quiet = ["--log-level", "WARNING"]
    for r in range(a.repeat):
        port = _port()
        bare_cmd = [sys.executable, "-m", "uvicorn", "bare:app", "--app-dir", str(tmp)]
        bare = _serve(
            [*bare_cmd, "--port", str(port), "--log-level", "warning", "--no-access-log"],
            {},
            f"http://127.0.0.1:{port}/",
        )
        try:
            spec = {**base, "mode": "bare", "base": f"http://127.0.0.1:{port}"}
            runs["bare"].append(_phase(tmp, "bare", bare, spec))
        finally:
            _stop(bare)
        port = _port()
        url = f"http://127.0.0.1:{port}"
        server = _serve(
            [*cli, "serve", "--port", str(port), "--no-score-worker", *quiet],
            env,
            url + "/v1/ready",
        )
        try:
            runs["read"].append(_phase(tmp, "read", server, {**base, "mode": "read", "base": url}))
            spec = {**base, "mode": "ingest", "base": url, "connections": 2, "run": r}
            runs["ingest"].append(_phase(tmp, "ingest", server, spec))
        finally:
            _stop(server)
        catch_up(env)  # untimed: the worker starts with nothing stale but what it is fed
        port = _port()
        url = f"http://127.0.0.1:{port}"
        server = _serve([*cli, "serve", "--port", str(port), *quiet], env, url + "/v1/ready")
        try:
            first = r * follow_batches // a.repeat  # new subjects in every run
            spec = {**base, "mode": "follow", "base": url, "connections": 32, "first": first}
            runs["follow"].append(_phase(tmp, "follow", server, spec))
        finally:
            _stop(server)
        print(f"run {r + 1}/{a.repeat} done", flush=True)
    return _report(runs)


def catch_up(env: dict[str, str]) -> None:
    """Score the subjects the ingest phase added (so the follow phase measures its own)."""
    from glasscredit import app as uc
    from glasscredit.config import Settings

    settings = Settings(**{k.removeprefix("GLASSCREDIT_").lower(): v for k, v in env.items()})
    with uc.Context.open(settings) as ctx:
        uc.score(ctx, only_changed=True)


def _median(rs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rs)


def _report(runs: dict[str, list[dict[str, Any]]]) -> int:
    labels = {
        "bare": "bare constant endpoint",
        "read": "score read (subject token)",
        "ingest": "ingest JSON Lines batches",
        "follow": "ingest -> stored score",
    }
    bare_rps, bare_cpu = _median(runs["bare"], "rps"), _median(runs["bare"], "cpu_ms")
    print(
        f"\nmedians of {len(runs['bare'])} runs   {'req/s':>9} {'x bare':>7} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7} {'events/s':>10} {'CPU ms/req':>11} {'x bare':>7}"
    )
    for key, label in labels.items():
        rs = runs[key]
        rps, cpu = _median(rs, "rps"), _median(rs, "cpu_ms")
        print(
            f"{label:30} {rps:9,.0f} {rps / bare_rps:7.2f} {_median(rs, 'p50_ms'):8.1f} "
            f"{_median(rs, 'p99_ms'):8.1f} {sum(r['errors'] for r in rs):7d} "
            f"{_median(rs, 'events_per_s'):10,.0f} {cpu:11.3f} {cpu / bare_cpu:7.2f}"
        )
    read, ingest, follow = runs["read"], runs["ingest"], runs["follow"]
    r_rps, r_p99 = _median(read, "rps"), _median(read, "p99_ms")
    r_err = sum(r["errors"] for r in read)
    i_eps = _median(ingest, "events_per_s")
    f_p99 = _median(follow, "p99_ms") / 1000
    f_err = sum(r["errors"] for r in follow)
    ok_read = r_rps >= READ_TARGET_RPS and r_p99 < READ_TARGET_P99_MS and not r_err
    ok_ingest = i_eps >= INGEST_TARGET_EPS and not sum(r["errors"] for r in ingest)
    ok_follow = f_p99 < FOLLOW_TARGET_P99_S and not f_err
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    print(
        f"\nscore reads {r_rps:,.0f}/s ({r_rps / bare_rps:.2f} x bare {bare_rps:,.0f}/s) at p99 "
        f"{r_p99:.1f} ms, {r_err} errors (target {READ_TARGET_RPS:,}/s, p99 < "
        f"{READ_TARGET_P99_MS:.0f} ms): {verdict(ok_read)}; ingest {i_eps:,.0f} events/s "
        f"(target {INGEST_TARGET_EPS:,}): {verdict(ok_ingest)}; ingest-to-stored-score p99 "
        f"{f_p99:.2f} s at {FOLLOW_EPS:,} events/s, {f_err} errors (target < "
        f"{FOLLOW_TARGET_P99_S:.0f} s): {verdict(ok_follow)}"
    )
    return 0 if ok_read and ok_ingest and ok_follow else 1


if __name__ == "__main__":
    sys.exit(main())
