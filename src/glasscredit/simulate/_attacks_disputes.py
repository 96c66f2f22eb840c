"""Red-team attacks through the scored person's own rights: disputes.

The farmers are honest subjects with genuine negative records who dispute every one of
them. The sources answer as an honest source would (the records are accurate:
``upheld``) within 20 days, well inside the 30-day deadline. The gain is measured once
the verdicts are in, against each farmer's baseline score; the gain while the disputes
are open (what perks would see) is reported beside it, and the naive scorer's figure is
that free gain under the first round's freeze. Variants: one round, a round every month
for a year, an unanswered round (the law deletes unverified records: no target), and
baiting honest reporters (an accomplice disputes their true reports so that their
reports against someone else stop counting).
"""

from __future__ import annotations

import polars as pl

from glasscredit.policy import DAY_US
from glasscredit.simulate._attacks_reports import _report
from glasscredit.simulate._plan import Attack, AttackContext, Plan, mutual, open_accounts
from glasscredit.simulate._world import World

__all__ = ["DISPUTE_ATTACKS"]


def _negatives(w: World, subjects: list[str] | None = None) -> pl.DataFrame:
    neg = [t for t, s in w.policy.event_types.items() if s.polarity == "negative"]
    frame = w.ledger.event_frame(types=neg, recorded_by_us=w.clock(), subjects_in=subjects)
    return frame.filter(pl.col("occurred_at_us") > w.clock() - 24 * 30 * DAY_US)


def _farmers(w: World, ctx: AttackContext, k: int = 30) -> list[str]:
    """Honest subjects with the most negative records of the last 24 months."""
    per = (
        _negatives(w)
        .filter(pl.col("type") != w.policy.trust_events.report)
        .group_by("subject")
        .len()
        .sort(["len", "subject"], descending=[True, False])
    )
    return per["subject"].head(ctx.n(k)).to_list()


def _round(w: World, ctx: AttackContext, farmers: list[str], month: int) -> float:
    """Dispute every negative record of ``farmers``; the sources uphold them on day 20.
    Returns the median gain while open (glasscredit, scored on day 3)."""
    ctx.at(w, month, 1)
    neg = _negatives(w, farmers).filter(pl.col("type") != w.policy.trust_events.report)
    before = w.scores_of(farmers)
    opened = [
        (w.dispute(s, e, str(src)), src)
        for s, e, src in zip(neg["subject"], neg["event_id"], neg["source"], strict=True)
    ]
    ctx.at(w, month, 3)
    during = w.scores_of(farmers)
    ctx.at(w, month, 20)
    for did, src in opened:
        w.resolve(did, "upheld", actor=str(src))
    gains = sorted(during[s] - before[s] for s in farmers)
    return float(gains[len(gains) // 2]) if gains else 0.0


def dispute_farming(w: World, ctx: AttackContext) -> Plan:
    farmers = _farmers(w, ctx)
    naive_open = w.naive_gain_if_disputed(farmers)
    open_gain = _round(w, ctx, farmers, 0)
    ctx.live(w, 0)
    return Plan(
        farmers,
        None,
        "30 subjects dispute every negative record",
        detail={"gain_while_open": open_gain, "naive_override": naive_open},
    )


def dispute_every_month(w: World, ctx: AttackContext) -> Plan:
    farmers = _farmers(w, ctx, 10)
    naive_open = w.naive_gain_if_disputed(farmers)
    first = last = 0.0
    for m in range(12):
        g = _round(w, ctx, farmers, m)
        first = g if m == 0 else first
        last = g
        ctx.live(w, m)
    return Plan(
        farmers,
        None,
        "10 subjects dispute every negative record every month for a year",
        detail={
            "gain_while_open_first": first,
            "gain_while_open_last": last,
            "naive_override": naive_open,
        },
    )


def dispute_unanswered(w: World, ctx: AttackContext) -> Plan:
    """The sources never answer: at the deadline the records are deleted (FCRA
    611(a)(5)(A)). No target: this is the law working, shown for what it costs."""
    farmers = _farmers(w, ctx)
    ctx.at(w, 0, 1)
    neg = _negatives(w, farmers).filter(pl.col("type") != w.policy.trust_events.report)
    for s, e, src in zip(neg["subject"], neg["event_id"], neg["source"], strict=True):
        w.dispute(s, e, src)
    for m in range(12):
        ctx.live(w, m)
    return Plan(farmers, None, "30 subjects dispute; no source answers")


def dispute_bait(w: World, ctx: AttackContext) -> Plan:
    """Five honest reporters truly report an accomplice and, truly, a bad actor; the
    accomplice disputes the reports against him, so that (if an open dispute counted
    against a reporter) the bad actor's corroborated report would stop counting. The
    verdicts uphold the true reports. Target: the bad actor gains nothing."""
    t = ctx.at(w, 0, 1)
    pick = ctx.rng.choice(len(w.honest), size=8, replace=False)
    reporters = [w.honest[int(i)] for i in pick[:5]]
    accomplice, bad = "bt-accomplice", "bt-bad"
    rows = open_accounts([accomplice, bad], "bank", t)
    rows += mutual(accomplice, w.honest[int(pick[5])], "community", t, "bt")
    rows += mutual(bad, w.honest[int(pick[6])], "community", t, "bt")
    for k, r in enumerate(reporters):
        rows.append(_report("bt", 2 * k, accomplice, r, "community", t + DAY_US + k))
        rows.append(_report("bt", 2 * k + 1, bad, r, "community", t + DAY_US + k))
    w.ingest(rows)
    ctx.at(w, 0, 5)
    control = w.scores_of([bad])[bad]
    opened = [w.dispute(accomplice, f"bt-r{2 * k}", "community") for k in range(5)]
    ctx.at(w, 0, 6)
    during = w.scores_of([bad], recompute=True)[bad]
    ctx.at(w, 0, 20)
    for did in opened:
        w.resolve(did, "upheld", actor="community")
    ctx.live(w, 0)
    return Plan(
        [bad],
        None,
        "1 accomplice disputes 5 true reports",
        detail={"bad_actor_gain_while_open": during - control, "baseline_override": control},
    )


DISPUTE_ATTACKS = [
    Attack("dispute_farming", "disputes", 1, "zero", dispute_farming, "dispute every record"),
    Attack(
        "dispute_every_month",
        "disputes",
        12,
        "zero",
        dispute_every_month,
        "dispute every record every month",
    ),
    Attack("dispute_unanswered", "disputes", 12, "none", dispute_unanswered, "no source answers"),
    Attack("dispute_bait", "disputes", 1, "zero", dispute_bait, "accomplice baits reporters"),
]
