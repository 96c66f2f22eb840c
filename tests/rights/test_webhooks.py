"""Webhooks deliver the outbox to real HTTP receivers: signed, once, retried, replayable."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.app import Context
from glasscredit.cli import app as cli
from glasscredit.config import Settings
from glasscredit.exceptions import NotFoundError, ValidationError
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

SECOND = 1_000_000


@dataclass
class Receiver:
    """A real HTTP server that records what it is sent and answers ``status``."""

    url: str
    status: list[int] = field(default_factory=lambda: [200])
    got: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self, path: str = "") -> list[dict[str, object]]:
        return [json.loads(b) for p, _, b in self.got if p.startswith(path or "/")]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            rec.got.append((self.path, dict(self.headers.items()), body))
            self.send_response(rec.status[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


def _context(ledger: Ledger, tmp_path: Path) -> Context:
    settings = Settings(database_url=ledger.url, operator_key=tmp_path / "op.key")
    return Context(settings, ledger.policy, ledger.clock, ledger=ledger)


def _dispute(ctx: Context, subject: str = "s1") -> None:
    gc.open_dispute(ctx, subject, f"{subject}-late", "I paid on time", actor="subject")


def test_each_owner_receives_its_own_messages_signed_and_once(
    ledger: Ledger, clock: FakeClock, receiver: Receiver, tmp_path: Path
) -> None:
    clock.set("2026-09-01T00:00:00Z")
    ctx = _context(ledger, tmp_path)
    load_history(ledger, s1_events("s1") + s1_events("s2"))
    op = gc.add_webhook(ctx, "operator", receiver.url + "/op", ["dispute.opened", "score.changed"])
    bank = gc.add_webhook(ctx, "bank", receiver.url + "/bank", ["dispute.opened"])
    gc.add_webhook(ctx, "rentals", receiver.url + "/rentals", ["dispute.opened"])
    assert op.secret.startswith("whsec_") and op.secret != bank.secret
    _dispute(ctx)  # s1's late payment: the bank's event; s1's score changes
    run = gc.deliver_webhooks(ctx)
    assert (run.delivered, run.retrying, run.dead) == (run.enqueued, 0, 0)
    paths = sorted(p for p, _, _ in receiver.got)
    assert paths == ["/bank", "/op", "/op"]  # the rentals source hears nothing of it
    by_topic = {b["topic"]: b for b in receiver.bodies("/op")}
    assert by_topic["dispute.opened"]["event_id"] == "s1-late"
    change = by_topic["score.changed"]
    assert change["subject"] == "s1" and change["new_score"] > change["old_score"]
    (bank_body,) = receiver.bodies("/bank")
    assert bank_body["source"] == "bank" and "subject" not in bank_body
    for path, headers, body in receiver.got:
        secret = op.secret if path == "/op" else bank.secret
        assert headers["Glasscredit-Topic"] in ("dispute.opened", "score.changed")
        assert gc.verify_webhook_signature(
            secret, body, headers["Glasscredit-Signature"], now_s=clock() // SECOND
        )
        assert not gc.verify_webhook_signature(
            secret, body + b" ", headers["Glasscredit-Signature"], now_s=clock() // SECOND
        )
    ids = [h["Glasscredit-Delivery"] for _, h, _ in receiver.got]
    assert len(set(ids)) == 3
    again = gc.deliver_webhooks(ctx)  # nothing new: nothing is sent twice
    assert (again.enqueued, again.delivered) == (0, 0) and len(receiver.got) == 3
    actions = [a.action for a in ledger.audit.entries(action="webhook.add")]
    assert actions == ["webhook.add"] * 3
    assert all("secret" not in a.details for a in ledger.audit.entries(action="webhook.add"))


def test_failures_back_off_then_die_and_replay_delivers(
    ledger: Ledger, clock: FakeClock, receiver: Receiver, tmp_path: Path
) -> None:
    clock.set("2026-09-01T00:00:00Z")
    ctx = _context(ledger, tmp_path)
    load_history(ledger, s1_events("s1"))
    gc.add_webhook(ctx, "bank", receiver.url + "/bank", ["dispute.opened"])
    _dispute(ctx)
    receiver.status[0] = 503
    waits = []
    for attempt in range(1, gc.MAX_ATTEMPTS + 1):
        run = gc.deliver_webhooks(ctx)
        assert run.delivered == 0 and (run.dead == 1) == (attempt == gc.MAX_ATTEMPTS)
        (d,) = ledger.webhooks.deliveries()
        assert d.attempts == attempt and d.last_error == "HTTP 503"
        if d.status == "pending":
            waits.append((d.next_at_us - clock()) // SECOND)
            assert gc.deliver_webhooks(ctx).delivered == 0  # not due yet: not sent
            clock.now_us = d.next_at_us
    assert waits == [30, 120, 600, 1800, 3600, 3600, 3600]
    assert len(receiver.got) == gc.MAX_ATTEMPTS
    dead = gc.dead_letters(ctx).deliveries
    assert [x.status for x in dead] == ["dead"]
    receiver.status[0] = 204
    with pytest.raises(NotFoundError):
        gc.replay_dead_letters(ctx, [dead[0].id + 99])
    with pytest.raises(ValidationError):
        gc.replay_dead_letters(ctx, [])
    assert gc.replay_dead_letters(ctx, "all") == 1
    assert gc.deliver_webhooks(ctx).delivered == 1
    assert gc.dead_letters(ctx).deliveries == []
    assert [a.action for a in ledger.audit.entries(action="webhook.replay")] == ["webhook.replay"]


def test_an_unreachable_receiver_is_retried_not_lost(
    ledger: Ledger, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set("2026-09-01T00:00:00Z")
    ctx = _context(ledger, tmp_path)
    load_history(ledger, s1_events("s1"))
    gc.add_webhook(ctx, "bank", "http://127.0.0.1:9/closed", ["dispute.opened"])
    _dispute(ctx)
    run = gc.deliver_webhooks(ctx)
    assert run.retrying == 1
    (d,) = ledger.webhooks.deliveries()
    assert d.status == "pending" and d.last_error and "Error" in d.last_error


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(
    ledger: Ledger, clock: FakeClock, receiver: Receiver, tmp_path: Path
) -> None:
    ctx = _context(ledger, tmp_path)
    load_history(ledger, s1_events("s1"))
    gc.add_webhook(ctx, "bank", receiver.url, ["dispute.opened"])
    _dispute(ctx)
    store = ledger.webhooks
    assert store.enqueue(now_us=clock()) == 1 and store.enqueue(now_us=clock()) == 0
    first = store.claim_due(now_us=clock(), lease_us=60 * SECOND)
    assert len(first) == 1 and store.claim_due(now_us=clock(), lease_us=60 * SECOND) == []
    # the first worker died before marking it: after the lease it is sent again
    later = store.claim_due(now_us=clock() + 61 * SECOND, lease_us=60 * SECOND)
    assert [d.id for d in later] == [first[0].id]


def test_removal_and_erasure(
    ledger: Ledger, clock: FakeClock, receiver: Receiver, tmp_path: Path
) -> None:
    ctx = _context(ledger, tmp_path)
    load_history(ledger, s1_events("s1") + s1_events("s2"))
    hook = gc.add_webhook(ctx, "operator", receiver.url, ["dispute.opened", "score.changed"])
    _dispute(ctx, "s1")
    _dispute(ctx, "s2")
    ledger.webhooks.enqueue(now_us=clock())
    before = {d.subject for d in ledger.webhooks.deliveries()}
    assert before == {"s1", "s2"}
    gc.erase_subject(ctx, "s2")
    assert {d.subject for d in ledger.webhooks.deliveries()} == {"s1"}
    gc.remove_webhook(ctx, hook.webhook.id)
    assert {d.status for d in ledger.webhooks.deliveries()} == {"dead"}
    assert gc.list_webhooks(ctx).webhooks == []
    assert gc.replay_dead_letters(ctx, "all") == 0  # a removed webhook is not replayed


@pytest.mark.parametrize(
    ("owner", "url", "topics", "rule"),
    [
        ("operator", "ftp://example.org/x", ["dispute.opened"], "webhook_url"),
        ("operator", "http://example.org/x", ["dispute.opened"], "webhook_url"),
        # look-alikes of this machine are not this machine: plain http stays refused
        ("operator", "http://localhost.example.org/x", ["dispute.opened"], "webhook_url"),
        ("operator", "http://127.0.0.1.example.org/x", ["dispute.opened"], "webhook_url"),
        ("operator", "https://user:pw@example.org/x", ["dispute.opened"], "webhook_url"),
        ("operator", "https://exa\nmple.org/", ["dispute.opened"], "webhook_url"),
        ("operator", "https://example.org/" + "x" * 3000, ["dispute.opened"], "webhook_url"),
        ("nobody", "https://example.org/x", ["dispute.opened"], "known_owner"),
        ("bank", "https://example.org/x", ["score.changed"], "operator_only"),
        ("bank", "https://example.org/x", ["dispute.closed"], "known_topic"),
        ("bank", "https://example.org/x", [], "required"),
    ],
)
def test_bad_subscriptions_are_refused_by_name(
    ledger: Ledger, tmp_path: Path, owner: str, url: str, topics: list[str], rule: str
) -> None:
    ctx = _context(ledger, tmp_path)
    with pytest.raises(ValidationError) as err:
        gc.add_webhook(ctx, owner, url, topics)
    assert err.value.errors[0].rule == rule
    assert ledger.webhooks.active() == []


def test_signatures_expire_and_need_the_secret() -> None:
    body = b'{"topic":"dispute.opened"}'
    header = gc.sign_webhook("whsec_a", body, 1_800_000_000)
    assert gc.verify_webhook_signature("whsec_a", body, header, now_s=1_800_000_100)
    assert not gc.verify_webhook_signature("whsec_a", body, header, now_s=1_800_000_400)
    assert not gc.verify_webhook_signature("whsec_b", body, header, now_s=1_800_000_000)
    assert not gc.verify_webhook_signature("whsec_a", body, "garbage", now_s=1_800_000_000)


def test_cli_add_deliver_dead_replay(sqlite_url: str, receiver: Receiver, tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", sqlite_url]
    assert runner.invoke(cli, ["demo", "--subjects", "30", *db]).exit_code == 0
    res = runner.invoke(cli, ["webhooks", "add", receiver.url + "/op", *db])
    assert res.exit_code == 0 and "whsec_" in res.output, res.output
    res = runner.invoke(cli, ["webhooks", "list", "--json", *db])
    assert res.exit_code == 0 and "whsec_" not in res.output
    assert [h["url"] for h in json.loads(res.output)["webhooks"]] == [receiver.url + "/op"]
    res = runner.invoke(cli, ["webhooks", "deliver", "--once", "--json", *db])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["enqueued"] == out["delivered"] == len(receiver.got)
    res = runner.invoke(cli, ["webhooks", "add", "http://example.org/x", *db])
    assert res.exit_code == 3 and "webhook_url" in res.output
    res = runner.invoke(cli, ["webhooks", "replay", *db])
    assert res.exit_code == 3
    res = runner.invoke(cli, ["webhooks", "dead", *db])
    assert res.exit_code == 0


def test_the_scoring_worker_delivers_what_its_scores_wrote(
    ledger: Ledger, receiver: Receiver, tmp_path: Path
) -> None:
    ctx = _context(ledger, tmp_path)
    load_history(ledger, s1_events("s1"))
    gc.score(ctx, subjects=["s1"])
    gc.add_webhook(ctx, "operator", receiver.url, ["score.changed"])
    _dispute(ctx)  # a change notice for s1
    stop = threading.Event()
    worker = threading.Thread(target=gc.follow, args=(ctx, stop), kwargs={"interval_s": 0.01})
    worker.start()
    try:
        for _ in range(3000):  # poll (up to about 30 s on a loaded machine)
            if receiver.got:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert [b["topic"] for b in receiver.bodies()] == ["score.changed"]
