"""Adverse-action notices (FCRA 615(a), Reg B 1002.9).

A partner (a source of the policy) records that it declined someone, or priced them
worse, on the basis of their score. The person then receives a notice: who acted and
when, the score it rested on and the range of scores, the key factors that lowered it
(at most four, the explanation's reasons as of that score, in the order of points lost),
and their rights with how to use each: a free copy of their file, a dispute, a person's
review, a statement of their own. The notice is stored as given.
"""

from __future__ import annotations

from typing import Any

from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.rights._text import refuse_id_in_actor
from glasscredit.scoring import Scorer, score_history
from glasscredit.store import AdverseAction, Store

__all__ = [
    "ADVERSE_ACTIONS",
    "MAX_KEY_FACTORS",
    "adverse_notices",
    "notice_rights",
    "record_adverse_action",
]

ADVERSE_ACTIONS = ("declined", "priced")
MAX_KEY_FACTORS = 4  # FCRA 609(f)(1)(C): more than four is "not likely to be helpful"


def record_adverse_action(
    ledger: Store,
    subject: str,
    source: str,
    action: str,
    *,
    now_us: int,
    actor: str,
    scorer: Scorer | None = None,
) -> AdverseAction:
    """Record ``source``'s ``action`` on ``subject``'s latest stored score; the notice."""
    if action not in ADVERSE_ACTIONS:
        raise ValidationError(
            [
                FieldError(
                    "action", "one_of", f"{action!r} is not one of {', '.join(ADVERSE_ACTIONS)}"
                )
            ]
        )
    if source not in ledger.policy.sources:
        raise ValidationError(
            [FieldError("source", "one_of", f"{source!r} is not a source of the policy")]
        )
    refuse_id_in_actor(subject, actor)
    scorer = scorer or Scorer(ledger)
    stored = score_history(scorer, subject)
    if not stored:
        raise NotFoundError(
            f"subject: {subject!r} has no stored score, so no action rested on it [scored]"
        )
    last = stored[-1]
    exp = scorer.explain(subject, last.as_of_us)
    factors: list[dict[str, Any]] = [
        {
            "code": r.code,
            "text": r.text,
            "points_below_max": r.points_below_max,
            "advice": r.advice,  # what would raise it, in plain words
        }
        for r in exp.reasons[:MAX_KEY_FACTORS]
    ]
    notice = AdverseAction(
        0,
        subject,
        source,
        action,
        now_us,
        actor,
        last.score_id,
        last.score,
        ledger.policy.score_range,
        last.as_of_us,
        factors,
    )
    return ledger.adverse.record(notice)


def adverse_notices(ledger: Store, subject: str) -> list[AdverseAction]:
    """The notices ``subject`` received, oldest first."""
    return ledger.adverse.of_subject(subject)


def notice_rights(ledger: Store, subject: str, source: str) -> list[str]:
    """What the person may do after an adverse action, and how, in plain words."""
    days = ledger.policy.disputes.deadline
    return [
        "You may get a free copy of everything glasscredit holds about you, at any time: "
        f"`glasscredit export {subject}` or GET /v1/subjects/{subject}/export.",
        "You may dispute any record you think is wrong or incomplete. It stops counting at "
        f"once, and is settled within {days} (or resolved in your favour): "
        f"`glasscredit dispute open {subject} EVENT --reason ...` or "
        f"POST /v1/subjects/{subject}/disputes.",
        f"You may ask that a person review {source}'s decision and give your point of view: "
        f"`glasscredit review request {subject} partner {source} --why ...` or "
        f"POST /v1/subjects/{subject}/reviews.",
        "You may add a statement of your own (up to 100 words), sent with your score to "
        f"everyone who reads it: `glasscredit statement set {subject} ...` or "
        f"PUT /v1/subjects/{subject}/statement.",
    ]
