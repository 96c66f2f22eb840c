"""Erasure: remove a subject's personal data from scoring and every read path.

The store does it in one transaction under the chain lock
(:meth:`glasscredit.store.ErasureStore.erase`, whose docstring lists what goes): the
subject's events and the events that name them become tombstones, every per-subject
row goes, disputes are kept anonymised, the salt of their audit pseudonym is destroyed,
and an ``erasures`` row refuses their events if a source resends them.

Other subjects who lose an event this way (an endorsement or report the erased person
gave) are rescored at once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glasscredit.policy import iso
from glasscredit.scoring import Scorer, rescore
from glasscredit.store import Store

__all__ = ["ErasureReport", "erase_subject"]


@dataclass(slots=True)
class ErasureReport:
    subject_hash: str
    erased_at_us: int
    events: int
    naming_events: int
    rows: dict[str, int] = field(default_factory=dict)
    rescored: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_hash": self.subject_hash,
            "erased_at": iso(self.erased_at_us),
            "events": self.events,
            "naming_events": self.naming_events,
            "rows_deleted": self.rows,
            "rescored": self.rescored,
        }


def erase_subject(
    ledger: Store, subject: str, *, now_us: int, actor: str, scorer: Scorer | None = None
) -> ErasureReport:
    """Erase ``subject`` (see the module docstring); unknown or erased subjects are refused."""
    named = {
        t: [a for a, spec in et.attributes.items() if spec.type == "subject"]
        for t, et in ledger.policy.event_types.items()
    }
    done = ledger.erasures.erase(subject, now_us=now_us, actor=actor, named=named)
    report = ErasureReport(
        done.subject_hash, done.erased_at_us, done.events, done.naming_events, done.rows
    )
    if done.others:  # their scores lose the erased person's endorsements or reports
        rescore(scorer or Scorer(ledger), now_us, now_us, subjects_in=done.others)
        report.rescored = done.others
    return report
