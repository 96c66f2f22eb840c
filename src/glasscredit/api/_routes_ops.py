"""Programme-wide routes: ingest, scoring runs, the policy's catalogue, trust and reports,
bursts and holds, population monitoring, the audit chain, keys, webhooks.

The red team and the fairness audit (seconds of CPU per run) run as jobs:
:mod:`._routes_reports`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from glasscredit import app as uc
from glasscredit.api._deps import CallerDep
from glasscredit.api._routing import route, rule
from glasscredit.api._schemas import HoldIn, IngestIn, KeyIn, ReplayIn, ScoreRunIn, WebhookIn
from glasscredit.app import Role

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["programme"])
READERS: tuple[Role, ...] = ("operator", "auditor")
EVERYONE: tuple[Role, ...] = ("operator", "auditor", "source", "subject")
AsOf = Annotated[str | None, Query(description="RFC 3339; now when absent", max_length=40)]


def _as_of(text: str | None) -> int | None:
    return None if text is None else uc.parse_time(text)


@route(router, "POST", "/events", rule("operator", "source"))
def ingest(body: IngestIn, caller: CallerDep) -> uc.IngestResult:
    """Append a batch of events; every row is accepted, a duplicate, or refused with why.

    A source key reports only events whose ``source`` is its own, of the types its
    policy entry allows. ``backfill``: into that approved backfill (its source and
    dates only).
    """
    return uc.ingest_as(caller.ctx, caller.who, body.events, backfill=body.backfill)


_LINES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            uc.JSON_LINES: {
                "schema": {
                    "type": "string",
                    "description": "one event object per line, as POST /v1/events takes",
                }
            }
        },
    }
}


@route(router, "POST", "/events/lines", rule("operator", "source"), openapi_extra=_LINES_BODY)
async def ingest_lines(
    request: Request,
    caller: CallerDep,
    backfill: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> uc.IngestResult:
    """Append a JSON Lines batch (``Content-Type: application/x-ndjson``): the fast way in.

    The same rules and per-row results as ``POST /v1/events`` (rows numbered by line);
    an operator's batch is read column-wise, as ``glasscredit ingest FILE`` reads a file.
    """
    body = await request.body()
    return await run_in_threadpool(uc.ingest_lines, caller.ctx, caller.who, body, backfill=backfill)


@route(router, "POST", "/scores", rule("operator"))
def score_run(body: ScoreRunIn, caller: CallerDep) -> uc.ScoreRun:
    """Score and store every subject, the named ones, or those with new events."""
    return uc.score(
        caller.ctx,
        as_of_us=_as_of(body.as_of),
        subjects=body.subjects,
        only_changed=body.only_changed,
    )


@route(router, "GET", "/scores/{score_id}/verification", rule(*READERS))
def verify_score(
    score_id: Annotated[int, Path(ge=1, le=2**62)], caller: CallerDep
) -> uc.ScoreVerification:
    """Recompute a stored score from the ledger: identical, or the exact difference."""
    return uc.verify_score(caller.ctx, score_id)


@route(router, "GET", "/tiers", rule(*EVERYONE))
def tiers(caller: CallerDep) -> uc.TiersAndPerks:
    """The tiers and the perks a score can reach, and what each perk takes."""
    return uc.tiers(caller.ctx)


@route(router, "GET", "/what-if/actions", rule(*EVERYONE))
def what_if_actions(caller: CallerDep) -> uc.WhatIfActions:
    """The realistic actions a what-if offers."""
    return uc.what_if_actions(caller.ctx)


@route(router, "GET", "/sources", rule("operator", "auditor", "source"))
def sources(caller: CallerDep) -> uc.Sources:
    """The policy's sources and the event types each may report."""
    return uc.sources(caller.ctx)


@route(router, "POST", "/trust", rule("operator"))
def compute_trust(
    caller: CallerDep,
    as_of: AsOf = None,
    force: Annotated[
        bool, Query(description="store it even when it lost too many seeds (reviewed)")
    ] = False,
) -> uc.TrustSummary:
    """Recompute the trust snapshot (a new version; nothing replaced). One that lost too
    many seeds is not stored unless forced: ``alert`` says why, ``stored`` is false."""
    return uc.compute_trust(caller.ctx, as_of_us=_as_of(as_of), force=force)


@route(router, "POST", "/reports", rule("operator"))
def compute_reports(caller: CallerDep, as_of: AsOf = None) -> uc.ReportsSummary:
    """Weigh the misconduct reports (a new snapshot version)."""
    return uc.compute_reports(caller.ctx, as_of_us=_as_of(as_of))


@route(router, "GET", "/bursts", rule(*READERS))
def bursts(caller: CallerDep, days: Annotated[int, Query(ge=1, le=3650)] = 7) -> uc.BurstScan:
    """Sources that sent many positive events for many subjects lately."""
    return uc.find_bursts(caller.ctx, days=days)


@route(router, "POST", "/bursts/holds", rule("operator"))
def hold_bursts(body: HoldIn, caller: CallerDep) -> uc.BurstScan:
    """Find bursts and hold their events out of scoring until reviewed (audited)."""
    return uc.find_bursts(caller.ctx, days=body.days, hold=True)


@route(router, "POST", "/bursts/{ref}/release", rule("operator"))
def release_burst(
    ref: Annotated[str, Path(min_length=1, max_length=128)], caller: CallerDep
) -> uc.BurstRelease:
    """Release a held burst after review: its events count again (audited)."""
    return uc.release_burst(caller.ctx, ref)


@route(router, "GET", "/monitoring", rule(*READERS))
def monitoring(
    caller: CallerDep,
    reference: Annotated[str, Query(description="FROM/TO, two RFC 3339 times", max_length=90)],
    current: Annotated[str | None, Query(max_length=90)] = None,
) -> uc.Monitoring:
    """Population stability (PSI) and median shift of the score and each dimension."""
    cur = None if current is None else uc.parse_period(current, "current")
    return uc.monitor(caller.ctx, uc.parse_period(reference, "reference"), current=cur)


@route(router, "GET", "/ledger", rule(*READERS))
def ledger_counts(caller: CallerDep) -> uc.LedgerCounts:
    """Events, subjects, and events per type."""
    return uc.ledger_counts(caller.ctx)


@route(router, "GET", "/audit", rule(*READERS))
def verify_audit(caller: CallerDep) -> uc.AuditVerification:
    """Recompute the audit chain: ``ok``, or the first bad row and what is wrong."""
    return uc.verify_audit(caller.ctx)


@route(router, "POST", "/keys", rule("operator"), status_code=201)
def create_key(body: KeyIn, caller: CallerDep) -> uc.IssuedKey:
    """A new API key; its token is in this response only (audited)."""
    return uc.create_key(
        caller.ctx, name=body.name, role=body.role, source=body.source, actor=caller.who.name
    )


@route(router, "GET", "/keys", rule(*READERS))
def list_keys(caller: CallerDep) -> uc.ApiKeyList:
    """Every key, active and revoked (never a token or a hash)."""
    return uc.list_keys(caller.ctx)


@route(router, "DELETE", "/keys/{key_id}", rule("operator"))
def revoke_key(
    key_id: Annotated[str, Path(min_length=1, max_length=32)], caller: CallerDep
) -> uc.ApiKeyView:
    """Revoke a key now (audited)."""
    return uc.revoke_key(caller.ctx, key_id, actor=caller.who.name)


@route(router, "POST", "/webhooks", rule("operator"), status_code=201)
def add_webhook(body: WebhookIn, caller: CallerDep) -> uc.WebhookCreated:
    """Subscribe a receiver; its signing secret is in this response only (audited)."""
    return uc.add_webhook(
        caller.ctx, body.owner, body.url, list(body.topics), actor=caller.who.name
    )


@route(router, "GET", "/webhooks", rule(*READERS))
def list_webhooks(caller: CallerDep) -> uc.WebhookList:
    """The active subscriptions (never their secrets)."""
    return uc.list_webhooks(caller.ctx)


@route(router, "DELETE", "/webhooks/{webhook_id}", rule("operator"))
def remove_webhook(
    webhook_id: Annotated[int, Path(ge=1, le=2**62)], caller: CallerDep
) -> uc.WebhookView:
    """Stop a subscription now; its pending deliveries become dead letters (audited)."""
    return uc.remove_webhook(caller.ctx, webhook_id, actor=caller.who.name)


@route(router, "GET", "/webhooks/dead-letters", rule(*READERS))
def dead_letters(caller: CallerDep) -> uc.DeadLetters:
    """Deliveries that failed every attempt."""
    return uc.dead_letters(caller.ctx)


@route(router, "POST", "/webhooks/dead-letters/replay", rule("operator"))
def replay_dead_letters(body: ReplayIn, caller: CallerDep) -> uc.ReplayResult:
    """Send dead letters again from now (audited)."""
    n = uc.replay_dead_letters(caller.ctx, body.deliveries, actor=caller.who.name)
    return uc.ReplayResult(replayed=n)
