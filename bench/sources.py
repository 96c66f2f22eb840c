"""Benchmark: source accountability on the demo population, honest and with a colluder.

Run from the repository root: ``python bench/sources.py``. Installs nothing.

On the generated demo population (10,000 subjects, seed 42, recorded as they occur,
scored at the generator's end) it prints:

1. what ``min_sources`` costs honest subjects under the default policy (share known to
   one independent source, share losing points, median shift), measured with the kernel
   against the same policy without ``min_sources``;
2. the flags ``glasscredit sources`` raises on the honest population (target: none);
3. the flags once a colluding source (the rental platform) creates 200 accounts in the
   last 30 days and reports five kept contracts for each (target: flagged, with all 200
   subjects as evidence);
4. the score of an account a bank created 12 months ago, fed only by that bank (24
   on-time payments, 3 loans repaid, identity level 3, income), with and without
   ``min_sources``, against the empty file.

The exit status is 1 if a target is missed.
"""

from __future__ import annotations

import sys
import time

import polars as pl

from glasscredit.features import compute_features
from glasscredit.policy import DAY_US, MONTH_US, Policy, default_policy, policy_from_dict
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, generate_population
from glasscredit.sources import source_report

T = DEFAULT_END_US


def _population() -> pl.DataFrame:
    tables = list(generate_population(PopulationSpec(subjects=10_000, seed=42)))
    df = pl.concat([pl.from_arrow(t) for t in tables])  # type: ignore[misc]
    assert isinstance(df, pl.DataFrame)
    at = pl.col("occurred_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us").dt.epoch("us")
    return df.with_columns(
        occurred_at_us=at,
        recorded_at_us=at,
        known_at_us=at,
        seq=pl.int_range(pl.len()).cast(pl.Int64),
    ).drop("occurred_at")


def _without_min_sources(policy: Policy) -> Policy:
    raw = policy.model_dump(mode="json", by_alias=True)
    for f in raw["features"]:
        f["min_sources"] = None
    return policy_from_dict(raw)


def _scores(df: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    assert policy.points is not None
    ff = compute_features(df, policy, T).frame
    return pl.DataFrame(
        {
            "subject": ff["subject"],
            "score": [policy.points.score_row(r) for r in ff.to_dicts()],
            "sources": ff["active_sources_24m"],
        }
    )


def _bank_account() -> pl.DataFrame:
    evs = [
        ("account.opened", T - 12 * MONTH_US, '{"kind":"current"}'),
        ("identity.verified", T - 12 * MONTH_US, '{"level":3}'),
        ("income.verified", T - 11 * MONTH_US, '{"band":"3000_5999"}'),
    ]
    evs += [("payment.on_time", T - k * 15 * DAY_US - 1, '{"amount":50}') for k in range(24)]
    evs += [("loan.repaid", T - k * MONTH_US - 7, '{"amount":500}') for k in range(3)]
    return pl.DataFrame(
        [
            {
                "seq": i,
                "event_id": f"v{i}",
                "subject": "v",
                "source": "bank",
                "type": ty,
                "occurred_at_us": t,
                "recorded_at_us": t,
                "known_at_us": t,
                "attributes": a,
            }
            for i, (ty, t, a) in enumerate(evs)
        ]
    )


def main() -> int:
    policy = default_policy()
    plain = _without_min_sources(policy)
    t0 = time.perf_counter()
    df = _population()
    before, after = _scores(df, plain), _scores(df, policy)
    j = before.join(after, on="subject", suffix="_new").with_columns(
        d=pl.col("score_new") - pl.col("score")
    )
    losers = j.filter(pl.col("d") < 0)
    print(
        f"min_sources on {j.height:,} demo subjects: {(j['sources'] < 2).mean():.2%} known to "
        f"one independent source; {losers.height / j.height:.2%} lose points "
        f"(mean {losers['d'].mean() or 0:+.1f}); median {j['score'].median():.0f} -> "
        f"{j['score_new'].median():.0f}"
    )
    ev = df.select("event_id", "subject", "source", "type", "known_at_us")
    t1 = time.perf_counter()
    honest = source_report(ev, {}, policy, T)
    secs = time.perf_counter() - t1
    print(
        f"honest population: {len(honest.flags)} flag(s) {[f.ref for f in honest.flags]} "
        f"({ev.height:,} events, {secs:.1f} s)"
    )
    rows = []
    for i in range(200):
        s, t = f"fake{i:04d}", T - int((29 - i * 0.1) * DAY_US)
        rows.append((f"fx-{i}-0", s, "rentals", "rental.returned", t))
        rows += [
            (f"fx-{i}-{k}", s, "rentals", "contract.fulfilled", t + k * 3_600_000_000)
            for k in range(1, 6)
        ]
    fake = pl.DataFrame(rows, schema=ev.columns, orient="row")
    attacked = source_report(pl.concat([ev, fake]), {}, policy, T)
    for f in attacked.flags:
        print(f"colluder: {f.ref}: {f.why} ({f.subjects_total} subjects, {f.events_total} events)")
    caught = any(
        f.source == "rentals" and f.kind == "sole_cohort" and f.subjects_total == 200
        for f in attacked.flags
    )
    acct = _bank_account()
    assert policy.points is not None
    empty = policy.points.score_row({})
    full = policy.points.score_row(compute_features(acct, plain, T).row("v"))
    limited = policy.points.score_row(compute_features(acct, policy, T).row("v"))
    print(
        f"a bank-made account, 12 months from the bank alone: {full} without min_sources, "
        f"{limited} with (empty file {empty}): gain {full - empty:+d} -> {limited - empty:+d}"
    )
    print(f"({time.perf_counter() - t0:.0f} s)")
    ok = not honest.flags and caught
    print(f"targets: honest population unflagged, colluder flagged: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
