"""Sources held to account over HTTP: their baselines, reputation and flags, the
operator's probation of a source, and the backfills an operator approves.

The same use cases as ``glasscredit sources``, ``glasscredit probation`` and
``glasscredit backfill`` (docs/sources.md, docs/clocks.md). A flag's evidence names
subjects and events of many people, so the readers are the operator and the auditor;
a source key sees none of it. Every write is the operator's and is audited under the
key's name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from glasscredit import app as uc
from glasscredit.api._deps import CallerDep
from glasscredit.api._routing import route, rule
from glasscredit.app import Role

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["sources"])
READERS: tuple[Role, ...] = ("operator", "auditor")
SourceName = Annotated[str, Path(min_length=1, max_length=64)]
Time = Annotated[str, Field(min_length=1, max_length=40, description="RFC 3339")]
AsOf = Annotated[str | None, Query(description="RFC 3339; now when absent", max_length=40)]
Reason = Annotated[str, Field(min_length=1, max_length=1000, description="why (audit log)")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountabilityIn(_In):
    """Act on the flags: ``record`` writes each with its evidence to the audit log;
    ``probation`` also puts the flagged sources on probation and holds what it covers."""

    as_of: Time | None = None
    record: bool = True
    probation: bool = False


class ProbationIn(_In):
    source: str = Field(min_length=1, max_length=64)
    reason: Reason
    since: Time | None = Field(default=None, description="on the ledger's clock; now if absent")


class BackfillIn(_In):
    """``source`` may load events dated ``occurred_from`` to ``occurred_to``, each known
    from ``max(occurred_at, known_from)``: the date the operator attests it knew them."""

    source: str = Field(min_length=1, max_length=64)
    occurred_from: Time
    occurred_to: Time
    known_from: Time
    reason: Reason


@route(router, "GET", "/sources/accountability", rule(*READERS))
def accountability(
    caller: CallerDep,
    as_of: AsOf = None,
) -> uc.SourceAccountability:
    """Every source against its own past and its peers, on the ledger's clock, with the
    flags and their evidence (a read: nothing is recorded or held)."""
    when = None if as_of is None else uc.parse_time(as_of, "as_of")
    return uc.source_report(caller.ctx, as_of_us=when)


@route(router, "POST", "/sources/accountability", rule("operator"))
def act_on_flags(body: AccountabilityIn, caller: CallerDep) -> uc.SourceAccountability:
    """The operator acts on the flags: recorded with their evidence, and (``probation``)
    the flagged sources put on probation; audited under the key's name."""
    when = None if body.as_of is None else uc.parse_time(body.as_of, "as_of")
    return uc.source_report(
        caller.ctx,
        as_of_us=when,
        record=body.record or body.probation,
        probation=body.probation,
        actor=caller.who.name,
    )


@route(router, "GET", "/probations", rule(*READERS))
def probations(caller: CallerDep) -> uc.ProbationList:
    """Every probation, oldest first, with what each holds now."""
    return uc.probations(caller.ctx)


@route(router, "POST", "/probations", rule("operator"))
def place_probation(body: ProbationIn, caller: CallerDep) -> uc.ProbationChange:
    """Put a source on probation: its positive events about the subjects it alone
    vouches for count only once the ledger has known them the seasoning period."""
    return uc.place_probation(
        caller.ctx, body.source, reason=body.reason, since=body.since, actor=caller.who.name
    )


@route(router, "POST", "/probations/{source}/release", rule("operator"))
def release_probation(source: SourceName, caller: CallerDep) -> uc.ProbationChange:
    """End a source's probation: the events it holds count from now on."""
    return uc.release_probation(caller.ctx, source, actor=caller.who.name)


@route(router, "GET", "/backfills", rule(*READERS))
def backfills(caller: CallerDep) -> uc.BackfillList:
    """Every approved backfill, oldest first."""
    return uc.backfills(caller.ctx)


@route(router, "POST", "/backfills", rule("operator"))
def approve_backfill(body: BackfillIn, caller: CallerDep) -> uc.BackfillView:
    """Approve a backfill: the only way events older than the policy's backdating bounds
    enter the ledger (``POST /v1/events`` with ``backfill``)."""
    return uc.approve_backfill(
        caller.ctx,
        source=body.source,
        occurred_from=body.occurred_from,
        occurred_to=body.occurred_to,
        known_from=body.known_from,
        approved_by=caller.who.name,
        reason=body.reason,
    )
