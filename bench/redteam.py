"""Benchmark: what each attack of the threat model gains under glasscredit and under a naive scorer.

Run from the repository root: ``python bench/redteam.py [--quick]``. Installs nothing.

Every scenario (``glasscredit.simulate.ATTACKS``, written from docs/threat-model.md)
runs on its own copy of a real SQLite ledger holding a generated population (several
banks, platforms and communities; a heavy-tailed endorsement graph with communities,
mean degree about 10), through the doors a deployment opens: partners ingest, subjects
dispute, sources answer, the operator's routine scans and holds bursts, recomputes
trust and report corroboration, and the real scorer scores everyone. The naive scorer
(raw counts, the sender's clock, no cap, no hold, disputes freeze at once) scores the
same ledger in the same run. Each attack is compared with the baseline world (no attack)
at the same time. Medians over seeds 0, 1, 2 (``--quick``: seed 0, 3,000 subjects).

Targets (issue #11), on the realistic graph:
- sybil class: the target inside a region of up to 1,000 accounts behind up to 10
  attack edges gains at most 5 points (``sybil_region_100``, 100 edges: trust AUC
  honest vs sybil >= 0.95);
- reports class: up to 50 reporters, fresh or aged, each with at most one attack edge,
  cost an honest victim at most 5 points;
- source class: a colluding source lifts its cohort by at most 10% of the naive gain;
- disputes and ids: no gain once disputes resolve as an honest source would; a
  squatted id gains nothing;
- every attack: the honest median falls by at most 1 point and at most 1% of honest
  subjects lose more than 10 points, against the same scorer with no attack;
- no attack: fewer than 1% of honest subjects lose more than 10 points against the
  naive scorer.
The first round's sparse graph (one-sided endorsements, few mutual) is reported beside
the realistic one for the two sybil-region scenarios (first seed), without targets.
The last line is the worst scenario against its target; the exit status is 1 when any
target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from glasscredit import rights
from glasscredit.policy import Policy, default_policy, policy_from_dict
from glasscredit.simulate import ATTACKS, TARGET_TEXT, BenchReport, run_bench

SEEDS = (0, 1, 2)
#: the scenarios also run on the first round's sparse graph (reported, no target)
SPARSE = ("sybil_region", "sybil_region_100")


#: ``--defended``: the settings docs/threat-model.md proposes for the shipped policy,
#: laid over the default one (not yet its defaults: the test fixtures that load history
#: live and pin single-source scores must move to approved backfills first)
LEDGER_CAPS = [{"period": "7d", "max": 3}, {"period": "1mo", "max": 6}]


def _with_doors(data: dict[str, Any]) -> dict[str, Any]:
    """Backdating bounds and lateness (the doors the shipped policy is getting)."""
    data["ingest"] = {
        **data["ingest"],
        "max_backdate": "62d",
        "backdate": [
            {"type": t, "max": "7d"}
            for t in ("account.opened", "identity.verified", "income.verified", "endorsement")
        ],
    }
    data["lateness"] = {"max_lag": "35d", "types": {"loan.repaid": "62d"}}
    return data


def doors(policy: Policy) -> Policy:
    """``policy`` with the defended overlay's doors only (backdating bounds, lateness):
    no seasoning of single-source history, no caps per ledger period."""
    return policy_from_dict(_with_doors(json.loads(policy.to_json())))


def defended(policy: Policy, *, since_first: bool = False) -> Policy:
    """``policy`` with backdating bounds, lateness, caps per week and month on the
    ledger's clock, and single-source history, identity and income checks included,
    counting only what the ledger has known a year (``known_for: 12mo``).

    Strict (default): each event must be known a year; checks are judged by the
    history's sources; one source alone earns no more than none on
    ``active_sources_24m``. ``since_first``: a year from the first event the ledger
    knew; checks count fully when a second source (an identity provider included)
    knows the subject; ``active_sources_24m``'s points unchanged: cheaper for honest
    subjects, weaker against a partner that waits a year (docs/threat-model.md).
    """
    data = _with_doors(json.loads(policy.to_json()))
    seasoned: dict[str, object] = {"known_for": "12mo", "since_first": since_first}
    checks = {"feature": "checked_sources_24m" if since_first else "active_sources_24m"}
    for f in data["features"]:
        if f.get("min_sources"):
            f["min_sources"] = {**f["min_sources"], **seasoned}
        if f["name"] in ("on_time_payments_24m", "contracts_kept_24m"):
            f["max_per_ledger_period"] = LEDGER_CAPS
        if f["name"] == "identity_level":
            f["min_sources"] = {**checks, "min": 2, "cap": 3, **seasoned}
        if f["name"] == "income_verified_24m":
            f["min_sources"] = {**checks, "min": 2, "cap": 1, **seasoned}
    if since_first:
        # sources of history or of checks (no points of its own: it qualifies checks)
        history = next(f for f in data["features"] if f["name"] == "active_sources_24m")
        data["features"].append(
            {
                **history,
                "name": "checked_sources_24m",
                "code": None,
                "types": [*history["types"], "identity.verified", "income.verified"],
                "reason": "Known to few independent partners, identity checks included",
            }
        )
    else:
        data["points"]["features"]["active_sources_24m"]["points"] = [-5, -5, 5, 15]
    return policy_from_dict(data)


def _severity(rep: BenchReport, name: str, target: str) -> float:
    """How far a scenario is from its target: <= 1 met, > 1 missed (1 = at the target)."""
    gc, nv = rep.median(name, "glasscredit"), rep.median(name, "naive")
    worst = max(rep.median(name, "honest_drop") / 1.0, rep.median(name, "honest_lost10") / 0.01)
    if target == "gain5":
        worst = max(worst, gc / 5)
    elif target == "loss5":
        worst = max(worst, -gc / 5)
    elif target == "naive10":
        worst = max(worst, (gc / nv) / 0.10 if nv > 0 else (2.0 if gc > 0 else 0.0))
    elif target == "zero":
        worst = max(worst, 2.0 if gc > 0 else 0.0)
    elif target == "fp1":
        worst = max(worst, gc / 0.01)
    auc = rep.median(name, "auc")
    if name == "sybil_region_100" and not math.isnan(auc):
        worst = max(worst, (1 - auc) / 0.05)
    return worst


def _ratio(gc: float, nv: float) -> str:
    return f"{gc / nv:+.2f}" if nv else "  n/a"


def _print(rep: BenchReport, with_targets: bool) -> list[tuple[float, str, str]]:
    print(
        f"\n{rep.graph} graph: {rep.n_honest:,} honest subjects, mean degree "
        f"{rep.mean_degree:.1f}, seeds {rep.seeds} (medians)"
    )
    print(
        f"{'scenario':22s} {'glasscredit':>11s} {'naive':>7s} {'ratio':>6s} "
        f"{'honest med':>10s} {'lost>10':>7s}  {'target':24s} {'met':4s} cost"
    )
    rows = []
    for attack in ATTACKS:
        if attack.name not in rep.results or not rep.results[attack.name]:
            continue
        name, tgt = attack.name, attack.target
        gc, nv = rep.median(name, "glasscredit"), rep.median(name, "naive")
        sev = _severity(rep, name, tgt) if with_targets else math.nan
        met = "" if not with_targets else ("yes" if sev <= 1 else "NO")
        unit = "%" if tgt == "fp1" else ""
        scale = 100 if tgt == "fp1" else 1
        print(
            f"{name:22s} {gc * scale:+10.1f}{unit:1s} {nv * scale:+7.1f} {_ratio(gc, nv):>6s} "
            f"{-rep.median(name, 'honest_drop'):+10.1f} "
            f"{100 * rep.median(name, 'honest_lost10'):6.2f}%  {TARGET_TEXT[tgt]:24s} "
            f"{met:4s} {rep.results[name][0].cost}"
        )
        details = {k: v for r in rep.results[name][:1] for k, v in r.detail.items()}
        auc = rep.median(name, "auc")
        extra = ([f"trust AUC {auc:.4f}"] if not math.isnan(auc) else []) + [
            f"{k} {v}" for k, v in details.items()
        ]
        if extra:
            print(f"{'':22s} " + ", ".join(extra))
        if with_targets:
            rows.append((sev, name, TARGET_TEXT[tgt]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="seed 0, 3,000 subjects")
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--seeds", type=int, help="how many seeds (default 3, --quick 1)")
    ap.add_argument("--subjects", type=int, help="honest subjects (default 10,000, --quick 3,000)")
    ap.add_argument(
        "--defended",
        choices=["strict", "since-first", "doors"],
        help="the default policy with the settings docs/threat-model.md proposes "
        "(doors: only its backdating bounds and lateness)",
    )
    args = ap.parse_args()
    seeds = (
        SEEDS[: args.seeds or (1 if args.quick else 3)]
        if (args.seeds or 3) <= 3
        else tuple(range(args.seeds))
    )
    n = args.subjects or (3_000 if args.quick else 10_000)
    attacks = [a for a in ATTACKS if not args.only or a.name in args.only.split(",")]
    policy = default_policy()
    if args.defended == "doors":
        policy = doors(policy)
    elif args.defended:
        policy = defended(policy, since_first=args.defended == "since-first")
    print(f"policy {policy.name} {policy.hash[:12]} (defended: {args.defended or 'no'})")
    start = time.perf_counter()

    def progress(text: str) -> None:
        print(f"  [{time.perf_counter() - start:6.0f} s] {text}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="redteam-") as tmp:
        real = run_bench(
            policy, rights, Path(tmp), n_honest=n, seeds=seeds, attacks=attacks, progress=progress
        )
        sybil = [a for a in attacks if a.name in SPARSE]
        sparse = (
            run_bench(
                policy,
                rights,
                Path(tmp),
                n_honest=n,
                seeds=seeds[:1],
                attacks=sybil,
                mean_degree=0.0,
                progress=progress,
            )
            if sybil
            else None
        )
    rows = _print(real, True)
    if sparse is not None:
        _print(sparse, False)
    missed = sorted((r for r in rows if r[0] > 1), reverse=True)
    worst = max(rows) if rows else (0.0, "none", "")
    print(f"\nwall time {time.perf_counter() - start:.0f} s")
    print(
        f"HEADLINE redteam: {len(rows)} scenarios on the realistic graph, "
        f"{len(rows) - len(missed)} meet their targets; worst {worst[1]} at "
        f"{worst[0]:.2f}x its target ({worst[2]}; and for every scenario: the honest median "
        "falls <= 1 pt, <= 1% of honest lose > 10)"
        + (f"; MISSED {[m[1] for m in missed]}" if missed else "; all targets met")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
