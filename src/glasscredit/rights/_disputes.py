"""Disputes: a subject contests one of their events; the policy decides what it does.

Opening a dispute appends an exclusion period, tells the source, writes an audit row,
and rescores the subject so the change notice records the exact difference. By default
(``disputes.open_effect: stop_counting``) the period starts now: the record stops
counting at once. It keeps counting until a verdict instead when the policy says
``keep_counting``, or when the subject has lost the immediate freeze because their
disputes were repeatedly found unfounded (``disputes.repeated_unfounded``, see
``glasscredit.scoring._disputes``); its period then starts at the deadline, so an
unanswered dispute still removes the record then (FCRA 611(a)(5)(A)).

An operator resolves it: *upheld* (the dispute was unfounded: the record counts again
from then on; past scores still reproduce because periods are never backdated) or
*removed* (it never counts again). A dispute still open at its deadline (the policy's
``disputes.deadline``, 30 days by default, as FCRA 1681i gives a bureau) is resolved in
the subject's favour, as *removed*, by ``system:deadline``: a lapse, not a verdict, so it
neither counts as unfounded nor against the record's reporter.

Audit rows carry the subject's pseudonym, the dispute id, the source and the outcome,
never the reason: free text stays in ``disputes``, which erasure blanks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from glasscredit.exceptions import (
    AccessDeniedError,
    ConflictError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from glasscredit.policy import iso, parse_duration
from glasscredit.rights._correction_rules import check_correction
from glasscredit.rights._text import checked_text, refuse_id_in_actor
from glasscredit.scoring import FreezeState, Scorer, freeze_state, rescore, score_notices
from glasscredit.store import DEADLINE_ACTOR, Dispute, DisputeTarget, Store

__all__ = [
    "DEADLINE_ACTOR",
    "OUTCOMES",
    "Dispute",
    "DisputeResult",
    "expire_overdue",
    "open_dispute",
    "resolve_dispute",
]

OUTCOMES = ("upheld", "removed")  # the dispute was unfounded | the record goes
MAX_RESOLUTION_CHARS = 2000
# what the person reads when the resolver gives no reasons of their own
PLAIN_OUTCOME = {
    "upheld": "The record was checked and found accurate; it counts again from today.",
    "removed": "The record could not be shown to be accurate and complete; it no longer "
    "counts, and it will not count again.",
}
DEADLINE_RESOLUTION = (
    "The record was not checked within the time the law allows, so it was resolved in "
    "your favour: it no longer counts, and it will not count again."
)
MAX_REASON_CHARS = 600  # about the 100-word consumer statement FCRA 1681i allows


@dataclass(slots=True)
class DisputeResult:
    """A dispute after the action, the score before and after, and the change notice."""

    dispute: Dispute
    score_before: int | None
    score_after: int
    notice: dict[str, Any] | None
    expired: list[Dispute]
    #: on opening: what the dispute does while open (``effect``, ``counts``, ``text``)
    effect: dict[str, Any] | None = None
    #: the subject's immediate freeze after the action (``FreezeState.as_dict``)
    freeze: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dispute": self.dispute.as_dict(),
            "score_before": self.score_before,
            "score_after": self.score_after,
            "delta": None if self.score_before is None else self.score_after - self.score_before,
            "notice": self.notice,
            "expired": [d.as_dict() for d in self.expired],
            "effect": self.effect,
            "freeze": self.freeze,
        }


def _check_open(subject: str, event_id: str, target: DisputeTarget) -> None:
    """Refuse a dispute the rules forbid."""
    if not target.subject_known:
        raise NotFoundError(
            f"subject: {subject!r} is not in the ledger (unknown or erased) [exists]"
        )
    if target.shared:
        raise ValidationError(
            [
                FieldError(
                    "source",
                    "one_event",
                    f"event_id {event_id!r} names {len(target.shared)} of your events, from "
                    f"sources {', '.join(target.shared)} (ids are per source): give the source",
                )
            ]
        )
    if target.owner is None:
        raise NotFoundError(
            f"event_id: event {event_id!r} is not in the ledger (unknown or erased) [exists]"
        )
    if target.owner != subject:
        raise AccessDeniedError(
            f"event_id: event {event_id!r} is not about {subject!r}; a "
            "subject may dispute only their own events [own_event]"
        )
    if target.open_dispute is not None:
        raise ConflictError(
            f"event_id: event {event_id!r} is already under dispute "
            f"{target.open_dispute} [one_open_dispute]"
        )


def _check_resolvable(d: Dispute) -> None:
    if d.status != "open":
        by = f" by {d.resolved_by}" if d.resolved_by else ""
        when = iso(d.resolved_at_us) if d.resolved_at_us is not None else "?"
        raise ConflictError(
            f"dispute_id: dispute {d.dispute_id} was already resolved as "
            f"{d.status}{by} at {when} [resolve_once]"
        )


def _rescored(
    scorer: Scorer, dispute: Dispute, before: int | None, now_us: int, expired: list[Dispute]
) -> DisputeResult:
    assert dispute.subject is not None
    # the store stamps a change one microsecond after a score stored at its instant
    at = max(now_us, dispute.resolved_at_us or dispute.opened_at_us)
    report = rescore(scorer, at, at, subjects_in=[dispute.subject])
    notice = score_notices(scorer, dispute.subject)[-1] if report.changed else None
    return DisputeResult(dispute, before, report.scores[0], notice, expired)


def _open_effect(state: FreezeState, deadline_us: int) -> dict[str, Any]:
    """What a dispute opened under ``state`` does while open, in plain words."""
    if state.immediate:
        text = (
            "The record stops counting now, while the dispute is open. If it is found "
            "accurate it counts again from that day; if not, or if the dispute is not "
            f"answered by {iso(deadline_us)[:10]}, it never counts again."
        )
    else:
        text = (
            "The record keeps counting while the dispute is open. "
            f"{state.text} It stops counting if the dispute is resolved in your favour, "
            f"and on {iso(deadline_us)[:10]} if the dispute has not been answered by then."
        )
    return {
        "effect": "stop_counting" if state.immediate else "keep_counting",
        "counts": not state.immediate,
        "text": text,
    }


def _audit_effect(state: FreezeState) -> dict[str, Any]:
    """The effect and its cause as the audit row records them (no free text)."""
    out: dict[str, Any] = {"effect": "stop_counting" if state.immediate else "keep_counting"}
    if state.policy_keeps_counting:
        out["cause"] = "policy"
    elif state.lost_until_us is not None:
        out["cause"] = "freeze_lost"
        out["freeze_lost_until"] = iso(state.lost_until_us)
        out["unfounded"] = list(state.unfounded)
    return out


def open_dispute(
    ledger: Store,
    subject: str,
    event_id: str,
    reason: str,
    *,
    now_us: int,
    actor: str,
    scorer: Scorer | None = None,
    source: str | None = None,
    correct: tuple[str, object] | None = None,
) -> DisputeResult:
    """Open a dispute: the record stops counting at ``now_us`` (or keeps counting until
    a verdict or the deadline, as the policy and the subject's freeze say); rescore and
    notify.

    The event is (``source``, ``event_id``): ids are per source. ``source`` may be left
    out when the subject has one event with this id; with several it is asked for.
    ``correct``: (attribute, value) to ask the source to correct that attribute instead
    of removing the record (``rights._corrections``), checked against the policy's
    schema before anything is written."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > MAX_REASON_CHARS:
        raise ValidationError(
            [FieldError("reason", "length", f"give a reason of 1 to {MAX_REASON_CHARS} characters")]
        )
    refuse_id_in_actor(subject, actor)
    expired = expire_overdue(ledger, now_us)
    # refuse before anything is written
    target = ledger.disputes.target(subject, event_id, source)
    _check_open(subject, event_id, target)
    correction = None
    if correct is not None:
        correction = _asked(ledger, subject, event_id, target, correct)
    before = ledger.scores.current(subject)
    scorer = scorer or Scorer(ledger)
    if before is None:  # a baseline just before, so the change notice records the drop
        before = rescore(scorer, now_us - 1, now_us, subjects_in=[subject]).scores[0]
    deadline = now_us + parse_duration(ledger.policy.disputes.deadline)
    state = freeze_state(ledger.policy, ledger.disputes.find(subject=subject), now_us)
    dispute = ledger.disputes.open(
        subject,
        event_id,
        text,
        now_us=now_us,
        deadline_us=deadline,
        actor=actor,
        check=lambda target: _check_open(subject, event_id, target),
        source=source,
        frozen=state.immediate,
        details=_audit_effect(state),
        correction=correction,
    )
    res = _rescored(scorer, dispute, before, now_us, expired)
    res.effect = _open_effect(state, deadline)
    res.freeze = state.as_dict()
    return res


def _asked(
    ledger: Store, subject: str, event_id: str, target: DisputeTarget, correct: tuple[str, object]
) -> tuple[str, Any, Any]:
    """(attribute, value held, value asked for) of a correction, checked on the schema."""
    held = next(
        e for e in ledger.events_of(subject) if e.event_id == event_id and e.source == target.source
    )
    old, new = check_correction(ledger.policy, held.type, held.attributes, *correct)
    return correct[0], old, new


def resolve_dispute(
    ledger: Store,
    dispute_id: int,
    outcome: str,
    *,
    now_us: int,
    actor: str,
    scorer: Scorer | None = None,
    reasons: str | None = None,
) -> DisputeResult:
    """Resolve an open dispute as ``upheld`` or ``removed`` with the ``reasons`` the
    person reads (a plain sentence for the outcome when none are given); rescore, notify."""
    if outcome not in OUTCOMES:
        raise ValidationError(
            [FieldError("outcome", "one_of", f"{outcome!r} is not one of {', '.join(OUTCOMES)}")]
        )
    text = (
        PLAIN_OUTCOME[outcome]
        if reasons is None
        else checked_text("reasons", reasons, chars=MAX_RESOLUTION_CHARS)
    )
    expired = expire_overdue(ledger, now_us)
    found = ledger.disputes.get(dispute_id)
    before = ledger.scores.current(found.subject) if found and found.subject else None
    lost, after = _freeze_lost_by(ledger, found, outcome, now_us)
    d = ledger.disputes.resolve(
        dispute_id,
        outcome,
        now_us=now_us,
        actor=actor,
        check=_check_resolvable,
        resolution=text,
        details=lost,
    )
    res = _rescored(scorer or Scorer(ledger), d, before, now_us, expired)
    res.freeze = None if after is None else after.as_dict()
    return res


def _freeze_lost_by(
    ledger: Store, found: Dispute | None, outcome: str, now_us: int
) -> tuple[dict[str, Any], FreezeState | None]:
    """Whether this verdict costs the subject the immediate freeze: the audit row's
    details (``freeze_lost_until``, the ``unfounded`` dispute ids) and the state after."""
    if found is None or found.subject is None or found.status != "open":
        return {}, None
    mine = ledger.disputes.find(subject=found.subject)
    was = freeze_state(ledger.policy, mine, now_us)
    resolved = replace(found, status=outcome, resolved_at_us=now_us)
    now = freeze_state(
        ledger.policy, [resolved if m.dispute_id == found.dispute_id else m for m in mine], now_us
    )
    if now.lost_until_us is None or now.lost_until_us == was.lost_until_us:
        return {}, now
    return {"freeze_lost_until": iso(now.lost_until_us), "unfounded": list(now.unfounded)}, now


def expire_overdue(ledger: Store, now_us: int) -> list[Dispute]:
    """Resolve every dispute open past its deadline as ``removed`` (the subject's favour).

    The event already does not count, so no score changes; the resolution, the notice to
    the source and the audit row are written with ``now_us``, when it was carried out.
    """
    return ledger.disputes.expire(
        now_us, outcome="removed", actor=DEADLINE_ACTOR, resolution=DEADLINE_RESOLUTION
    )
