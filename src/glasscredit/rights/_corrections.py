"""Correction, not only deletion (GDPR Art. 16): a dispute that asks to correct one
attribute of a record, and the source's answer.

The person names one attribute of their event and the value it should have (the days
late, the amount, the level). The value is checked against the policy's closed schema
for that event type (a correction can never set an unknown attribute or a value the
schema refuses), and the dispute opens as any dispute does (the policy decides whether
the record counts meanwhile). The event's source answers, for its own events only:

- *confirms*: the dispute is resolved ``corrected`` and a new version of the event,
  with the corrected value, supersedes the original from the confirmation on
  (``store._corrections``); the original stays in the ledger, so every past score
  reproduces, and every score after counts the corrected value;
- *refuses*, saying why: the person reads the answer; the dispute stays open for the
  operator's verdict or its deadline, as any dispute.
"""

from __future__ import annotations

from typing import Any

from glasscredit.exceptions import AccessDeniedError, ConflictError
from glasscredit.rights._correction_rules import CORRECTABLE_TYPES, check_correction
from glasscredit.rights._disputes import DisputeResult, _rescored, expire_overdue
from glasscredit.rights._text import checked_text
from glasscredit.scoring import Scorer, correction_text
from glasscredit.store import Correction, Dispute, Store

__all__ = [
    "CORRECTABLE_TYPES",
    "check_correction",
    "confirm_correction",
    "correction_text",
    "refuse_correction",
]

MAX_ANSWER_CHARS = 2000
CONFIRMED_TEXT = (
    "The source confirmed the correction: the record counts with the corrected value from now on."
)


def _checker(source: str) -> Any:
    def check(d: Dispute, c: Correction) -> None:
        if d.source != source:
            raise AccessDeniedError(
                f"source: dispute {d.dispute_id} is about a record of {d.source!r}, "
                f"not {source!r} [own_source]"
            )
        if d.status != "open":
            raise ConflictError(
                f"dispute_id: dispute {d.dispute_id} is already resolved ({d.status}) [open]"
            )
        if c.status != "requested":
            raise ConflictError(
                f"dispute_id: the correction of dispute {d.dispute_id} was already "
                f"{c.status} [answer_once]"
            )

    return check


def confirm_correction(
    ledger: Store,
    dispute_id: int,
    source: str,
    *,
    now_us: int,
    actor: str,
    reasons: str | None = None,
    scorer: Scorer | None = None,
) -> tuple[DisputeResult, Correction]:
    """The source confirms: the corrected version counts from now on; rescore, notify."""
    text = (
        CONFIRMED_TEXT
        if reasons is None
        else checked_text("reasons", reasons, chars=MAX_ANSWER_CHARS)
    )
    expired = expire_overdue(ledger, now_us)
    found = ledger.disputes.get(dispute_id)
    before = ledger.scores.current(found.subject) if found and found.subject else None
    d, c = ledger.corrections.confirm(
        dispute_id, now_us=now_us, actor=actor, check=_checker(source), resolution=text
    )
    return _rescored(scorer or Scorer(ledger), d, before, now_us, expired), c


def refuse_correction(
    ledger: Store, dispute_id: int, source: str, response: str, *, now_us: int, actor: str
) -> tuple[Dispute, Correction]:
    """The source refuses, with its reasons (the person reads them); the dispute stays
    open for the operator or its deadline."""
    text = checked_text("response", response, chars=MAX_ANSWER_CHARS)
    expire_overdue(ledger, now_us)
    return ledger.corrections.refuse(
        dispute_id, text, now_us=now_us, actor=actor, check=_checker(source)
    )
