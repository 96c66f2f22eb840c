"""Corrections in plain words: what the person reads about a correction they asked for,
and the explanation's lines for those confirmed by the scoring time (the corrected
version of a record counts from the confirmation on; ``store._corrections``)."""

from __future__ import annotations

from typing import Any

from glasscredit.policy import Policy, iso
from glasscredit.store import CORRECTED, Correction, Dispute, Store

__all__ = ["corrected_lines", "correction_text"]


def _words(name: str) -> str:
    return name.replace("_", " ")


def correction_text(policy: Policy, d: Dispute, c: Correction) -> str:
    """What the person reads about a correction, in plain words."""
    spec = policy.event_types.get(d.event_type)
    what = (spec.label if spec is not None and spec.label else _words(d.event_type)) or "record"
    ask = (
        f"You asked that the {what} reported by {c.source} say {_words(c.attribute)} "
        f"{c.new_value} instead of {c.old_value}."
    )
    if c.status == "confirmed" and c.answered_at_us is not None:
        return (
            f"Your {what} reported by {c.source} was corrected on "
            f"{iso(c.answered_at_us)[:10]} at your request: {_words(c.attribute)} is now "
            f"{c.new_value} (it was {c.old_value}). Scores from that day on use the "
            "corrected value; scores made before it are kept as they were."
        )
    if c.status == "refused" and c.answered_at_us is not None:
        return (
            f"{ask} {c.source} refused on {iso(c.answered_at_us)[:10]} (its reasons are "
            "with the dispute); the dispute stays open until the operator decides or its "
            f"deadline, {iso(d.deadline_us)[:10]}, passes."
        )
    return f"{ask} {c.source} has until {iso(d.deadline_us)[:10]} to answer."


def corrected_lines(ledger: Store, disputes: list[Dispute], as_of_us: int) -> list[dict[str, Any]]:
    """The corrections confirmed by ``as_of_us`` among ``disputes``: which record, its
    new version, and in plain words ("corrected on ... at your request")."""
    out: list[dict[str, Any]] = []
    for d in disputes:
        if d.status != CORRECTED or d.resolved_at_us is None or d.resolved_at_us > as_of_us:
            continue
        c = ledger.corrections.get(d.dispute_id)
        if c is None or c.new_event_id is None:
            continue
        out.append(
            {
                "dispute_id": d.dispute_id,
                "event_id": c.event_id,
                "new_event_id": c.new_event_id,
                "source": c.source,
                "attribute": c.attribute,
                "corrected_at": iso(d.resolved_at_us),
                "text": correction_text(ledger.policy, d, c),
            }
        )
    return out
