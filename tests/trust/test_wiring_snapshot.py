"""Trust snapshots from a ledger: hand-computed SybilRank values, stored and scored."""

from __future__ import annotations

import pytest
from tests._history import load_history
from tests.conftest import FakeClock, event

from glasscredit.exceptions import PolicyError
from glasscredit.policy import Policy, default_policy, parse_timestamp, policy_from_dict
from glasscredit.scoring import Scorer, rescore, score_history, verify_score
from glasscredit.store import Ledger
from glasscredit.trust import compute_trust, trust_settings

AS_OF = "2026-09-01T00:00:00Z"
OLD = "2023-01-01T00:00:00Z"  # 44 months before AS_OF: a long clean history


@pytest.fixture
def policy() -> Policy:
    """The default policy with seeds of any degree, so that a path graph has one."""
    data = default_policy().model_dump(mode="json", by_alias=True)
    data["settings"] = {**data.get("settings", {}), "trust": {"min_seed_degree": 1}}
    return policy_from_dict(data)


def _identity(subject: str, level: int, *sources: str) -> list[dict[str, object]]:
    """Identity checks of ``subject`` at ``level``, one per source."""
    return [
        event(
            f"{subject}-id-{src}",
            subject=subject,
            type_="identity.verified",
            level=level,
            occurred_at=OLD,
            source=src,
        )
        for src in sources
    ]


def _mutual(a: str, b: str, when: str = "2026-01-01T00:00:00Z") -> list[dict[str, object]]:
    return [
        event(f"e-{a}-{b}", subject=b, type_="endorsement", endorser=a, occurred_at=when),
        event(f"e-{b}-{a}", subject=a, type_="endorsement", endorser=b, occurred_at=when),
    ]


def _path_ledger(ledger: Ledger, clock: FakeClock) -> None:
    """Path a - b - c - d; ``a`` is the only seed (identity 3 from two sources, known to
    the ledger since 2023); b's identity comes from one source only."""
    clock.set(OLD)  # the ledger's own clock: it has known a and b since then
    ids = [*_identity("a", 3, "bank", "idcheck"), *_identity("b", 3, "bank")]
    assert ledger.ingest(ids).accepted == 3
    clock.set(AS_OF)  # the endorsements (dated January) reach it today: known from today
    evs = [*_mutual("a", "b"), *_mutual("b", "c"), *_mutual("c", "d")]
    assert load_history(ledger, evs, known_from_us=clock()).accepted == 6


def test_path_trust_by_hand(ledger: Ledger, clock: FakeClock) -> None:
    _path_ledger(ledger, clock)
    t = parse_timestamp(AS_OF)
    snap = compute_trust(ledger, t)
    # n = 4 -> ceil(log2 4) = 2 steps, total trust 4 on seed a; degrees a1 b2 c2 d1.
    # step 1: a sends 4/1 to b -> [0, 4, 0, 0]; step 2: b sends 4/2 to a and c -> [2, 0, 2, 0]
    # divided by degree -> [2, 0, 1, 0]; the reference is the median trust of the
    # seed-eligible subjects (a alone: 2), not of everyone reached
    # normalised min(1, t / 2) -> a 1, b 0, c 0.5, d 0
    assert snap.seeds == ["a"] and snap.iterations == 2 and snap.n_edges == 3
    assert snap.reference == 2.0 and snap.eligible == 1 and snap.stored
    assert snap.values == pytest.approx({"a": 1.0, "b": 0.0, "c": 0.5, "d": 0.0})
    scorer = Scorer(ledger)
    pts = {s: {f.name: f.points for f in scorer.explain(s, t).features}["trust"] for s in "abcd"}
    # trust bins [0.2, 0.5, 0.8] -> points [0, 10, 20, 30]: a 1 -> 30, c 0.5 -> 20
    assert pts == {"a": 30, "b": 0, "c": 20, "d": 0}
    # a time before the snapshot sees no trust at all (missing -> 0 points)
    early = scorer.explain("a", t - 1)
    assert {f.name: f.value for f in early.features}["trust"] is None


def test_recompute_same_time_appends_a_version_and_old_scores_reproduce(
    ledger: Ledger, clock: FakeClock
) -> None:
    _path_ledger(ledger, clock)
    t = parse_timestamp(AS_OF)
    made_first = clock()
    compute_trust(ledger, t)
    scorer = Scorer(ledger)
    first = rescore(scorer, t, clock(), subjects_in=["c"])
    [score_id] = [s.score_id for s in score_history(scorer, "c")]
    # an operator holds a-b's endorsements from before t (a reviewed burst): recomputed
    # for the same time, the seed has no edge left; losing every seed is an alert: the
    # snapshot is not stored, the one in force stays, and an audit row says so
    clock.set("2026-09-01T06:00:00Z")
    held = [("community", "e-a-b"), ("community", "e-b-a")]
    assert ledger.holds.hold("review:1", held, t - 1, actor="operator") == 2
    kept = compute_trust(ledger, t)
    assert not kept.stored and kept.alert is not None and "1 of the 1 seeds" in kept.alert
    assert (kept.previous_seeds, kept.seeds_lost) == (1, 1)
    assert len(ledger.snapshots.versions("trust")) == 1
    [row] = [e for e in ledger.audit.entries() if e.action == "snapshot.trust.kept"]
    assert row.details["seeds_lost"] == 1 and row.details["as_of_us"] == t
    # the operator reviewed it: stored when forced
    forced = compute_trust(ledger, t, force=True)
    assert forced.stored
    versions = ledger.snapshots.versions("trust")
    assert [(v.as_of_us, v.made_at_us, v.n_values) for v in versions] == [
        (t, made_first, 4),
        (t, clock(), 4),
    ]
    newest = ledger.snapshots.values("trust", t)
    older = ledger.snapshots.values("trust", t, made_by_us=made_first)
    assert newest is not None and older is not None
    assert dict(older.iter_rows()) == pytest.approx({"a": 1.0, "b": 0.0, "c": 0.5, "d": 0.0})
    assert dict(newest.iter_rows()) == {"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0}
    assert {f.name: f.value for f in scorer.explain("c", t).features}["trust"] == 0.0
    # the stored score was computed with the first version and still reproduces exactly
    check = verify_score(scorer, score_id)
    assert check["identical"], check["differences"]
    assert check["recomputed_score"] == first.scores[0]
    # both computations are on the audit chain, and the chain holds
    made = [e for e in ledger.audit.entries() if e.action == "snapshot.trust"]
    assert [(e.details["version"], e.details["values"]) for e in made] == [
        (versions[0].version, 4),
        (versions[1].version, 4),
    ]
    assert "forced" in made[1].details and "forced" not in made[0].details
    seeds = ledger.snapshots.versions("trust_seeds")
    assert [v.n_values for v in seeds] == [1, 0]  # stored with each trust version
    assert ledger.verify_audit().ok


def test_bad_endorsements_are_refused_or_neutral(ledger: Ledger, clock: FakeClock) -> None:
    _path_ledger(ledger, clock)
    t = parse_timestamp(AS_OF)
    before = compute_trust(ledger, t, store=False).values
    # sent live, today
    selfie = ledger.ingest([event("self", "d", "endorsement", AS_OF, endorser="d")])
    assert selfie.accepted == 0 and selfie.errors[0].rule == "self_reference"
    extra = [
        # the same a -> b endorsement again under another id: counts once
        event("dup", "b", "endorsement", AS_OF, endorser="a"),
        # one-sided: d vouches for a newcomer e who never vouches back
        event("one-sided", "e", "endorsement", AS_OF, endorser="d"),
        # an endorser nobody has ever reported about
        event("ghost", "d", "endorsement", AS_OF, endorser="zz-unknown"),
    ]
    assert ledger.ingest(extra).accepted == 3
    after = compute_trust(ledger, t, store=False)
    assert after.dropped.duplicate == 1 and after.dropped.unknown_subject == 1
    assert after.dropped.unreciprocated == 1
    # e is a new node with no edge and stays at 0; nobody gains from the bad rows. The
    # path's values change only through n = 5 (5 units of trust, ceil(log2 5) = 3 steps):
    # x1 = [0,5,0,0]; x2 = [2.5,0,2.5,0]; x3 = [0, 2.5+1.25, 0, 1.25] -> /deg [0,1.875,0,1.25]
    # median(1.25, 1.875) = 1.5625 -> b 1, d 0.8
    assert after.values == pytest.approx({"a": 0.0, "b": 1.0, "c": 0.0, "d": 0.8, "e": 0.0})
    assert set(before) == set("abcd")


def test_no_seed_means_no_trust_for_anyone(ledger: Ledger, clock: FakeClock) -> None:
    clock.set(AS_OF)
    load_history(ledger, [*_mutual("a", "b"), *_mutual("b", "c")], known_from_us=clock())
    snap = compute_trust(ledger, parse_timestamp(AS_OF))
    assert snap.seeds == [] and snap.values == {"a": 0.0, "b": 0.0, "c": 0.0}


def test_trust_settings_are_validated(policy: Policy) -> None:
    data = policy.model_dump(mode="json", by_alias=True)
    data["settings"] = {"trust": {"min_identity_level": 2, "graph_mode": "either"}}
    s = trust_settings(policy_from_dict(data))
    assert (s.min_identity_level, s.graph_mode, s.min_clean_months) == (2, "either", 24)
    data["settings"] = {"trust": {"min_identity_levle": 2}}
    with pytest.raises(PolicyError, match=r"min_identity_levle.*unknown_setting"):
        trust_settings(policy_from_dict(data))
    refused = {
        "min_identity_sources": 1,  # identity from one source is never enough
        "min_seed_degree": 0,
        "seeds_per_community": 0,
        "max_seed_loss": 0,
    }
    for key, value in refused.items():
        data["settings"] = {"trust": {key: value}}
        with pytest.raises(PolicyError, match=rf"settings\.trust\.{key}"):
            trust_settings(policy_from_dict(data))
    data["settings"] = {"trust": {"min_seed_degree": True}}
    with pytest.raises(PolicyError, match=r"settings\.trust\.min_seed_degree.*type"):
        trust_settings(policy_from_dict(data))


def test_trust_reads_the_event_types_the_policy_names(sqlite_url: str, clock: FakeClock) -> None:
    # an operator whose community calls endorsements "vouch" cannot rename the type: the
    # vocabulary refuses a type of its own invention, so trust's roles always name
    # vocabulary types (a renamed type used to read as no edges)
    data = default_policy().model_dump(mode="json", exclude_none=True, by_alias=True)
    data["event_types"]["vouch"] = data["event_types"].pop("endorsement")
    data["sources"]["community"]["types"] = ["vouch", "report.misconduct"]
    data["trust_events"]["endorsement"] = "vouch"
    with pytest.raises(PolicyError, match=r"event_types\.vouch.*vocabulary_type"):
        policy_from_dict(data)
    policy = default_policy()
    assert policy.trust_events.endorsement == "endorsement"
    data = policy.model_dump(mode="json", by_alias=True)
    data["settings"] = {"trust": {"min_seed_degree": 1}}
    with Ledger(sqlite_url, policy_from_dict(data), clock=clock) as ledger:
        _path_ledger(ledger, clock)
        snap = compute_trust(ledger, parse_timestamp(AS_OF))
    assert snap.seeds == ["a"] and snap.n_edges == 3
    assert snap.values == pytest.approx({"a": 1.0, "b": 0.0, "c": 0.5, "d": 0.0})
