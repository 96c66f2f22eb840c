"""Corroborated misconduct reports: each rule, by hand, and honest reports still count."""

from __future__ import annotations

import polars as pl
import pytest
from tests._history import load_history
from tests.conftest import FakeClock, event

from glasscredit.policy import Policy, default_policy, parse_timestamp
from glasscredit.rights import open_dispute, resolve_dispute
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from glasscredit.trust import (
    ReporterInfo,
    ReportSettings,
    compute_reports,
    compute_trust,
    corroborate_reports,
    explain_reports,
    overturn_counts,
)
from glasscredit.trust._inputs import load_trust_inputs

T = parse_timestamp("2026-09-01T00:00:00Z")
DAY = 86_400_000_000
CATS = ["non_payment", "fraud"]
# long-standing reporters, each with two established mutual endorsers (the default minimum)
OLD = {f"r{i}": ReporterInfo(T - (400 + 90 * i) * DAY, f"src{i}", 2) for i in range(1, 6)}


def _reports(*rows: tuple[str, str, int]) -> pl.DataFrame:
    """(reporter, category, days before T) against target x."""
    return pl.DataFrame(
        {
            "event_id": [f"rep{i}" for i in range(len(rows))],
            "reporter": [r for r, _, _ in rows],
            "target": ["x"] * len(rows),
            "category": [c for _, c, _ in rows],
            "occurred_at_us": [T - d * DAY for _, _, d in rows],
        }
    )


def _run(
    reports: pl.DataFrame,
    trust: dict[str, float],
    *,
    ties: set[tuple[str, str]] | None = None,
    infos: dict[str, ReporterInfo] | None = None,
    overturned: dict[str, int] | None = None,
) -> tuple[float, dict[str, str]]:
    out = corroborate_reports(
        reports,
        as_of_us=T,
        trust=trust,
        reporters=infos or OLD,
        ties=ties or set(),
        categories=CATS,
        settings=ReportSettings(),
        overturned=overturned,
    )["x"]
    return out.value, {v.event_id: v.reason for v in out.reports}


TRUST = {"r1": 1.0, "r2": 0.8, "r3": 0.5, "r4": 0.1, "r5": 1.0}


def test_three_independent_trusted_reporters_count() -> None:
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0), ("r4", "fraud", 0)),
        TRUST,
    )
    # r4: 0.1 < 0.2 -> untrusted; three groups >= k = 3 -> 1.0 + 0.8 + 0.5 = 2.3
    assert value == pytest.approx(2.3)
    assert why == {
        "rep0": "counted",
        "rep1": "counted",
        "rep2": "counted",
        "rep3": "untrusted_reporter",
    }


def test_tied_reporters_count_as_one() -> None:
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)),
        TRUST,
        ties={("r1", "r2")},
    )
    # groups {r1, r2} (weight max(1.0, 0.8)) and {r3}: 2 < 3 -> nothing counts
    assert value == 0.0
    assert why == {"rep0": "not_corroborated", "rep1": "same_group", "rep2": "not_corroborated"}


def test_one_reporter_filing_a_hundred_reports_is_one_report() -> None:
    value, why = _run(_reports(*[("r1", "fraud", 0)] * 100), TRUST)
    assert value == 0.0
    assert sorted(why.values()).count("reporter_cap") == 99
    assert "not_corroborated" in why.values()


def test_fresh_and_batch_registered_reporters_count_as_one() -> None:
    fresh = {
        **OLD,
        "r3": ReporterInfo(T - 5 * DAY, "src3", 2),
        "r5": ReporterInfo(T - 10 * DAY, "src5", 2),
    }
    # r3 and r5 created < 30 days before their reports -> one group; r1 separate: 2 groups
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r3", "fraud", 0), ("r5", "fraud", 0)), TRUST, infos=fresh
    )
    assert value == 0.0 and why["rep1"] == "same_group"
    # same first source within 30 days of each other (one registration batch): one group
    batch = {
        **OLD,
        "r2": ReporterInfo(T - 500 * DAY, "farm", 2),
        "r3": ReporterInfo(T - 490 * DAY, "farm", 2),
    }
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)), TRUST, infos=batch
    )
    assert value == 0.0 and why["rep2"] == "same_group"


def test_decay_and_overturned_reports_lower_the_weight() -> None:
    reports = _reports(("r1", "fraud", 80), ("r2", "fraud", 0), ("r5", "fraud", 0))
    value, _ = _run(reports, TRUST)
    # r1's report is 80 days old (inside the 90-day window): 1.0 * 0.5 ** (80 / 180)
    old = 0.5 ** (80 / 180)
    assert value == pytest.approx(old + 0.8 + 1.0)
    value, why = _run(reports, TRUST, overturned={"r5": 2})
    # r5 had 2 reports removed: 1.0 * 0.5 ** 2 = 0.25, still >= 0.2
    assert value == pytest.approx(old + 0.8 + 0.25)
    value, why = _run(reports, TRUST, overturned={"r5": 3})
    # 0.5 ** 3 = 0.125 < 0.2: r5 no longer carries weight, 2 groups left
    assert value == 0.0 and why["rep2"] == "untrusted_reporter"


def test_bad_reports_are_neutral() -> None:
    value, why = _run(
        _reports(
            ("r1", "fraud", 0),
            ("r2", "religion", 0),
            ("ghost", "fraud", 0),
            ("x", "fraud", 0),
            ("r5", "fraud", 0),
        ),
        {**TRUST, "x": 1.0},
        infos={**OLD, "x": ReporterInfo(T - 900 * DAY, "srcx", 2)},
    )
    assert why["rep1"] == "unknown_category" and why["rep2"] == "unknown_reporter"
    assert why["rep3"] == "self_report"
    assert value == 0.0  # only r1 and r5 remain: 2 < 3


def test_a_reporter_must_earn_its_weight_with_established_endorsers() -> None:
    # r3 inherits full trust from one partner (a single mutual endorsement): unearned
    infos = {**OLD, "r3": ReporterInfo(T - 900 * DAY, "src3", 1)}
    reports = _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0))
    value, why = _run(reports, TRUST, infos=infos)
    assert value == 0.0 and why["rep2"] == "unearned_reporter"
    assert why["rep0"] == why["rep1"] == "not_corroborated"
    # with a second established endorser it weighs what its trust says
    value, why = _run(reports, TRUST)
    assert value == pytest.approx(2.3) and set(why.values()) == {"counted"}


def test_reports_far_apart_in_time_do_not_combine() -> None:
    # three independent trusted reporters, 0, 100 and 200 days ago: no two within 90 days
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 100), ("r5", "fraud", 200)), TRUST
    )
    assert value == 0.0 and set(why.values()) == {"not_corroborated"}
    # the same three within 90 days of each other corroborate (with decay by age)
    value, why = _run(_reports(("r1", "fraud", 0), ("r2", "fraud", 45), ("r5", "fraud", 89)), TRUST)
    decay = 0.5 ** (1 / 180)
    assert value == pytest.approx(1.0 + 0.8 * decay**45 + 1.0 * decay**89)
    assert set(why.values()) == {"counted"}


def test_the_best_window_counts_and_the_rest_is_outside_it() -> None:
    # an old episode (r1, r2, r3, 200 days ago) and a recent one (r2, r3, r5): both are
    # corroborated; the recent one weighs more (less decay) and is the one that counts
    rows = [("r1", "fraud", 200), ("r2", "fraud", 201), ("r3", "fraud", 202)]
    rows += [("r2", "fraud", 10), ("r3", "fraud", 11), ("r5", "fraud", 12)]
    value, why = _run(_reports(*rows), TRUST)
    d = 0.5 ** (1 / 180)
    assert value == pytest.approx(0.8 * d**10 + 0.5 * d**11 + 1.0 * d**12)
    assert [why[f"rep{i}"] for i in range(6)] == ["outside_window"] * 3 + ["counted"] * 3


def test_a_burst_of_reports_is_read_as_one_window() -> None:
    # 300 reports the same day from the same 3 reporters: one window, one report each
    rows = [(f"r{1 + i % 3}", "fraud", 0) for i in range(300)]
    value, why = _run(_reports(*rows), TRUST)
    assert value == pytest.approx(2.3)
    assert sorted(why.values()).count("counted") == 3


AS_OF = "2026-09-01T00:00:00Z"


@pytest.fixture
def policy() -> Policy:
    """The default policy, which scores corroborated reports (docs/manipulation.md)."""
    p = default_policy()
    assert p.points is not None and "corroborated_reports" in p.points.features
    return p


def _mutual(a: str, b: str) -> list[dict[str, object]]:
    when = "2026-01-01T00:00:00Z"
    return [
        event(f"e-{a}-{b}", subject=b, type_="endorsement", endorser=a, occurred_at=when),
        event(f"e-{b}-{a}", subject=a, type_="endorsement", endorser=b, occurred_at=when),
    ]


def _report(eid: str, reporter: str) -> dict[str, object]:
    return event(eid, subject="x", type_="report.misconduct", reporter=reporter, occurred_at=AS_OF)


OLD_TIME = "2023-01-01T00:00:00Z"


def _reporting_ledger(ledger: Ledger, clock: FakeClock) -> None:
    """Anchors a and g (identity from two sources, known to the ledger since 2023) each
    endorse p1..p3 and q1..q3 (established through both); reporter r_i is endorsed by
    p_i and q_i: two established endorsers of its own each; x is reported."""
    clock.set(OLD_TIME)
    old = [
        event(
            f"{who}-id-{src}",
            subject=who,
            type_="identity.verified",
            level=3,
            occurred_at=OLD_TIME,
            source=src,
        )
        for who in ("a", "g")
        for src in ("bank", "idcheck")
    ]
    old += [
        event(f"{v}{i}-acct", subject=f"{v}{i}", type_="account.opened", occurred_at=OLD_TIME)
        for v in "pq"
        for i in (1, 2, 3)
    ]
    assert ledger.ingest(old).accepted == 10
    # the reporters joined months apart, through the bank, on the ledger's clock
    for i, start in enumerate(["2024-01-01", "2024-06-01", "2025-01-01"], start=1):
        clock.set(f"{start}T00:00:00Z")
        joined = event(
            f"r{i}-acct", subject=f"r{i}", type_="account.opened", occurred_at=f"{start}T00:00:00Z"
        )
        assert ledger.ingest([joined]).accepted == 1
    # the rest reaches the ledger today: a backfill known from today, as live ingest was
    clock.set(AS_OF)
    evs = [event("x-acct", subject="x", type_="account.opened", occurred_at="2024-03-01T00:00:00Z")]
    for i in (1, 2, 3):
        for v in (f"p{i}", f"q{i}"):
            evs += _mutual("a", v) + _mutual("g", v) + _mutual(v, f"r{i}")
    assert load_history(ledger, evs, known_from_us=clock()).accepted == len(evs)


def test_reports_in_the_ledger_feed_the_score(ledger: Ledger, clock: FakeClock) -> None:
    _reporting_ledger(ledger, clock)
    ledger.ingest([_report("rep1", "r1"), _report("rep2", "r2")])
    t = parse_timestamp(AS_OF)
    # seeds a, g - p_i, q_i - r_i (x alone): the graph is symmetric in i, so r1, r2 and
    # r3 hold equal trust, each at least the reference's: normalised 1.0 each
    two = explain_reports(ledger, "x", t)
    assert two.value == 0.0 and [v.reason for v in two.reports] == ["not_corroborated"] * 2
    ledger.ingest(
        [_report("rep3", "r3"), event("self", subject="x", type_="report.misconduct", reporter="x")]
    )
    three = explain_reports(ledger, "x", t)
    # three independent reporters of trust 1.0, reports made at as_of (no decay): 3.0
    assert three.value == pytest.approx(3.0) and three.groups == 3
    snap = compute_reports(ledger, t)
    assert snap.values == pytest.approx({"x": 3.0})
    exp = Scorer(ledger).explain("x", t)
    feats = {f.name: (f.value, f.points) for f in exp.features}
    # 3.0 >= 0.5 -> the [0.5, inf) bin: -30 points in the default table
    assert feats["corroborated_reports"] == (pytest.approx(3.0), -30)


def test_a_reporter_with_one_endorser_or_young_endorsers_has_not_earned_weight(
    ledger: Ledger, clock: FakeClock
) -> None:
    _reporting_ledger(ledger, clock)
    # r4 is endorsed by a alone: a single mutual endorsement, inherited trust
    # r5 is endorsed by a and by y, an account the ledger met today (backdated occurred_at:
    # a backfill the operator attests the ledger knows from today)
    load_history(
        ledger,
        [
            *_mutual("a", "r4"),
            *_mutual("a", "r5"),
            event("y-acct", subject="y", type_="account.opened", occurred_at=OLD_TIME),
            *_mutual("y", "r5"),
            *[_report(f"rep{i}", f"r{i}") for i in (1, 2, 4, 5)],
        ],
        known_from_us=clock(),
    )
    found = explain_reports(ledger, "x", parse_timestamp(AS_OF)).reports
    why = {v.reporter: v.reason for v in found}
    assert why["r4"] == why["r5"] == "unearned_reporter"
    # r1 and r2 (two aged endorsers each) are judged on their trust instead
    assert why["r1"] != "unearned_reporter" and why["r2"] != "unearned_reporter"


def test_accounts_backdated_by_their_source_are_fresh_on_the_ledger_clock(
    ledger: Ledger, clock: FakeClock
) -> None:
    _reporting_ledger(ledger, clock)
    # two more reporters whose source says they opened accounts in 2023 and 2024, sent
    # today: by occurred_at they would be old and a year apart (independent); on the
    # ledger's clock they are days old and came in together -> one group (under the
    # backdating bounds such history comes in a backfill; its approval attests the ledger
    # knows it from today, so the ledger's clock reads as it did for a live send)
    evs = [
        event("n1-acct", subject="n1", type_="account.opened", occurred_at=OLD_TIME),
        event("n2-acct", subject="n2", type_="account.opened", occurred_at="2024-01-01T00:00:00Z"),
    ]
    # n1 vouched for by p3 and q3, n2 by p2 and q2: vouchers of their own each
    evs += _mutual("p3", "n1") + _mutual("q3", "n1") + _mutual("p2", "n2") + _mutual("q2", "n2")
    load_history(ledger, evs, known_from_us=clock())
    clock.set("2026-09-05T00:00:00Z")
    ledger.ingest([_report("rep1", "r1"), _report("nrep1", "n1"), _report("nrep2", "n2")])
    found = explain_reports(ledger, "x", parse_timestamp("2026-09-05T00:00:00Z"))
    why = {v.reporter: v.reason for v in found.reports}
    assert found.value == 0.0 and found.groups == 2
    assert why["r1"] == "not_corroborated"
    assert sorted([why["n1"], why["n2"]]) == ["not_corroborated", "same_group"]


def test_only_a_verdict_that_removes_a_report_penalises_its_reporter(
    ledger: Ledger, clock: FakeClock
) -> None:
    _reporting_ledger(ledger, clock)
    ledger.ingest([_report("rep1", "r1"), _report("rep2", "r2"), _report("rep3", "r3")])
    t = parse_timestamp(AS_OF)
    # x disputes r1's report: open, it stops counting, but r1 is not penalised
    clock.set("2026-09-02T00:00:00Z")
    opened = open_dispute(ledger, "x", "rep1", "it was not me", now_us=clock(), actor="subject")
    later = clock()
    assert overturn_counts(ledger, later) == {}
    # x disputes r2's report too; the source checks it and upholds it: no penalty either
    second = open_dispute(ledger, "x", "rep2", "not true", now_us=clock(), actor="subject")
    resolve_dispute(ledger, second.dispute.dispute_id, "upheld", now_us=clock(), actor="op")
    assert overturn_counts(ledger, clock()) == {}
    # the first is removed by a verdict: now, and only from then on, r1 loses weight
    clock.set("2026-09-03T00:00:00Z")
    resolve_dispute(ledger, opened.dispute.dispute_id, "removed", now_us=clock(), actor="op")
    assert overturn_counts(ledger, clock()) == {"r1": 1}
    assert overturn_counts(ledger, later) == {}
    assert overturn_counts(ledger, t) == {}


def test_aged_blocks_endorsing_each_other_earn_nothing_and_honest_reports_still_count(
    ledger: Ledger, clock: FakeClock
) -> None:
    """The aged_reporters attack by hand: three blocks of three accounts, opened months
    apart at different banks, each member with one attack edge (an honest reporter or
    anchor accepted it) and two aged endorsers inside its block. Under the old rule
    (aged endorsers) each had three and the blocks were three independent groups."""
    _reporting_ledger(ledger, clock)
    honest = ["a", "g", "r1", "r2", "r3", "a", "g", "r1", "r2"]
    ties: list[dict[str, object]] = []
    for b, (start, bank) in enumerate(
        [("2025-02-01", "bank"), ("2025-04-01", "lender"), ("2025-06-01", "credit_union")]
    ):
        clock.set(f"{start}T00:00:00Z")
        block = [f"s{b}{i}" for i in range(3)]
        evs = [
            event(f"{s}-acct", subject=s, type_="account.opened", occurred_at=f"{start}T00:00:00Z")
            for s in block
        ]
        assert ledger.ingest([{**e, "source": bank} for e in evs]).accepted == 3
        for i, s in enumerate(block):
            ties += _mutual(s, honest[3 * b + i])
            ties += [e for o in block[i + 1 :] for e in _mutual(s, o)]
    clock.set(AS_OF)
    assert load_history(ledger, ties, known_from_us=clock()).accepted == len(ties)
    sybils = [f"s{b}{i}" for b in range(3) for i in range(3)]
    ledger.ingest([_report(f"srep-{s}", s) for s in sybils])
    t = parse_timestamp(AS_OF)
    found = explain_reports(ledger, "x", t)
    assert found.value == 0.0
    assert {v.reason for v in found.reports} == {"unearned_reporter"}
    # every sybil has three aged mutual endorsers (what used to be enough) ...
    snap = compute_trust(ledger, t, store=False)
    degree = {s: sum(1 for p in snap.ties if s in p) for s in sybils}
    assert set(degree.values()) == {3}
    # ... but only its one honest endorser is established
    assert {snap.earned.get(s, 0) for s in sybils} == {1}
    assert compute_reports(ledger, t).values == {"x": 0.0}
    # under the old rule (aged endorsers counted, three each) the blocks were three
    # independent groups of trusted reporters and the report was corroborated
    inputs = load_trust_inputs(ledger, t)
    old_rule = {
        s: ReporterInfo(int(f), str(src), degree.get(s, 2))
        for s, f, src in inputs.subjects.select("subject", "first_event_us", "first_source")
        .drop_nulls()
        .iter_rows()
    }
    was = corroborate_reports(
        inputs.reports,
        as_of_us=t,
        trust=snap.values,
        reporters=old_rule,
        ties=set(snap.ties),
        categories=CATS,
        settings=ReportSettings(),
    )["x"]
    assert was.groups == 3 and was.value >= 0.5
    # the honest reporters next to the blocks keep their standing (a and g, anchors);
    # their reports counting in full on a real population is tested in test_standing_world
    assert {snap.earned.get(f"r{i}") for i in (1, 2, 3)} == {2}


def _vouched(vouchers: dict[str, set[str]]) -> dict[str, ReporterInfo]:
    return {
        r: ReporterInfo(T - (400 + 90 * i) * DAY, f"src{i}", len(v), frozenset(v))
        for i, (r, v) in enumerate(vouchers.items())
    }


def test_one_voucher_cannot_lend_its_standing_to_many_reporters() -> None:
    # five reporters, each with its own honest endorser h_i and the same voucher V (an
    # account two honest people accepted): two established endorsers each, but V can
    # vouch for one of them only; the others are short of vouchers of their own
    infos = _vouched({f"r{i}": {f"h{i}", "V"} for i in range(1, 6)})
    rows = [(f"r{i}", "fraud", 0) for i in range(1, 6)]
    value, why = _run(_reports(*rows), dict.fromkeys(infos, 1.0), infos=infos)
    assert value == 0.0
    assert sorted(why.values()) == ["not_corroborated"] + ["shared_vouchers"] * 4
    # without the voucher sets (a caller that only counted) they were five witnesses
    counted = {r: ReporterInfo(i.first_event_us, i.first_source, 2) for r, i in infos.items()}
    value, _ = _run(_reports(*rows), dict.fromkeys(infos, 1.0), infos=counted)
    assert value == pytest.approx(5.0)


def test_honest_reporters_sharing_a_friend_still_count() -> None:
    # three honest reporters with a common friend f and endorsers of their own: each
    # claims two vouchers nobody else needs, so all three count
    infos = _vouched({"r1": {"f", "a1", "a2"}, "r2": {"f", "b1", "b2", "b3"}, "r3": {"f", "c1"}})
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)),
        {"r1": 1.0, "r2": 1.0, "r3": 1.0},
        infos=infos,
    )
    # r3 (fewest vouchers) claims first: c1 and f; r1 then a1, a2; r2 b1, b2
    assert value == pytest.approx(3.0) and set(why.values()) == {"counted"}


def test_the_most_constrained_reporter_claims_first_whatever_its_weight() -> None:
    # r2 is heavier and could take a and b; r1 has only a and b: claimed first, r2
    # takes the vouchers fewest others want (c, d), and both count
    infos = _vouched({"r1": {"a", "b"}, "r2": {"a", "b", "c", "d"}, "r3": {"e", "g"}})
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)),
        {"r1": 0.5, "r2": 1.0, "r3": 1.0},
        infos=infos,
    )
    assert value == pytest.approx(2.5) and set(why.values()) == {"counted"}
    # with c and d gone, r1 and r2 share a and b: as many vouchers each, so the heavier
    # r2 claims first and r1 is short; two witnesses, not three
    infos = _vouched({"r1": {"a", "b"}, "r2": {"a", "b"}, "r3": {"e", "g"}})
    value, why = _run(
        _reports(("r1", "fraud", 0), ("r2", "fraud", 0), ("r3", "fraud", 0)),
        {"r1": 0.5, "r2": 1.0, "r3": 1.0},
        infos=infos,
    )
    assert value == 0.0 and why["rep0"] == "shared_vouchers"


def test_reporters_vouched_for_by_one_account_are_one_witness_in_the_ledger(
    ledger: Ledger, clock: FakeClock
) -> None:
    """The vouched_reporters attack by hand: V, accepted by the anchors a and g, is
    established; n1, n2, n3 (opened months apart at three banks) each have one attack
    edge (r1, r2, r3) and V: two established endorsers each, no tie between them."""
    _reporting_ledger(ledger, clock)
    opened = [("V", "2024-02-01", "bank"), ("n1", "2025-02-01", "bank")]
    opened += [("n2", "2025-04-01", "lender"), ("n3", "2025-06-01", "credit_union")]
    for who, day, bank in opened:
        clock.set(f"{day}T00:00:00Z")
        acct = event(f"{who}-acct", subject=who, type_="account.opened", occurred_at=clock_iso(day))
        assert ledger.ingest([{**acct, "source": bank}]).accepted == 1
    clock.set(AS_OF)
    ties = _mutual("V", "a") + _mutual("V", "g")
    for i in (1, 2, 3):
        ties += _mutual(f"n{i}", f"r{i}") + _mutual(f"n{i}", "V")
    assert load_history(ledger, ties, known_from_us=clock()).accepted == len(ties)
    ledger.ingest([_report(f"nrep{i}", f"n{i}") for i in (1, 2, 3)])
    t = parse_timestamp(AS_OF)
    snap = compute_trust(ledger, t, store=False)
    assert {i: snap.vouchers[f"n{i}"] for i in (1, 2, 3)} == {
        i: frozenset({f"r{i}", "V"}) for i in (1, 2, 3)
    }
    found = explain_reports(ledger, "x", t)
    why = [v.reason for v in found.reports]
    # V vouches for one of them; the two others are short of vouchers of their own
    assert why.count("shared_vouchers") == 2 and len(why) == 3
    assert "counted" not in why
    assert found.value == 0.0 and compute_reports(ledger, t).values == {"x": 0.0}


def clock_iso(day: str) -> str:
    return f"{day}T00:00:00Z"
