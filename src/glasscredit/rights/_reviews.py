"""Human review of an automated decision (GDPR Art. 22(3)).

A subject asks that a person review their tier, the refusal of a perk, or a partner's
decision based on the score, and says why (their point of view). The request joins the
operator's queue with a deadline (the policy's ``disputes.review_deadline``, a month by
default); the reviewer answers ``confirmed`` or ``changed`` with reasons in plain
words, which the subject reads. A human must decide: nothing resolves a review by
itself, but the queue shows which requests are overdue and the audit row of a late
decision says so. Every step appends an audit row (see :mod:`glasscredit.store`).
"""

from __future__ import annotations

from glasscredit.exceptions import ConflictError, FieldError, ValidationError
from glasscredit.policy import iso, parse_duration
from glasscredit.rights._text import checked_text, refuse_id_in_actor
from glasscredit.store import Review, Store

__all__ = [
    "REVIEW_KINDS",
    "REVIEW_OUTCOMES",
    "decide_review",
    "list_reviews",
    "request_review",
]

REVIEW_KINDS = ("tier", "perk", "partner")
REVIEW_OUTCOMES = ("confirmed", "changed")
MAX_VIEW_CHARS = 2000
MAX_REASONS_CHARS = 2000


def _choices(ledger: Store, kind: str) -> list[str]:
    p = ledger.policy
    if kind == "tier":
        return [t.name for t in p.tiers]
    if kind == "perk":
        return [k.name for k in p.perks]
    return sorted(p.sources)


def request_review(
    ledger: Store,
    subject: str,
    kind: str,
    about: str,
    point_of_view: str,
    *,
    now_us: int,
    actor: str,
) -> Review:
    """Queue a request that a person review ``kind`` ``about`` (a tier, perk or partner)."""
    if kind not in REVIEW_KINDS:
        raise ValidationError(
            [FieldError("kind", "one_of", f"{kind!r} is not one of {', '.join(REVIEW_KINDS)}")]
        )
    choices = _choices(ledger, kind)
    if about not in choices:
        raise ValidationError(
            [FieldError("about", "one_of", f"{about!r} is not a {kind} of the policy")]
        )
    view = checked_text("point_of_view", point_of_view, chars=MAX_VIEW_CHARS)
    refuse_id_in_actor(subject, actor)
    deadline = now_us + parse_duration(ledger.policy.disputes.review_deadline)
    return ledger.reviews.request(
        subject,
        kind,
        about,
        view,
        score=ledger.scores.current(subject),
        now_us=now_us,
        deadline_us=deadline,
        actor=actor,
    )


def _check_open(r: Review) -> None:
    if r.status != "open":
        when = iso(r.decided_at_us) if r.decided_at_us is not None else "?"
        raise ConflictError(
            f"review_id: review {r.review_id} was already decided ({r.status}) "
            f"by {r.decided_by} at {when} [decide_once]"
        )


def decide_review(
    ledger: Store,
    review_id: int,
    outcome: str,
    reasons: str,
    *,
    now_us: int,
    actor: str,
) -> Review:
    """A person's decision on a review: ``confirmed`` or ``changed``, with reasons."""
    if outcome not in REVIEW_OUTCOMES:
        raise ValidationError(
            [
                FieldError(
                    "outcome", "one_of", f"{outcome!r} is not one of {', '.join(REVIEW_OUTCOMES)}"
                )
            ]
        )
    text = checked_text("reasons", reasons, chars=MAX_REASONS_CHARS)
    found = ledger.reviews.get(review_id)
    if found is not None:
        refuse_id_in_actor(found.subject, actor)
    return ledger.reviews.decide(
        review_id, outcome, text, now_us=now_us, actor=actor, check=_check_open
    )


def list_reviews(
    ledger: Store, *, subject: str | None = None, status: str | None = None
) -> list[Review]:
    """Reviews, soonest deadline first (the operator's queue with ``status='open'``)."""
    return ledger.reviews.find(subject=subject, status=status)
