"""Steps inside a dispute: the person brings new information; the source answers.

FCRA 611(a)(1)(B): when the consumer gives the bureau relevant information during the
30 days, the period may be extended once, by up to 15 days; glasscredit applies the
policy's ``disputes.extension`` to the deadline, once, while the dispute is open and
its deadline not passed. FCRA 623(b): the furnisher investigates and reports what it
found; the dispute's source records it, and the person reads it in their export.
"""

from __future__ import annotations

from glasscredit.exceptions import AccessDeniedError, ConflictError
from glasscredit.policy import iso, parse_duration
from glasscredit.rights._disputes import expire_overdue
from glasscredit.rights._text import checked_text, refuse_id_in_actor
from glasscredit.store import Dispute, Store

__all__ = ["add_information", "respond_to_dispute"]

MAX_INFORMATION_CHARS = 2000


def add_information(
    ledger: Store, dispute_id: int, information: str, *, now_us: int, actor: str
) -> Dispute:
    """The person's new information: the deadline moves by the policy's extension, once."""
    text = checked_text("information", information, chars=MAX_INFORMATION_CHARS)
    expire_overdue(ledger, now_us)  # a deadline already passed is not extended

    def check(d: Dispute) -> None:
        if d.subject is not None:
            refuse_id_in_actor(d.subject, actor)
        if d.status != "open":
            raise ConflictError(
                f"dispute_id: dispute {d.dispute_id} is already resolved ({d.status}) [open]"
            )
        if d.extended_at_us is not None:
            raise ConflictError(
                f"dispute_id: dispute {d.dispute_id} was already extended at "
                f"{iso(d.extended_at_us)}; the law allows one extension [extend_once]"
            )

    ext = parse_duration(ledger.policy.disputes.extension)
    return ledger.disputes.extend(
        dispute_id, text, extension_us=ext, now_us=now_us, actor=actor, check=check
    )


def respond_to_dispute(
    ledger: Store, dispute_id: int, source: str, response: str, *, now_us: int, actor: str
) -> Dispute:
    """What ``source`` found when it investigated its record; only the dispute's source."""
    text = checked_text("response", response, chars=MAX_INFORMATION_CHARS)

    def check(d: Dispute) -> None:
        if d.source != source:
            raise AccessDeniedError(
                f"source: dispute {d.dispute_id} is about a record of {d.source!r}, "
                f"not {source!r} [own_source]"
            )

    return ledger.disputes.respond(dispute_id, text, now_us=now_us, actor=actor, check=check)
