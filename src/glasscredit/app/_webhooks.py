"""Webhooks: subscribe, deliver the outbox signed with retries, see and replay dead letters.

Every payload is signed like Stripe's and GitHub's: ``Glasscredit-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``, with the delivery's id in
``Glasscredit-Delivery`` (receivers deduplicate by it: delivery is at least once) and the
topic in ``Glasscredit-Topic``. :func:`verify_webhook_signature` is the receiver's check,
with a tolerance against replays of old requests. A failed attempt (no answer within the
timeout, or a status outside 2xx) is retried after 30 s, 2 min, 10 min, 30 min, then
hourly; after :data:`MAX_ATTEMPTS` attempts the delivery is a dead letter until the
operator replays it. Redirects are not followed (a receiver's address is the one the
operator registered).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.store import TOPICS, Delivery, Webhook

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_AFTER_S",
    "DeadLetters",
    "DeliveryRun",
    "DeliveryView",
    "ReplayResult",
    "Sender",
    "WebhookCreated",
    "WebhookList",
    "WebhookView",
    "add_webhook",
    "dead_letters",
    "deliver_webhooks",
    "list_webhooks",
    "remove_webhook",
    "replay_dead_letters",
    "sign_webhook",
    "verify_webhook_signature",
]

#: seconds to wait after the n-th failed attempt (the last value repeats)
RETRY_AFTER_S = (30, 120, 600, 1800, 3600)
MAX_ATTEMPTS = 8
LEASE_S = 60  # a claimed delivery not marked by then is sent again (at least once)
TIMEOUT_S = 5.0
MAX_URL = 2048

#: sends one request: (url, body, headers) -> (HTTP status or None, error text or None)
Sender = Callable[[str, bytes, dict[str, str]], tuple[int | None, str | None]]


class WebhookView(AppModel):
    """A subscription as anyone may see it: never its secret."""

    id: int
    owner: str
    url: str
    topics: list[str]
    created_at_us: int
    created_by: str
    removed_at_us: int | None


class WebhookCreated(AppModel):
    """A new subscription and its signing secret, shown this once."""

    webhook: WebhookView
    secret: str


class WebhookList(AppModel):
    webhooks: list[WebhookView]


class DeliveryView(AppModel):
    id: int
    webhook_id: int
    topic: str
    ref: int
    status: str
    attempts: int
    next_at_us: int
    last_error: str | None
    created_at_us: int
    delivered_at_us: int | None


class DeadLetters(AppModel):
    deliveries: list[DeliveryView]


class ReplayResult(AppModel):
    replayed: int


class DeliveryRun(AppModel):
    """One delivery step: rows enqueued from the outbox, and the attempts' outcomes."""

    enqueued: int
    delivered: int
    retrying: int
    dead: int


def _view(h: Webhook) -> WebhookView:
    return WebhookView(
        id=h.id,
        owner=h.owner,
        url=h.url,
        topics=list(h.topics),
        created_at_us=h.created_at_us,
        created_by=h.created_by,
        removed_at_us=h.removed_at_us,
    )


def _delivery_view(d: Delivery) -> DeliveryView:
    return DeliveryView(
        id=d.id,
        webhook_id=d.webhook_id,
        topic=d.topic,
        ref=d.ref,
        status=d.status,
        attempts=d.attempts,
        next_at_us=d.next_at_us,
        last_error=d.last_error,
        created_at_us=d.created_at_us,
        delivered_at_us=d.delivered_at_us,
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str) -> str:
    def bad(message: str) -> ValidationError:
        return ValidationError([FieldError("url", "webhook_url", message)])

    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL or not url.isprintable():
        raise bad(f"give an http(s) address of at most {MAX_URL} printable characters")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise bad("must be an https:// address with a host")
    if parts.scheme == "http" and not _loopback(host):
        raise bad("plain http is only for a receiver on this machine; use https")
    if parts.username or parts.password:
        raise bad("must not carry credentials; the payload's signature authenticates it")
    return url


def _check_owner(ctx: Context, owner: str, topics: list[str]) -> list[str]:
    if owner != "operator" and owner not in ctx.policy.sources:
        known = ", ".join(["operator", *sorted(ctx.policy.sources)])
        raise ValidationError(
            [FieldError("owner", "known_owner", f"{owner!r} is neither of: {known}")]
        )
    if not topics:
        raise ValidationError([FieldError("topics", "required", "name at least one topic")])
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise ValidationError(
            [FieldError("topics", "known_topic", f"{unknown}: topics are {', '.join(TOPICS)}")]
        )
    if owner != "operator" and "score.changed" in topics:
        raise ValidationError(
            [
                FieldError(
                    "topics",
                    "operator_only",
                    "score.changed carries people's scores: only the operator receives it",
                )
            ]
        )
    return sorted(set(topics))


def add_webhook(
    ctx: Context, owner: str, url: str, topics: list[str], *, actor: str = "operator"
) -> WebhookCreated:
    """Subscribe ``url`` for ``owner`` (the operator or a source) to ``topics`` (audited)."""
    checked = _check_owner(ctx, owner, topics)
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = ctx.ledger.webhooks.add(
        owner, _check_url(url), checked, secret, at_us=ctx.now(), actor=actor
    )
    return WebhookCreated(webhook=_view(hook), secret=secret)


def list_webhooks(ctx: Context) -> WebhookList:
    return WebhookList(webhooks=[_view(h) for h in ctx.ledger.webhooks.active()])


def remove_webhook(ctx: Context, webhook_id: int, *, actor: str = "operator") -> WebhookView:
    return _view(ctx.ledger.webhooks.remove(webhook_id, at_us=ctx.now(), actor=actor))


def dead_letters(ctx: Context) -> DeadLetters:
    return DeadLetters(
        deliveries=[_delivery_view(d) for d in ctx.ledger.webhooks.deliveries(status="dead")]
    )


def replay_dead_letters(
    ctx: Context, delivery_ids: list[int] | Literal["all"], *, actor: str = "operator"
) -> int:
    """Send dead letters again (``"all"``, or these ids); how many were replayed."""
    if delivery_ids != "all" and not delivery_ids:
        raise ValidationError(
            [FieldError("delivery_id", "required", "name the dead letters to replay, or all")]
        )
    dead = [d.id for d in ctx.ledger.webhooks.deliveries(status="dead")]
    ids = dead if delivery_ids == "all" else list(delivery_ids)
    missing = sorted(set(ids) - set(dead))
    if missing:
        raise NotFoundError(f"delivery_id: {missing} are not dead letters [dead]")
    return ctx.ledger.webhooks.replay(ids, at_us=ctx.now(), actor=actor) if ids else 0


def sign_webhook(secret: str, body: bytes, timestamp_s: int) -> str:
    """The ``Glasscredit-Signature`` header of ``body`` sent at ``timestamp_s``."""
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"t={timestamp_s},v1={mac.hexdigest()}"


def verify_webhook_signature(
    secret: str, body: bytes, header: str, *, now_s: int | None = None, tolerance_s: int = 300
) -> bool:
    """A receiver's check: the header signs ``body`` with ``secret``, within the tolerance."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        t = int(fields["t"])
        given = fields["v1"]
    except (ValueError, KeyError):
        return False
    now = int(time.time()) if now_s is None else now_s
    if abs(now - t) > tolerance_s:
        return False
    want = sign_webhook(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(want, given)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """POST with the standard library (no redirects, a short timeout)."""
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(req, timeout=TIMEOUT_S) as res:
            return int(res.status), None
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:300]


def _retry_at(now_us: int, attempts: int) -> int | None:
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = RETRY_AFTER_S[min(attempts, len(RETRY_AFTER_S)) - 1]
    return now_us + wait * 1_000_000


def deliver_webhooks(ctx: Context, *, send: Sender | None = None, limit: int = 100) -> DeliveryRun:
    """Enqueue new outbox rows, then attempt every delivery that is due (one step)."""
    store = ctx.ledger.webhooks
    now = ctx.now()
    enqueued = store.enqueue(now_us=now)
    hooks = {h.id: h for h in store.active()}
    post = send or _post
    counts = {"delivered": 0, "retrying": 0, "dead": 0}
    for d in store.claim_due(now_us=now, lease_us=LEASE_S * 1_000_000, limit=limit):
        hook = hooks.get(d.webhook_id)
        if hook is None:  # removed after it was enqueued
            store.failed(d.id, error="the webhook was removed", retry_at_us=None)
            counts["dead"] += 1
            continue
        body = d.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "glasscredit-webhooks/1",
            "Glasscredit-Delivery": str(d.id),
            "Glasscredit-Topic": d.topic,
            "Glasscredit-Signature": sign_webhook(hook.secret, body, now // 1_000_000),
        }
        status, error = post(hook.url, body, headers)
        if status is not None and 200 <= status < 300:
            store.delivered(d.id, at_us=ctx.now())
            counts["delivered"] += 1
            continue
        retry = _retry_at(now, d.attempts + 1)
        store.failed(d.id, error=error or f"HTTP {status}", retry_at_us=retry)
        counts["dead" if retry is None else "retrying"] += 1
    return DeliveryRun(enqueued=enqueued, **counts)
