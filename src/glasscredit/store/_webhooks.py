"""Webhooks: the outbox's messages leave the building, signed, retried, never lost.

Subscriptions (``webhooks``) name an owner (the operator, or one source), a URL, the
topics it wants and the secret that signs its payloads. The outbox tables the rest of
glasscredit writes (``dispute_notices`` for sources, ``score_changes`` for the change
notices the operator forwards to people) are followed by a cursor per stream:
:meth:`SqlWebhookStore.enqueue` turns each new row into one delivery per matching
subscription, in one transaction with the cursor's move, so a row is enqueued exactly
once however often or concurrently it runs (a unique key backs that up). Deliveries are
claimed with a lease before they are sent (a conditional update: two workers never send
the same one at once), then marked delivered, retried later, or dead after the last
attempt; the operator lists the dead letters and replays them. Delivery is at least
once: a worker killed between the send and the mark sends again after the lease, with
the same delivery id, which receivers use to deduplicate.

A delivery carries its subject (when it has one), so erasure deletes it with every other
per-subject row. Creating, removing a subscription and replaying are audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    update,
)

from glasscredit.exceptions import ConflictError, NotFoundError
from glasscredit.policy import iso
from glasscredit.store._audit import append_audit
from glasscredit.store._dialect import Dialect
from glasscredit.store._tables import dispute_notices, disputes, metadata, score_changes

__all__ = [
    "TOPICS",
    "Delivery",
    "SqlWebhookStore",
    "Webhook",
    "WebhookStore",
    "webhook_cursors",
    "webhook_deliveries",
    "webhooks",
]

_ID = BigInteger().with_variant(Integer, "sqlite")

#: what a subscription can ask for; only the operator may take ``score.changed``
TOPICS = ("dispute.opened", "dispute.resolved", "score.changed")

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("owner", String(64), nullable=False),  # "operator" or a source's name
    Column("url", Text, nullable=False),
    Column("topics", String(128), nullable=False),  # comma-separated, sorted
    Column("secret", String(128), nullable=False),  # signs payloads (HMAC-SHA256)
    Column("created_at_us", BigInteger, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("removed_at_us", BigInteger, nullable=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("webhook_id", BigInteger, nullable=False),
    Column("topic", String(32), nullable=False),
    Column("ref", BigInteger, nullable=False),  # the outbox row (notice id)
    Column("subject", String(64), nullable=True),  # erasure deletes the subject's
    Column("payload", Text, nullable=False),
    Column("status", String(12), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_at_us", BigInteger, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("delivered_at_us", BigInteger, nullable=True),
    UniqueConstraint("webhook_id", "topic", "ref", name="uq_webhook_deliveries_ref"),
    Index("ix_webhook_deliveries_due", "status", "next_at_us"),
)

# how far each outbox stream has been turned into deliveries
webhook_cursors = Table(
    "webhook_cursors",
    metadata,
    Column("stream", String(32), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    owner: str
    url: str
    topics: tuple[str, ...]
    secret: str
    created_at_us: int
    created_by: str
    removed_at_us: int | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: int
    topic: str
    ref: int
    subject: str | None
    payload: str
    status: str
    attempts: int
    next_at_us: int
    last_error: str | None
    created_at_us: int
    delivered_at_us: int | None


class WebhookStore(Protocol):
    """Subscriptions, the deliveries made from the outbox, and their dead letters."""

    def add(
        self, owner: str, url: str, topics: list[str], secret: str, *, at_us: int, actor: str
    ) -> Webhook: ...

    def remove(self, webhook_id: int, *, at_us: int, actor: str) -> Webhook: ...

    def get(self, webhook_id: int) -> Webhook | None: ...

    def active(self) -> list[Webhook]: ...

    def enqueue(self, *, now_us: int, limit: int = 10_000) -> int: ...

    def claim_due(self, *, now_us: int, lease_us: int, limit: int = 100) -> list[Delivery]: ...

    def delivered(self, delivery_id: int, *, at_us: int) -> None: ...

    def failed(self, delivery_id: int, *, error: str, retry_at_us: int | None) -> None: ...

    def deliveries(
        self, *, status: str | None = None, webhook_id: int | None = None
    ) -> list[Delivery]: ...

    def replay(self, delivery_ids: list[int], *, at_us: int, actor: str) -> int: ...


def _webhook(row: Any) -> Webhook:
    return Webhook(
        int(row.id),
        row.owner,
        row.url,
        tuple(t for t in str(row.topics).split(",") if t),
        row.secret,
        int(row.created_at_us),
        row.created_by,
        None if row.removed_at_us is None else int(row.removed_at_us),
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        int(row.id),
        int(row.webhook_id),
        row.topic,
        int(row.ref),
        row.subject,
        row.payload,
        row.status,
        int(row.attempts),
        int(row.next_at_us),
        row.last_error,
        int(row.created_at_us),
        None if row.delivered_at_us is None else int(row.delivered_at_us),
    )


def _cursor(conn: Connection, stream: str) -> int:
    got = conn.execute(
        select(webhook_cursors.c.last_id).where(webhook_cursors.c.stream == stream)
    ).scalar()
    if got is None:
        conn.execute(webhook_cursors.insert().values(stream=stream, last_id=0))
        return 0
    return int(got)


def _move(conn: Connection, stream: str, last_id: int) -> None:
    conn.execute(
        update(webhook_cursors).where(webhook_cursors.c.stream == stream).values(last_id=last_id)
    )


class SqlWebhookStore:
    """Webhooks on either database (the SQL is the same)."""

    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect = dialect

    # -- subscriptions ---------------------------------------------------------------
    def add(
        self, owner: str, url: str, topics: list[str], secret: str, *, at_us: int, actor: str
    ) -> Webhook:
        """Subscribe ``url`` to ``topics`` for ``owner`` (audited; never the secret)."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            new_id = conn.execute(
                webhooks.insert().values(
                    owner=owner,
                    url=url,
                    topics=",".join(sorted(set(topics))),
                    secret=secret,
                    created_at_us=at_us,
                    created_by=actor,
                    removed_at_us=None,
                )
            ).inserted_primary_key
            assert new_id is not None
            webhook_id = int(new_id[0])
            append_audit(
                conn,
                at_us=at_us,
                actor=actor,
                action="webhook.add",
                details={
                    "webhook_id": webhook_id,
                    "owner": owner,
                    "url": url,
                    "topics": sorted(set(topics)),
                },
            )
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one()
        return _webhook(row)

    def remove(self, webhook_id: int, *, at_us: int, actor: str) -> Webhook:
        """Stop a subscription (audited); its pending deliveries die with a reason."""
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
            if row is None:
                raise NotFoundError(f"webhook_id: {webhook_id} is not a webhook [exists]")
            if row.removed_at_us is not None:
                raise ConflictError(f"webhook_id: {webhook_id} was already removed [active]")
            conn.execute(
                update(webhooks).where(webhooks.c.id == webhook_id).values(removed_at_us=at_us)
            )
            d = webhook_deliveries
            conn.execute(
                update(d)
                .where((d.c.webhook_id == webhook_id) & (d.c.status == "pending"))
                .values(status="dead", last_error="the webhook was removed")
            )
            append_audit(
                conn,
                at_us=at_us,
                actor=actor,
                action="webhook.remove",
                details={"webhook_id": webhook_id},
            )
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one()
        return _webhook(row)

    def get(self, webhook_id: int) -> Webhook | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
        return None if row is None else _webhook(row)

    def active(self) -> list[Webhook]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(webhooks).where(webhooks.c.removed_at_us.is_(None)).order_by(webhooks.c.id)
            )
            return [_webhook(r) for r in rows]

    # -- the outbox ------------------------------------------------------------------
    def enqueue(self, *, now_us: int, limit: int = 10_000) -> int:
        """Turn new outbox rows into deliveries (at most ``limit`` rows per stream).

        One transaction per call holds the cursors' moves and the deliveries, under the
        chain lock (the writers' lock), so concurrent calls never enqueue a row twice.
        A subscription receives the rows written from its creation on.
        """
        made = 0
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            hooks = [
                _webhook(r)
                for r in conn.execute(select(webhooks).where(webhooks.c.removed_at_us.is_(None)))
            ]
            made += self._enqueue_disputes(conn, hooks, now_us, limit)
            made += self._enqueue_changes(conn, hooks, now_us, limit)
        return made

    def _enqueue_disputes(
        self, conn: Connection, hooks: list[Webhook], now_us: int, limit: int
    ) -> int:
        last = _cursor(conn, "dispute_notices")
        dn, ds = dispute_notices, disputes
        rows = conn.execute(
            select(
                dn.c.id,
                dn.c.dispute_id,
                dn.c.source,
                dn.c.kind,
                dn.c.outcome,
                dn.c.at_us,
                ds.c.event_id,
                ds.c.subject,
                ds.c.deadline_us,
            )
            .join(ds, ds.c.dispute_id == dn.c.dispute_id, isouter=True)
            .where(dn.c.id > last)
            .order_by(dn.c.id)
            .limit(limit)
        ).all()
        out: list[dict[str, Any]] = []
        for r in rows:
            topic = f"dispute.{r.kind}"
            for h in hooks:
                if topic not in h.topics or r.at_us < h.created_at_us:
                    continue
                if h.owner != "operator" and h.owner != r.source:
                    continue  # a source hears only of disputes on its own events
                body = {
                    "topic": topic,
                    "dispute_id": int(r.dispute_id),
                    "source": r.source,
                    "event_id": r.event_id,
                    "outcome": r.outcome,
                    "deadline": None if r.deadline_us is None else iso(int(r.deadline_us)),
                    "at": iso(int(r.at_us)),
                }
                out.append(_row(h, topic, int(r.id), r.subject, body, now_us))
        if out:
            conn.execute(webhook_deliveries.insert(), out)
        if rows:
            _move(conn, "dispute_notices", int(rows[-1].id))
        return len(out)

    def _enqueue_changes(
        self, conn: Connection, hooks: list[Webhook], now_us: int, limit: int
    ) -> int:
        last = _cursor(conn, "score_changes")
        sc = score_changes
        rows = conn.execute(
            select(
                sc.c.id,
                sc.c.subject,
                sc.c.score_id,
                sc.c.old_score,
                sc.c.new_score,
                sc.c.old_tier,
                sc.c.new_tier,
                sc.c.at_us,
            )
            .where(sc.c.id > last)
            .order_by(sc.c.id)
            .limit(limit)
        ).all()
        takers = [h for h in hooks if "score.changed" in h.topics and h.owner == "operator"]
        out: list[dict[str, Any]] = []
        for r in rows:
            body = {
                "topic": "score.changed",
                "subject": r.subject,
                "score_id": int(r.score_id),
                "old_score": int(r.old_score),
                "new_score": int(r.new_score),
                "old_tier": r.old_tier,
                "new_tier": r.new_tier,
                "at": iso(int(r.at_us)),
            }
            out.extend(
                _row(h, "score.changed", int(r.id), r.subject, body, now_us)
                for h in takers
                if r.at_us >= h.created_at_us
            )
        if out:
            conn.execute(webhook_deliveries.insert(), out)
        if rows:
            _move(conn, "score_changes", int(rows[-1].id))
        return len(out)

    # -- sending ---------------------------------------------------------------------
    def claim_due(self, *, now_us: int, lease_us: int, limit: int = 100) -> list[Delivery]:
        """Pending deliveries due by ``now_us``, each leased to this caller until
        ``now_us + lease_us`` (a conditional update: a delivery another worker claimed
        in between is skipped)."""
        d = webhook_deliveries
        with self._engine.connect() as conn:
            due = conn.execute(
                select(d)
                .where((d.c.status == "pending") & (d.c.next_at_us <= now_us))
                .order_by(d.c.next_at_us, d.c.id)
                .limit(limit)
            ).all()
        claimed = []
        for row in due:
            with self._engine.begin() as conn:
                took = conn.execute(
                    update(d)
                    .where(
                        (d.c.id == row.id)
                        & (d.c.status == "pending")
                        & (d.c.next_at_us == row.next_at_us)
                    )
                    .values(next_at_us=now_us + lease_us, attempts=d.c.attempts + 1)
                ).rowcount
            if took == 1:
                claimed.append(_delivery(row))
        return claimed

    def delivered(self, delivery_id: int, *, at_us: int) -> None:
        d = webhook_deliveries
        with self._engine.begin() as conn:
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(status="delivered", delivered_at_us=at_us, last_error=None)
            )

    def failed(self, delivery_id: int, *, error: str, retry_at_us: int | None) -> None:
        """A failed attempt: retry at ``retry_at_us``, or dead when it is ``None``."""
        d = webhook_deliveries
        values: dict[str, Any] = {"last_error": error[:500]}
        if retry_at_us is None:
            values["status"] = "dead"
        else:
            values["next_at_us"] = retry_at_us
        with self._engine.begin() as conn:
            conn.execute(update(d).where(d.c.id == delivery_id).values(**values))

    def deliveries(
        self, *, status: str | None = None, webhook_id: int | None = None
    ) -> list[Delivery]:
        d = webhook_deliveries
        stmt = select(d).order_by(d.c.id)
        if status is not None:
            stmt = stmt.where(d.c.status == status)
        if webhook_id is not None:
            stmt = stmt.where(d.c.webhook_id == webhook_id)
        with self._engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(stmt)]

    def replay(self, delivery_ids: list[int], *, at_us: int, actor: str) -> int:
        """Send dead letters again from ``at_us`` (audited); how many were dead."""
        d = webhook_deliveries
        with self._engine.begin() as conn:
            self._dialect.lock_chain(conn)
            live = select(webhooks.c.id).where(webhooks.c.removed_at_us.is_(None))
            n = conn.execute(
                update(d)
                .where(
                    d.c.id.in_(delivery_ids)
                    & (d.c.status == "dead")
                    & d.c.webhook_id.in_(live.scalar_subquery())
                )
                .values(status="pending", attempts=0, next_at_us=at_us)
            ).rowcount
            if n:
                append_audit(
                    conn,
                    at_us=at_us,
                    actor=actor,
                    action="webhook.replay",
                    details={"deliveries": sorted(delivery_ids), "replayed": int(n)},
                )
        return int(n)


def _row(
    hook: Webhook, topic: str, ref: int, subject: str | None, body: dict[str, Any], now_us: int
) -> dict[str, Any]:
    return {
        "webhook_id": hook.id,
        "topic": topic,
        "ref": ref,
        "subject": subject,
        "payload": json.dumps(body, sort_keys=True, separators=(",", ":")),
        "status": "pending",
        "attempts": 0,
        "next_at_us": now_us,
        "last_error": None,
        "created_at_us": now_us,
        "delivered_at_us": None,
    }
