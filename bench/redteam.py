"""Benchmark: what each attack gains under glasscredit and under a naive raw-count scorer.

Run from the repository root: ``python bench/redteam.py``. Installs nothing.

Both scorers are measured in this one run on the same generated populations (10,000
honest subjects, seeds 0, 1, 2; medians over the seeds), with the default policy's
points table. The naive scorer counts raw endorsements, raw reports and raw events with
no cap and no hold. Targets (issue #5):

(a) sybil ring, 1,000 fakes, 10 attack edges: target gains <= 5 points;
(b) one reporter, 100 reports: target loses 0 points;
(c) 50 fresh colluding reporters: target loses <= 5 points;
(d) bot farm: bots' median gain <= 10% of the naive gain, burst flagged, honest
    median drift <= 1 point;
(e) no attack: < 1% of honest subjects lose more than 10 points;
trust AUC honest vs sybil >= 0.95 with 10 attack edges.

The default table lets a corroborated report cost at most 5 points (its attainable
range must stay inside 350..950), so (b) and (c) also print the feature values: the
corroborated weight under glasscredit next to the raw report count.
The last line is the headline with its targets; the exit status is 1 if one is missed.
"""

from __future__ import annotations

import statistics
import sys

from glasscredit.policy import default_policy
from glasscredit.simulate import RedTeamReport, run_redteam

SEEDS = (0, 1, 2)


def _median(reports: list[RedTeamReport], name: str, key: str) -> float:
    values = []
    for r in reports:
        a = next(x for x in r.attacks if x.name == name)
        values.append(
            float(getattr(a, key)) if key in ("glasscredit", "naive") else float(a.detail[key])
        )
    return statistics.median(values)


def _ratio(gc: float, naive: float) -> str:
    return f"{gc / naive + 0.0:.3f}" if naive else "n/a"


def main() -> int:
    policy = default_policy()
    reports = [run_redteam(policy, seed=s) for s in SEEDS]
    rows = []
    for name in ("a_sybil_ring", "b_lone_reporter", "c_fresh_colluders", "d_bot_farm"):
        gc, nv = _median(reports, name, "glasscredit"), _median(reports, name, "naive")
        rows.append((name, gc, nv))
        print(
            f"{name:20s} glasscredit {gc:+7.1f} pts   naive {nv:+7.1f} pts   ratio {_ratio(gc, nv)}"
        )
    for name in ("b_lone_reporter", "c_fresh_colluders"):
        print(
            f"{name:20s} corroborated value {_median(reports, name, 'corroborated_value'):.3f}"
            f"   raw reports {_median(reports, name, 'raw_reports'):.0f}"
        )
    flagged = min(int(_median([r], "d_bot_farm", "bursts_flagged")) for r in reports)
    drift = _median(reports, "d_bot_farm", "honest_median_drift")
    caps_only = _median(reports, "d_bot_farm", "bots_gain_caps_without_hold")
    print(
        f"d_bot_farm           bursts flagged (min over seeds) {flagged}   honest median "
        f"drift {drift:+.1f} pts   bots' gain with caps but no hold {caps_only:+.1f} pts"
    )
    fp_share = _median(reports, "e_honest_no_attack", "glasscredit")
    print(f"e_honest_no_attack   honest losing > 10 pts vs naive: {100 * fp_share:.2f}%")
    auc = statistics.median(r.auc for r in reports)
    below = statistics.median(r.sybils_below_95 for r in reports)
    print(f"trust ranking        AUC {auc:.4f}   sybils below 95% of honest {100 * below:.1f}%")

    gains = {name: (gc, nv) for name, gc, nv in rows}
    checks = {
        "a<=5": gains["a_sybil_ring"][0] <= 5,
        "b==0": gains["b_lone_reporter"][0] == 0,
        "c>=-5": gains["c_fresh_colluders"][0] >= -5,
        "d<=10%": gains["d_bot_farm"][0] <= 0.1 * gains["d_bot_farm"][1],
        "d_flagged": flagged >= 1,
        "d_drift<=1": abs(drift) <= 1,
        "e<1%": fp_share < 0.01,
        "auc>=0.95": auc >= 0.95,
    }
    missed = [k for k, ok in checks.items() if not ok]
    print(
        f"HEADLINE redteam: a {gains['a_sybil_ring'][0]:+.0f} (naive "
        f"{gains['a_sybil_ring'][1]:+.0f}, target <= +5), b {gains['b_lone_reporter'][0]:+.0f} "
        f"(target 0), c {gains['c_fresh_colluders'][0]:+.0f} (target >= -5), d "
        f"{_ratio(*gains['d_bot_farm'])} of naive (target <= 0.10), e {100 * fp_share:.2f}% "
        f"(target < 1%), AUC {auc:.3f} (target >= 0.95)"
        + (f"; MISSED {missed}" if missed else "; all targets met")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
