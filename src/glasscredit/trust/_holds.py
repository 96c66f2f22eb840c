"""Holding flagged bursts out of scoring until an operator reviews them.

A burst's events are held through the store (:class:`glasscredit.store.HoldStore`): the
kernel stops counting them from the hold on; releasing a burst after review closes the
holds, so the events count again from then on and past scores still reproduce. Both
write an audit row. Time is an argument: the CLI passes ``ledger.clock()``.
"""

from __future__ import annotations

import polars as pl

from glasscredit.exceptions import NotFoundError
from glasscredit.store import HOLD_REASON, Store
from glasscredit.trust._bursts import Burst, detect_bursts
from glasscredit.trust._settings import burst_settings

__all__ = ["HOLD_REASON", "hold_bursts", "release_burst", "scan_bursts"]


def scan_bursts(ledger: Store, since_us: int, until_us: int) -> list[Burst]:
    """Bursts among positive events the ledger knew in ``[since_us, until_us]`` (its
    clock, ``known_at_us``: a source cannot hide a burst by dating it in the past)."""
    policy = ledger.policy
    positive = [t for t, s in policy.event_types.items() if s.polarity == "positive"]
    frame = (
        ledger.event_frame(types=positive, recorded_by_us=until_us)
        .filter(pl.col("known_at_us").is_between(since_us, until_us))
        .sort("seq")
    )
    frame = frame.select("event_id", "subject", "source", "type", "known_at_us")
    return detect_bursts(frame, policy, burst_settings(policy))


def hold_bursts(ledger: Store, bursts: list[Burst], at_us: int, *, actor: str = "operator") -> int:
    """Hold every event of ``bursts`` from ``at_us`` on; returns the holds added.

    Events already held by the same burst are not held twice (idempotent); each burst
    that adds holds writes an audit row.
    """
    return sum(
        ledger.holds.hold(
            b.ref,
            [(b.source, e) for e in b.event_ids],
            at_us,
            actor=actor,
            details={"source": b.source, "bucket_start_us": b.bucket_start_us},
        )
        for b in bursts
    )


def release_burst(ledger: Store, ref: str, at_us: int, *, actor: str = "operator") -> int:
    """Close the open holds of burst ``ref`` at ``at_us``: its events count again."""
    try:
        return ledger.holds.release(ref, at_us, actor=actor)
    except NotFoundError:
        raise NotFoundError(f"no open burst hold with ref {ref!r}") from None
