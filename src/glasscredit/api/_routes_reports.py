"""The red-team and fairness reports over HTTP: an operator starts a run (a job, 202);
the operator and auditors read the newest stored one, from any worker."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from glasscredit import app as uc
from glasscredit.api._deps import CallerDep, Services
from glasscredit.api._routing import route, rule

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["reports"])
Cell = str | int | float | bool | None


class RedTeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    honest: int = Field(default=2_000, ge=100, le=5_000, description="honest accounts simulated")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class FairnessIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: list[dict[str, Cell]] = Field(
        min_length=1,
        max_length=1_000_000,
        description="one row per subject: subject and each protected attribute (never stored)",
    )
    protected: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20, description="attributes to audit (all when empty)"
    )
    cutoff: float = Field(ge=0, le=10_000, description="a score at or above it is an approval")
    since: str = Field(max_length=40, description="RFC 3339")
    until: str | None = Field(default=None, max_length=40, description="RFC 3339; now if absent")
    min_group_size: int | None = Field(default=None, ge=1, le=1_000_000)


class JobStarted(uc.AppModel):
    """A run was started; its result is stored at ``result`` when done."""

    kind: Literal["red_team", "fairness"]
    status: Literal["started"]
    result: str


def _services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


@route(router, "POST", "/red-team", rule("operator"), status_code=202)
def start_red_team(body: RedTeamIn, request: Request, caller: CallerDep) -> JobStarted:
    """Run the attack scenarios against the policy (seconds of CPU: a job; 409 while one
    runs on this worker). The result is stored in the audit chain: ``GET /v1/red-team``."""
    svc, actor = _services(request), caller.who.name

    def run() -> None:
        with svc.context() as ctx:
            uc.run_red_team_report(ctx, honest=body.honest, seed=body.seed, actor=actor)

    svc.jobs.start("red_team", run)
    return JobStarted(kind="red_team", status="started", result="/v1/red-team")


@route(router, "GET", "/red-team", rule("operator", "auditor"))
def get_red_team(caller: CallerDep) -> uc.StoredRedTeam:
    """The newest stored red-team run (404 until one has finished)."""
    return uc.latest_red_team(caller.ctx)


@route(router, "POST", "/fairness", rule("operator"), status_code=202)
def start_fairness(body: FairnessIn, request: Request, caller: CallerDep) -> JobStarted:
    """Audit approval and adverse impact of the stored scores by month, by the groups
    given (read for the audit, never stored; only the aggregates are kept). A job;
    the result: ``GET /v1/fairness``."""
    svc, actor = _services(request), caller.who.name
    since = uc.parse_time(body.since, "since")
    until = None if body.until is None else uc.parse_time(body.until, "until")
    uc.check_groups(body.groups, body.protected)  # a bad request is refused now, not in a log

    def run() -> None:
        with svc.context() as ctx:
            uc.run_fairness_report(
                ctx,
                body.groups,
                protected=body.protected,
                cutoff=body.cutoff,
                since_us=since,
                until_us=until,
                min_group_size=body.min_group_size,
                actor=actor,
            )

    svc.jobs.start("fairness", run)
    return JobStarted(kind="fairness", status="started", result="/v1/fairness")


@route(router, "GET", "/fairness", rule("operator", "auditor"))
def get_fairness(caller: CallerDep) -> uc.StoredFairness:
    """The newest stored fairness audit (404 until one has finished)."""
    return uc.latest_fairness(caller.ctx)
