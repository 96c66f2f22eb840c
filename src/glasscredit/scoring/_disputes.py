"""What open disputes do to a subject's score, in plain words: the freeze and its loss.

The kernel counts only exclusion periods (``from_us``/``until_us``); nothing here
changes a score. This module decides, from the policy and the subject's past verdicts,
whether a new dispute stops its record counting at once (the *immediate freeze*), and
explains each open dispute's effect. A subject loses the freeze for the policy's
``disputes.repeated_unfounded.lose_freeze_for`` from the verdict that made ``count``
disputes found unfounded (the record upheld) within ``within``; it comes back by itself
when that time has passed. A lapse at the deadline and a removal are never unfounded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from glasscredit.policy import Policy, iso, parse_duration
from glasscredit.store import Dispute

__all__ = [
    "UNFOUNDED",
    "DisputeEffect",
    "FreezeState",
    "dispute_effects",
    "freeze_state",
    "frozen_disputes",
    "open_at",
]

#: the outcome that finds a dispute unfounded: the record was checked and upheld
UNFOUNDED = "upheld"


@dataclass(frozen=True, slots=True)
class FreezeState:
    """Whether a dispute opened at ``at_us`` stops its record counting at once, and why.

    ``lost_until_us`` and ``unfounded`` (the dispute ids whose verdicts cost it) are set
    when the freeze is lost; ``policy_keeps_counting``: the policy never freezes.
    """

    at_us: int
    immediate: bool
    policy_keeps_counting: bool
    lost_until_us: int | None
    unfounded: tuple[int, ...]
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "immediate": self.immediate,
            "lost_until": None if self.lost_until_us is None else iso(self.lost_until_us),
            "unfounded_disputes": list(self.unfounded),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class DisputeEffect:
    """One dispute open at a time: whether its record counts meanwhile, in plain words."""

    dispute_id: int
    event_id: str
    counts: bool
    effect: str  # stop_counting | keep_counting
    deadline_us: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "dispute_id": self.dispute_id,
            "event_id": self.event_id,
            "effect": self.effect,
            "counts": self.counts,
            "deadline": iso(self.deadline_us),
            "text": self.text,
        }


def open_at(d: Dispute, at_us: int) -> bool:
    """Whether dispute ``d`` was open at ``at_us`` (opened by then, not yet resolved)."""
    return d.opened_at_us <= at_us and (d.resolved_at_us is None or d.resolved_at_us > at_us)


def _day(us: int) -> str:
    return iso(us)[:10]


def freeze_state(policy: Policy, disputes: Sequence[Dispute], at_us: int) -> FreezeState:
    """The immediate freeze of a subject with these ``disputes`` at ``at_us``."""
    spec = policy.disputes
    if spec.open_effect == "keep_counting":
        text = (
            "Under this policy a record you dispute keeps counting while the dispute is "
            "open; it stops counting when a verdict removes it, or at the dispute's "
            "deadline if the dispute has not been answered by then."
        )
        return FreezeState(at_us, False, True, None, (), text)
    rule = spec.repeated_unfounded
    base = "A record you dispute stops counting at once while the dispute is open."
    if rule is None:
        return FreezeState(at_us, True, False, None, (), base)
    within, lose = parse_duration(rule.within), parse_duration(rule.lose_freeze_for)
    verdicts = sorted(
        (d.resolved_at_us, d.dispute_id)
        for d in disputes
        if d.status == UNFOUNDED and d.resolved_at_us is not None and d.resolved_at_us <= at_us
    )
    lost: tuple[int, tuple[int, ...]] | None = None
    for i, (v, _) in enumerate(verdicts):
        window = [(t, k) for t, k in verdicts[: i + 1] if t > v - within]
        if len(window) >= rule.count and v + lose > at_us:
            lost = (v + lose, tuple(k for _, k in window))
    if lost is None:
        text = (
            f"{base} If {rule.count} of your disputes are found unfounded within "
            f"{rule.within}, new disputes stop doing so for {rule.lose_freeze_for}."
        )
        return FreezeState(at_us, True, False, None, (), text)
    until, ids = lost
    text = (
        f"{len(ids)} of your disputes ({', '.join(map(str, ids))}) were found unfounded "
        f"within {rule.within}, so until {_day(until)} a record you dispute keeps counting "
        "while the dispute is open. It still stops counting if the dispute is resolved in "
        "your favour, or if the dispute has not been answered by its deadline."
    )
    return FreezeState(at_us, False, False, until, ids, text)


def frozen_disputes(disputes: Sequence[Dispute], periods: pl.DataFrame) -> set[int]:
    """The disputes that froze their record when opened: those with a period from the
    opening on (``periods``: the subject's ``source``, ``event_id``, ``from_us`` rows, as the kernel
    reads them; a dispute that kept counting has its period from its deadline)."""
    cols = [periods[c].to_list() for c in ("source", "event_id", "from_us")]
    starts = set(zip(*cols, strict=True))
    return {d.dispute_id for d in disputes if (d.source, d.event_id, d.opened_at_us) in starts}


def dispute_effects(
    policy: Policy, disputes: Sequence[Dispute], frozen: Collection[int], at_us: int
) -> list[DisputeEffect]:
    """The effect of each dispute open at ``at_us``; ``frozen``: the ids of those that
    froze their record (:func:`frozen_disputes`)."""
    out: list[DisputeEffect] = []
    for d in disputes:
        if not open_at(d, at_us) or d.event_id is None:
            continue
        deadline = _day(d.deadline_us)
        if d.dispute_id in frozen:
            text = (
                f"Record {d.event_id} is under dispute {d.dispute_id}: it does not count "
                "while the dispute is open. If it is found accurate it counts again from "
                "that day; if not, or if the dispute is not answered by "
                f"{deadline}, it never counts again."
            )
            out.append(
                DisputeEffect(d.dispute_id, d.event_id, False, "stop_counting", d.deadline_us, text)
            )
            continue
        if at_us >= d.deadline_us:  # unanswered by its deadline: it stopped counting then
            text = (
                f"Record {d.event_id} is under dispute {d.dispute_id}, which was not "
                f"answered by its deadline ({deadline}): it no longer counts, and it will "
                "not count again."
            )
            out.append(
                DisputeEffect(d.dispute_id, d.event_id, False, "keep_counting", d.deadline_us, text)
            )
            continue
        why = (
            "this policy keeps disputed records counting until a verdict"
            if policy.disputes.open_effect == "keep_counting"
            else "you had lost the immediate freeze after repeated unfounded disputes"
        )
        text = (
            f"Record {d.event_id} is under dispute {d.dispute_id}: it still counts while "
            f"the dispute is open ({why}). It stops counting if the dispute is resolved in "
            f"your favour, and on {deadline} if the dispute has not been answered by then."
        )
        out.append(
            DisputeEffect(d.dispute_id, d.event_id, True, "keep_counting", d.deadline_us, text)
        )
    return out
