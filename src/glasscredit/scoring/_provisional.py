"""Perks that stand only on an open dispute are provisional until it is resolved.

When a disputed record stops counting at once, the score may cross a tier and grant
perks before anyone has checked the record. The score itself stays base + points over
the exclusion periods the kernel counts; what changes is how the perks are labelled:
the same kernel runs a second time with the open, frozen disputes' periods left out
(the records counted as if undisputed), and every perk granted now but not then is
marked ``provisional`` with the disputes it rests on and what happens next, so an
operator's integration can hold it back and the person reads why.
"""

from __future__ import annotations

import polars as pl

from glasscredit.features import subject_pass
from glasscredit.policy import PointsTable, iso
from glasscredit.scoring._corrected import corrected_lines
from glasscredit.scoring._disputes import (
    DisputeEffect,
    dispute_effects,
    freeze_state,
    frozen_disputes,
)
from glasscredit.scoring._explain import Explanation, explain_row
from glasscredit.store import Dispute, Store

__all__ = ["with_disputes"]


def _because(frozen: list[DisputeEffect], disputes: dict[int, Dispute]) -> str:
    records = ", ".join(f"{e.event_id} (dispute {e.dispute_id})" for e in frozen)
    deadline = iso(max(disputes[e.dispute_id].deadline_us for e in frozen))[:10]
    return (
        "Granted only because these records do not count while they are disputed: "
        f"{records}. It becomes firm if the disputes are resolved in your favour, or are "
        f"not answered by {deadline}; it is withdrawn if the records are found accurate."
    )


def with_disputes(
    ledger: Store,
    table: PointsTable,
    exp: Explanation,
    events: pl.DataFrame,
    exclusions: pl.DataFrame,
    external: pl.DataFrame | None,
    *,
    ledger_us: int | None = None,
) -> Explanation:
    """Fill in ``exp``'s dispute lines, the subject's freeze, and provisional perks.

    ``events``, ``exclusions``, ``external``, ``ledger_us``: what ``exp`` was computed
    from.
    """
    policy = ledger.policy
    # every dispute leaves an exclusion row: without one there is nothing to read
    mine = ledger.disputes.find(subject=exp.subject) if exclusions.height else []
    exp.dispute_freeze = freeze_state(policy, mine, exp.as_of_us).as_dict()
    if not mine:
        return exp
    exp.corrections = corrected_lines(ledger, mine, exp.as_of_us)
    effects = dispute_effects(policy, mine, frozen_disputes(mine, exclusions), exp.as_of_us)
    exp.disputes = [e.as_dict() for e in effects]
    frozen = [e for e in effects if e.effect == "stop_counting"]
    if not frozen or not policy.disputes.provisional_perks or not exp.perks:
        return exp
    by_id = {d.dispute_id: d for d in mine}
    undisputed = pl.DataFrame(
        {
            "source": [by_id[e.dispute_id].source for e in frozen],
            "event_id": [e.event_id for e in frozen],
            "from_us": [by_id[e.dispute_id].opened_at_us for e in frozen],
        },
        schema={"source": pl.String, "event_id": pl.String, "from_us": pl.Int64},
    )
    counted = exclusions.join(undisputed, on=["source", "event_id", "from_us"], how="anti")
    one = subject_pass(
        events,
        policy,
        exp.as_of_us,
        exp.subject,
        exclusions=counted,
        external=external,
        ledger_us=ledger_us,
    )
    firm = {
        p["name"]
        for p in explain_row(
            policy,
            table,
            exp.subject,
            exp.as_of_us,
            one.values,
            one.provenance,
            table_hash=exp.model_hash,  # the table's hash, as the first pass was given it
        ).perks
    }
    because = _because(frozen, by_id)
    ids = [e.dispute_id for e in frozen]
    exp.perks = [
        p
        if p["name"] in firm
        else {**p, "provisional": True, "provisional_because": because, "disputes": ids}
        for p in exp.perks
    ]
    return exp
