"""The pages under test: a real service over a real ledger, and a real browser.

:func:`seed_population` grows a small programme month by month (the clock moves, each
month's file is ingested on the 27th, identity checks on their day, and everyone is
scored at the month's end), so every page has something true to show: a score history
with change notices, a population by tier over time, drift. ``alice`` has a late
payment (``a-late``) she will dispute; ``carol`` will ask for a review; ``bob`` is the
other person whose page alice must not reach.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or
``GLASSCREDIT_CHROMIUM``) driven by Playwright with ``executable_path``: Playwright's
own browser builds are never downloaded. Where no chromium is installed the browser
tests are skipped and say why, unless ``GLASSCREDIT_REQUIRE_BROWSER=1`` (``.ci/run``
sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from glasscredit import app as uc
from glasscredit.api import create_app, issue_subject_token
from glasscredit.config import Settings
from tests.api.conftest import service_settings
from tests.conftest import FakeClock, event

MONTHS = ("2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08")
#: the clock at the end: the first of the month after the last
END = "2026-09-01T00:00:00Z"
CHROMIUM = os.environ.get("GLASSCREDIT_CHROMIUM", "/usr/bin/chromium")


def _month_events(month: str, i: int, rng: random.Random) -> list[dict[str, object]]:
    """One generated subject's events in one month (seeded: the same every run)."""
    subject = f"p{i:03d}"
    out: list[dict[str, object]] = []
    day = 2 + i % 20
    at = f"{month}-{day:02d}T10:00:00Z"
    kind = rng.random()
    if kind < 0.7:
        out.append(event(f"{subject}-{month}-pay", subject=subject, occurred_at=at))
    else:
        out.append(
            event(f"{subject}-{month}-late", subject=subject, type_="payment.late", occurred_at=at)
        )
    if month == MONTHS[0] and i % 2 == 0:
        out.append(
            event(f"{subject}-id", subject=subject, type_="identity.verified", occurred_at=at)
        )
    if rng.random() < 0.3:
        out.append(
            event(
                f"{subject}-{month}-bike", subject=subject, type_="rental.returned", occurred_at=at
            )
        )
    if month >= "2026-07" and i % 3 == 0:
        out.append(
            event(f"{subject}-{month}-loan", subject=subject, type_="loan.repaid", occurred_at=at)
        )
    return out


def _people_events(month: str) -> list[dict[str, object]]:
    """alice, bob and carol: the people whose pages the tests open."""
    at = f"{month}-05T09:00:00Z"
    out = [
        event(f"a-{month}", subject="alice", occurred_at=at),
        event(f"b-{month}", subject="bob", occurred_at=at, amount=40),
        event(f"c-{month}", subject="carol", type_="bill.paid", occurred_at=at),
    ]
    if month == MONTHS[0]:
        out += [
            event("a-id", subject="alice", type_="identity.verified", occurred_at=at),
            event("b-id", subject="bob", type_="identity.verified", occurred_at=at),
        ]
    if month == "2026-05":
        out.append(
            event(
                "a-late",
                subject="alice",
                type_="payment.late",
                occurred_at="2026-05-20T09:00:00Z",
                amount=80,
                days_late=45,
            )
        )
        out.append(event("b-late", subject="bob", type_="payment.late", occurred_at=at))
    if month == "2026-07":
        out.append(event("a-bike", subject="alice", type_="rental.returned", occurred_at=at))
    return out


#: facts a source observes at once: sent the day they happen (the policy bounds how far
#: back they may be dated to a few days), not in the month's file
AT_ONCE = frozenset({"identity.verified"})


def _ingest(ctx: uc.Context, rows: list[dict[str, object]]) -> None:
    res = uc.ingest_records(ctx, rows)  # type: ignore[arg-type]
    assert res.rejected == 0, res.errors[:3]


def seed_population(ctx: uc.Context, clock: FakeClock, subjects: int = 60) -> None:
    """Six months of a small programme, ingested and scored as they happen: each month's
    file on the 27th, identity checks live on their day."""
    rng = random.Random(7)
    for month in MONTHS:
        rows = _people_events(month)
        for i in range(subjects):
            rows += _month_events(month, i, rng)
        at_once: dict[str, list[dict[str, object]]] = {}
        for r in rows:
            if r["type"] in AT_ONCE:
                at_once.setdefault(str(r["occurred_at"]), []).append(r)
        for day in sorted(at_once):
            clock.set(day)
            _ingest(ctx, at_once[day])
        clock.set(f"{month}-27T12:00:00Z")
        _ingest(ctx, [r for r in rows if r["type"] not in AT_ONCE])
        uc.score(ctx)
    clock.set(END)
    uc.score(ctx)


class TickingClock(FakeClock):
    """A fake clock that moves a microsecond at every read, as a real one does: an action
    and the page read after it never share an instant (a dispute opened in the instant
    of a stored score takes effect the microsecond after it, so that score reproduces)."""

    def __call__(self) -> int:
        self.now_us += 1
        return self.now_us


@dataclass
class Site:
    """A running service: its address, the clock, and a credential for every party."""

    base: str
    settings: Settings
    clock: FakeClock
    api: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def subject_token(self, subject: str) -> str:
        return issue_subject_token(self.settings, subject, now_s=self.clock() // 1_000_000)

    def context(self) -> uc.Context:
        ctx: uc.Context = self.api.state.services.context()
        return ctx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(settings: Settings, clock: FakeClock) -> Iterator[Site]:
    """The service in a uvicorn server on a thread; ready when ``/v1/ready`` answers."""
    api = create_app(settings, clock=clock)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/v1/ready", timeout=1.0).status_code == 200:
                break
        except httpx.TransportError:
            pass  # not listening yet: poll again
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the service did not become ready")
        time.sleep(0.05)  # a poll interval, not a guess at the start-up time
    try:
        yield Site(base, settings, clock, api)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The seeded programme behind a real HTTP server (SQLite file), with keys."""
    tmp = tmp_path_factory.mktemp("site")
    # the console's fairness audit reads protected attributes from a side file (made up)
    side = tmp / "groups.csv"
    rows = [f"p{i:03d},{'under 25' if i % 3 == 0 else '25 and over'}" for i in range(200)]
    side.write_text("subject,age_band\n" + "\n".join(rows) + "\n")
    settings = service_settings(f"sqlite:///{tmp / 'ledger.db'}", tmp).model_copy(
        update={"fairness_groups": side}
    )
    clock = TickingClock()
    for s in serve(settings, clock):
        with s.context() as ctx:
            seed_population(ctx, clock)
            for role in ("operator", "auditor"):
                s.tokens[role] = uc.create_key(ctx, name=f"{role}-desk", role=role).token
            s.tokens["source"] = uc.create_key(
                ctx, name="bank-feed", role="source", source="bank"
            ).token
        yield s


def chromium_problem() -> str | None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (the dev extra)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium through Playwright (never a downloaded browser)."""
    problem = chromium_problem()
    if problem:
        if os.environ.get("GLASSCREDIT_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()
