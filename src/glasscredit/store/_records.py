"""What the store hands back: plain, frozen records, free of any database type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glasscredit.policy import iso

__all__ = ["Dispute", "StoredEvent", "StoredNotice", "StoredScore"]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    event_id: str
    subject: str
    source: str
    type: str
    occurred_at_us: int
    recorded_at_us: int
    attributes: dict[str, Any]
    #: the ledger's clock: recorded_at_us, or the attested date of an approved backfill
    known_at_us: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "subject": self.subject,
            "source": self.source,
            "type": self.type,
            "occurred_at": iso(self.occurred_at_us),
            "recorded_at": iso(self.recorded_at_us),
            "known_at": iso(self.known_at_us),
            "attributes": self.attributes,
        }


@dataclass(frozen=True, slots=True)
class StoredScore:
    score_id: int
    subject: str
    as_of_us: int
    computed_at_us: int
    score: int
    tier: str
    policy_hash: str
    model_hash: str
    inputs_digest: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "score_id": self.score_id,
            "subject": self.subject,
            "as_of": iso(self.as_of_us),
            "computed_at": iso(self.computed_at_us),
            "score": self.score,
            "tier": self.tier,
            "policy_hash": self.policy_hash,
            "model_hash": self.model_hash,
            "inputs_digest": self.inputs_digest,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class StoredNotice:
    """A change notice: the score it is about, the one before, when, and the difference."""

    score_id: int
    prev_score_id: int
    at_us: int
    diff: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Dispute:
    dispute_id: int
    event_id: str | None
    subject: str | None
    source: str
    event_type: str
    reason: str | None
    opened_at_us: int
    opened_by: str
    deadline_us: int
    status: str
    resolved_at_us: int | None
    resolved_by: str | None
    resolution: str | None = None
    new_information: str | None = None
    extended_at_us: int | None = None
    source_response: str | None = None
    source_responded_at_us: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dispute_id": self.dispute_id,
            "event_id": self.event_id,
            "subject": self.subject,
            "source": self.source,
            "event_type": self.event_type,
            "reason": self.reason,
            "opened_at": iso(self.opened_at_us),
            "opened_by": self.opened_by,
            "deadline": iso(self.deadline_us),
            "status": self.status,
            "resolved_at": None if self.resolved_at_us is None else iso(self.resolved_at_us),
            "resolved_by": self.resolved_by,
            "resolution": self.resolution,
            "new_information": self.new_information,
            "extended_at": _at(self.extended_at_us),
            "source_response": self.source_response,
            "source_responded_at": _at(self.source_responded_at_us),
        }


def _at(us: int | None) -> str | None:
    return None if us is None else iso(us)
