"""The red-team simulator: attacks on a generated honest population, scored twice.

Each scenario reports the points the target (or the attackers) gain or lose under
glasscredit's defences and under a *naive* scorer that counts raw events: raw
endorsements received for the connections feature, raw misconduct reports, and event
counts without per-day caps, total caps or burst holds. Points are read off the
policy's own points table, so the figures are what a real score would move by.

Scenarios (see ``docs/manipulation.md``):

a. a sybil ring of ``n_sybil`` fake accounts behind ``attack_edges`` attack edges, all
   endorsing (and endorsed by) the attacker's own account, the target;
b. one malicious reporter (trusted: the worst case) filing 100 reports against a target;
c. 50 freshly created colluding reporters (given full trust: the worst case) against a
   target;
d. a bot farm pumping tiny positive events through one careless source (``_redteam_bots``);
e. the honest population with no attack: honest subjects losing more than 10 points
   to the defences, against the naive scorer.

Everything is in memory and seeded: the same arguments give the same report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from glasscredit.policy import FeaturePoints, Policy
from glasscredit.simulate._attack import DAY_US, AttackResult, feature_points, points
from glasscredit.simulate._redteam_bots import bot_farm
from glasscredit.simulate._scenarios import Scenario, make_scenario, ranking_quality
from glasscredit.trust import (
    ReporterInfo,
    SeedPolicy,
    build_endorsement_graph,
    corroborate_reports,
    report_settings,
    select_seeds,
    sybilrank,
    trust_settings,
)

__all__ = [
    "RedTeamReport",
    "fresh_reporters",
    "honest_population",
    "lone_reporter",
    "report_points",
    "run_redteam",
    "sybil_ring",
]

#: what the default policy's range allows a corroborated report to cost (docs)
DEFAULT_REPORT_POINTS = FeaturePoints(edges=[0.5], points=[0, -5], missing=0)


@dataclass(frozen=True, slots=True)
class RedTeamReport:
    """All scenario results plus the ranking quality of trust (SybilRank's measures)."""

    attacks: list[AttackResult]
    auc: float
    sybils_below_95: float
    n_honest: int

    def as_dict(self) -> dict[str, object]:
        return {
            "n_honest": self.n_honest,
            "trust_auc": self.auc,
            "sybils_below_95": self.sybils_below_95,
            "attacks": [
                {
                    "name": a.name,
                    "glasscredit": a.glasscredit,
                    "naive": a.naive,
                    "cost": a.cost,
                    **a.detail,
                }
                for a in self.attacks
            ],
        }


def report_points(policy: Policy) -> FeaturePoints:
    """The policy's ``corroborated_reports`` points, else the proposed default."""
    if policy.points is not None and "corroborated_reports" in policy.points.features:
        return policy.points.features["corroborated_reports"]
    return DEFAULT_REPORT_POINTS


def _trust(
    sc: Scenario,
    policy: Policy,
    extra: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(raw SybilRank trust, normalised trust) of every node 0..n-1 (+1 target node)."""
    ts = trust_settings(policy)
    a, b = sc.endorser, sc.endorsed
    n = sc.n_subjects + (1 if extra is not None else 0)
    if extra is not None:
        a, b = np.concatenate([a, extra[0]]), np.concatenate([b, extra[1]])
    times = np.full(len(a), sc.as_of_us - DAY_US, dtype=np.int64)
    graph = build_endorsement_graph(
        a, b, times, as_of_us=sc.as_of_us, subjects=np.arange(n, dtype=np.int64), mode=ts.graph_mode
    )
    level = np.append(sc.identity_level, 0)[:n]
    months = np.append(sc.clean_history_months, 0)[:n]
    flagged = np.append(sc.flagged, False)[:n]
    seeds = select_seeds(
        np.arange(n),
        level,
        months,
        flagged,
        policy=SeedPolicy(ts.min_identity_level, ts.min_clean_months, None),
    )
    result = sybilrank(graph, seeds.seeds.astype(np.int64), iterations=ts.iterations)
    return result.trust, result.normalised


def _naive_connections(
    received: npt.NDArray[np.int64], honest: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Raw endorsements received, relative to the median honest count, capped at 1."""
    ref = float(np.median(received[honest & (received > 0)]))
    return np.minimum(1.0, received / ref)


def sybil_ring(
    policy: Policy, n_honest: int, n_sybil: int, attack_edges: int, seed: int
) -> tuple[AttackResult, float, float]:
    """Scenario (a) and the ranking quality of trust on the attacked graph."""
    sc = make_scenario(n_honest, n_sybil, attack_edges, seed=seed)
    fp = feature_points(policy, "trust")
    target = sc.n_subjects
    sybils = np.arange(n_honest, sc.n_subjects, dtype=np.int64)
    ring = (
        np.concatenate([sybils, np.full(len(sybils), target)]),
        np.concatenate([np.full(len(sybils), target), sybils]),
    )
    raw, norm = _trust(sc, policy, ring)
    quality = ranking_quality(raw[:target], sc.is_sybil)
    received = np.bincount(np.concatenate([sc.endorsed, ring[1]]), minlength=target + 1)
    honest = np.append(~sc.is_sybil, False)
    naive = _naive_connections(received, honest)
    # without the attack the target is a fresh account: no endorsement, no trust
    gc_gain = points(fp, float(norm[target])) - points(fp, 0.0)
    naive_gain = points(fp, float(naive[target])) - points(fp, 0.0)
    res = AttackResult(
        "a_sybil_ring",
        gc_gain,
        naive_gain,
        f"{n_sybil} fake accounts, {attack_edges} attack edges",
        {
            "target_trust": round(float(norm[target]), 6),
            "target_raw_endorsements": int(received[target]),
        },
    )
    return res, quality.auc, quality.sybils_below_95


def _reports_against(
    policy: Policy,
    reporters: list[str],
    infos: dict[str, ReporterInfo],
    trust: dict[str, float],
    days: list[int],
    as_of: int,
    ties: set[tuple[str, str]],
) -> tuple[float, int]:
    """(corroborated value, raw report count) for reports filed ``days`` before as_of."""
    frame = pl.DataFrame(
        {
            "event_id": [f"r{i}" for i in range(len(reporters))],
            "reporter": reporters,
            "target": ["target"] * len(reporters),
            "category": ["fraud"] * len(reporters),
            "occurred_at_us": [as_of - d * DAY_US for d in days],
        }
    )
    spec = policy.event_types[policy.trust_events.report].attributes["category"]
    verdict = corroborate_reports(
        frame,
        as_of_us=as_of,
        trust=trust,
        reporters=infos,
        ties=ties,
        categories=list(spec.values or []),
        settings=report_settings(policy),
    )
    return verdict["target"].value, len(reporters)


def lone_reporter(policy: Policy, as_of: int) -> AttackResult:
    """Scenario (b): one trusted account files 100 reports over 100 days."""
    fp = report_points(policy)
    # worst case: the reporter has earned its weight (aged endorsers) and full trust
    infos = {"m": ReporterInfo(as_of - 900 * DAY_US, "community", earned_endorsers=10)}
    value, raw = _reports_against(
        policy, ["m"] * 100, infos, {"m": 1.0}, list(range(100)), as_of, set()
    )
    return AttackResult(
        "b_lone_reporter",
        points(fp, value) - points(fp, None),
        points(fp, float(raw)) - points(fp, None),
        "1 account, 100 reports",
        {"corroborated_value": value, "raw_reports": raw},
    )


def fresh_reporters(policy: Policy, as_of: int) -> AttackResult:
    """Scenario (c): 50 accounts created 1-10 days before reporting, each fully trusted."""
    fp = report_points(policy)
    names = [f"f{i}" for i in range(50)]
    # worst case: each has earned its weight (aged endorsers) and has full trust
    infos = {
        n: ReporterInfo(as_of - (1 + i % 10) * DAY_US, f"src{i % 7}", earned_endorsers=10)
        for i, n in enumerate(names)
    }
    value, raw = _reports_against(
        policy, names, infos, dict.fromkeys(names, 1.0), [0] * 50, as_of, set()
    )
    return AttackResult(
        "c_fresh_colluders",
        points(fp, value) - points(fp, None),
        points(fp, float(raw)) - points(fp, None),
        "50 new accounts, 50 reports",
        {"corroborated_value": value, "raw_reports": raw},
    )


def honest_population(policy: Policy, n_honest: int, seed: int) -> AttackResult:
    """Scenario (e): no attack; share of honest subjects losing > 10 points vs naive."""
    sc = make_scenario(n_honest, 0, 0, seed=seed)
    fp = feature_points(policy, "trust")
    _, norm = _trust(sc, policy)
    received = np.bincount(sc.endorsed, minlength=sc.n_subjects)
    naive = _naive_connections(received, np.ones(sc.n_subjects, dtype=bool))
    gc_pts = np.array([points(fp, float(v)) for v in norm])
    naive_pts = np.array([points(fp, float(v)) for v in naive])
    loss = naive_pts - gc_pts
    share = float(np.mean(loss > 10))
    return AttackResult(
        "e_honest_no_attack",
        share,
        0.0,
        "none",
        {
            "honest_losing_gt_10": int(np.count_nonzero(loss > 10)),
            "median_change": float(np.median(gc_pts - naive_pts)),
        },
    )


def run_redteam(
    policy: Policy,
    *,
    n_honest: int = 10_000,
    n_sybil: int = 1_000,
    attack_edges: int = 10,
    n_bots: int = 1_000,
    seed: int = 0,
    as_of_us: int = 1_790_000_000_000_000,
) -> RedTeamReport:
    """Run every scenario on one seeded population and collect the results."""
    a, auc, below = sybil_ring(policy, n_honest, n_sybil, attack_edges, seed)
    attacks = [
        a,
        lone_reporter(policy, as_of_us),
        fresh_reporters(policy, as_of_us),
        bot_farm(policy, n_honest=n_honest, n_bots=n_bots, as_of_us=as_of_us, seed=seed),
        honest_population(policy, n_honest, seed),
    ]
    return RedTeamReport(attacks, auc, below, n_honest)
