"""Request bodies (the ``...In`` half of each pair; responses are the app's results)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from glasscredit.app import JsonValue

__all__ = [
    "CorrectIn",
    "DisputeIn",
    "HoldIn",
    "IngestIn",
    "KeyIn",
    "ResolveIn",
    "ScoreIn",
    "ScoreRunIn",
    "WhatIfIn",
]

MAX_BATCH = 100_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestIn(_In):
    """A batch of events; each row gets its own result (row numbers from 1)."""

    events: list[dict[str, JsonValue]] = Field(min_length=1, max_length=MAX_BATCH)
    backfill: int | None = Field(
        default=None, ge=1, le=2**62, description="an approved backfill to load them into"
    )


class ScoreIn(_In):
    as_of: str | None = Field(default=None, description="RFC 3339; now when absent")


class ScoreRunIn(_In):
    as_of: str | None = None
    only_changed: bool = False
    subjects: list[str] | None = Field(default=None, max_length=MAX_BATCH)


class WhatIfIn(_In):
    as_of: str | None = None
    set: dict[str, float | None] = Field(default_factory=dict, max_length=100)
    actions: dict[str, Annotated[int, Field(ge=0, le=240)]] = Field(
        default_factory=dict, max_length=20, description="action name -> times (one per period)"
    )
    horizon: str | None = Field(default=None, max_length=16)


class CorrectIn(_In):
    """One attribute of the record and the value it should have (checked on the policy's
    schema for the event's type)."""

    attribute: str = Field(min_length=1, max_length=64)
    value: StrictBool | StrictInt | StrictFloat | StrictStr


class DisputeIn(_In):
    event_id: str = Field(min_length=1, max_length=128)
    source: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the event's source: ids are per source (needed when two share the id)",
    )
    reason: str = Field(min_length=1, max_length=2000)
    correct: CorrectIn | None = Field(
        default=None,
        description="ask the source to correct one attribute instead of removing the record",
    )


class ResolveIn(_In):
    outcome: Literal["upheld", "removed"]
    reasons: str | None = Field(default=None, min_length=1, max_length=2000)


class HoldIn(_In):
    days: int = Field(default=7, ge=1, le=3650)


class WebhookIn(_In):
    url: str = Field(min_length=1, max_length=2048)
    owner: str = Field(default="operator", min_length=1, max_length=64)
    topics: list[Literal["dispute.opened", "dispute.resolved", "score.changed"]] = Field(
        min_length=1, max_length=3
    )


class ReplayIn(_In):
    deliveries: list[int] | Literal["all"]


class KeyIn(_In):
    name: str = Field(min_length=1, max_length=128)
    role: Literal["operator", "source", "auditor"]
    source: str | None = Field(default=None, max_length=64)
