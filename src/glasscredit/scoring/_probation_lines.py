"""Why a record of a source on probation does not count yet, in plain words.

A probation (``store.ProbationStore``) holds a source's positive records about the
people it alone reports until the ledger has known each for the seasoning period; the
kernel simply does not count a held record. This module says so to the person: which
record, which source, since when it is on probation and on what evidence, and the date
from which the record counts.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from glasscredit.policy import format_duration, iso
from glasscredit.store import PROBATION_REASON, Probation, Store

__all__ = ["probation_lines"]

#: the flag kinds in the person's words
_KINDS = {
    "rate": "a sudden rise in what it reports",
    "per_subject": "far more records per person than other partners report",
    "sole_cohort": "many new people whose good record comes from it alone",
    "young": "many people it reported as soon as they appeared",
    "newcomers": "many of the people it began reporting lately known to it alone",
}


_UNITS = {"y": "year", "mo": "month", "w": "week", "d": "day", "h": "hour"}


def _words(us: int) -> str:
    """A duration in words: ``1y`` -> ``1 year``, ``18mo`` -> ``18 months``."""
    text = format_duration(us)
    for unit, word in _UNITS.items():
        if text.endswith(unit) and text[: -len(unit)].isdigit():
            n = int(text[: -len(unit)])
            return f"{n} {word}{'' if n == 1 else 's'}"
    return text


def _evidence(p: Probation) -> str:
    kinds = [f.split(":")[2] for f in p.flags if f.count(":") >= 2]
    words = [_KINDS.get(k, k) for k in dict.fromkeys(kinds)]
    return "; ".join(words) if words else "the operator's review"


def probation_lines(
    ledger: Store, subject: str, events: pl.DataFrame, as_of_us: int
) -> list[dict[str, Any]]:
    """The subject's records held by a probation at ``as_of_us``, each with why and from
    when it counts (``events``: the subject's events, as the kernel read them)."""
    held = [
        r
        for r in ledger.exclusions.of_subject(subject)
        if r["reason"] == PROBATION_REASON
        and r["from_us"] <= as_of_us
        and r["until_us"] is not None  # a probation's hold always ends
        and r["until_us"] > as_of_us
    ]
    if not held:
        return []
    by_ref = {p.ref: p for p in ledger.probations.all()}
    known = {
        (s, e): (t, o)
        for s, e, t, o in events.select("source", "event_id", "type", "occurred_at_us").iter_rows()
    }
    out = []
    for r in held:
        p = by_ref.get(r["ref"])
        if p is None:
            continue
        type_, occurred = known.get((r["source"], r["event_id"]), ("record", None))
        counts_from = iso(int(r["until_us"]))[:10]
        out.append(
            {
                "event_id": r["event_id"],
                "type": type_,
                "source": r["source"],
                "occurred_at": "" if occurred is None else iso(int(occurred)),
                "counts_from": counts_from,
                "why": (
                    f"{r['source']} has been on probation since {iso(p.from_us)[:10]} "
                    f"({_evidence(p)}): what it alone reports about a person counts once "
                    f"the ledger has known it for {_words(p.seasoning_us)}; this "
                    f"record counts from {counts_from}"
                    + ", or as soon as a second independent partner reports about you"
                ),
            }
        )
    return out
