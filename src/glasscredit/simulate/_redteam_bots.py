"""Red-team scenario (d): a bot farm inflating its own scores through a careless source.

``n_bots`` fresh accounts each receive ``pump`` tiny on-time payments in one day from a
single source that onboarded them. The honest population gets a year of monthly
payments from the bank. Both are scored by the real feature kernel and the policy's
points table: glasscredit with its per-day and total caps and the burst detector's
holds, the naive scorer with every cap removed and no holds. The bots' gain is their
score with the pump minus their score without it; the honest drift is the median
change of honest scores when the farm is present.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from glasscredit.features import EXCLUSION_SCHEMA, compute_features
from glasscredit.policy import Policy, policy_from_dict
from glasscredit.simulate._attack import DAY_US, AttackResult
from glasscredit.store import EVENT_FRAME_SCHEMA
from glasscredit.trust import burst_settings, detect_bursts

__all__ = ["bot_farm", "uncapped"]


def uncapped(policy: Policy) -> Policy:
    """The naive scorer's policy: the same table with no caps of any kind."""
    data = policy.model_dump(mode="json", by_alias=True)
    for f in data["features"]:
        f["cap"] = None
        f["max_per_period"] = None
        f["min_sources"] = None  # a single source's history counts fully
    return policy_from_dict(data)


def _events(
    subjects: list[str], source: str, type_: str, times: list[int], attributes: str, prefix: str
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "seq": np.zeros(len(subjects), dtype=np.int64),
            "subject": subjects,
            "event_id": [f"{prefix}{i}" for i in range(len(subjects))],
            "source": [source] * len(subjects),
            "type": [type_] * len(subjects),
            "occurred_at_us": times,
            "recorded_at_us": times,
            "known_at_us": times,
            "attributes": [attributes] * len(subjects),
        },
        schema=EVENT_FRAME_SCHEMA,
    )


def _population(
    n_honest: int, n_bots: int, pump: int, as_of: int, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(base events of everyone, the bots' pump events)."""
    rng = np.random.default_rng(seed)
    honest = [f"h{i:06d}" for i in range(n_honest)]
    bots = [f"b{i:06d}" for i in range(n_bots)]
    opened = (as_of - rng.integers(400, 3000, n_honest) * DAY_US).tolist()
    parts = [
        _events(honest, "bank", "account.opened", opened, '{"kind":"current"}', "ho"),
        _events(
            bots,
            "careless",
            "account.opened",
            [as_of - 20 * DAY_US] * n_bots,
            '{"kind":"current"}',
            "bo",
        ),
    ]
    months = np.arange(12)
    who = np.repeat(honest, 12).tolist()
    jitter = rng.integers(0, 28 * DAY_US, n_honest * 12)
    times = (as_of - (np.tile(months, n_honest) * 30 + 1) * DAY_US - jitter).tolist()
    parts.append(_events(who, "bank", "payment.on_time", times, '{"amount":120.0}', "hp"))
    base = pl.concat(parts)
    day = as_of - 2 * DAY_US
    pump_times = (day + rng.integers(0, DAY_US // 2, n_bots * pump)).tolist()
    pumped = _events(
        np.repeat(bots, pump).tolist(),
        "careless",
        "payment.on_time",
        pump_times,
        '{"amount":0.01}',
        "bp",
    )
    return base, pumped


def _scores(
    events: pl.DataFrame, policy: Policy, as_of: int, held: list[tuple[str, str]] | None = None
) -> dict[str, int]:
    """Scores with ``held`` events, each (source, event_id), excluded from the start."""
    excl = pl.DataFrame(
        {
            "event_id": [e for _, e in held or []],
            "source": [s for s, _ in held or []],
            "from_us": [0] * len(held or []),
            "until_us": [None] * len(held or []),
        },
        schema=EXCLUSION_SCHEMA,
    )
    ff = compute_features(events, policy, as_of, exclusions=excl)
    assert policy.points is not None
    table = policy.points
    return {r["subject"]: table.score_row(r) for r in ff.frame.iter_rows(named=True)}


def bot_farm(
    policy: Policy, *, n_honest: int, n_bots: int, as_of_us: int, seed: int, pump: int = 300
) -> AttackResult:
    """Scenario (d): bots' median gain under both scorers, burst flags, honest drift."""
    base, pumped = _population(n_honest, n_bots, pump, as_of_us, seed)
    attacked = pl.concat([base, pumped])
    bursts = detect_bursts(attacked, policy, burst_settings(policy))
    held = sorted({(b.source, e) for b in bursts for e in b.event_ids})
    naive_policy = uncapped(policy)
    gc_before = _scores(
        base,
        policy,
        as_of_us,
        [
            (b.source, e)
            for b in detect_bursts(base, policy, burst_settings(policy))
            for e in b.event_ids
        ],
    )
    gc_after = _scores(attacked, policy, as_of_us, held)
    nv_before = _scores(base, naive_policy, as_of_us)
    nv_after = _scores(attacked, naive_policy, as_of_us)
    bots = [s for s in gc_after if s.startswith("b")]
    honest = [s for s in gc_after if s.startswith("h")]
    gc_gain = float(np.median([gc_after[b] - gc_before[b] for b in bots]))
    nv_gain = float(np.median([nv_after[b] - nv_before[b] for b in bots]))
    drift = float(np.median([gc_after[h] - gc_before[h] for h in honest]))
    held_set = set(held)
    held_keys = pl.Series([f"{s}\x1f{e}" for s, e in held_set], dtype=pl.String)
    named = pl.concat_str("source", pl.lit("\x1f"), "event_id").is_in(held_keys)
    honest_held = int(pumped.height and base.filter(named).height)
    capped_only = _scores(attacked, policy, as_of_us)
    return AttackResult(
        "d_bot_farm",
        gc_gain,
        nv_gain,
        f"{n_bots} fresh accounts x {pump} events, 1 source",
        {
            "bursts_flagged": len(bursts),
            "burst_sources": ",".join(sorted({b.source for b in bursts})),
            "events_held": len(held),
            "honest_events_held": honest_held,
            "honest_median_drift": drift,
            "bots_gain_caps_without_hold": float(
                np.median([capped_only[b] - gc_before[b] for b in bots])
            ),
        },
    )
