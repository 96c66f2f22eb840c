"""The application layer's use cases on SQLite and PostgreSQL, with their typed results.

The subject ``s1`` of tests/rights/_helpers.py scores 600 as of 2026-09-01 (645 without
its loan default, worked out by hand in tests/scoring/test_hand_computed.py). Its history
(2020 to 2026) is loaded as production loads a partner's past: through an approved
backfill (the policy refuses events that old live); events of the test's present stay live.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from glasscredit import app
from glasscredit.config import Settings
from glasscredit.exceptions import IngestFileError, NotFoundError, ValidationError
from glasscredit.policy import DAY_US, MONTH_US, Policy
from glasscredit.rights import EXPORT_FORMAT
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events


@pytest.fixture
def ctx(ledger: Ledger) -> Iterator[app.Context]:
    c = app.Context.of_ledger(ledger)
    try:
        yield c
    finally:
        c.close()


def _history(ctx: app.Context, rows: list[dict[str, object]]) -> None:
    """Load ``rows`` (history) through one approved backfill per source."""
    load_history(ctx.ledger, rows, actor="ingest")


def _bank_backfill(ctx: app.Context) -> int:
    """The operator's approval of the bank's past (the use case), known as it happened."""
    return app.approve_backfill(
        ctx,
        source="bank",
        occurred_from="2020-01-01T00:00:00Z",
        occurred_to="2026-09-01T00:00:00Z",
        known_from="2020-01-01T00:00:00Z",
        approved_by="operator:ana",
        reason="the bank's records before it joined",
    ).backfill_id


def _roundtrip(result: app.AppModel) -> object:
    """The JSON form survives strict JSON (no NaN, nothing unserialisable)."""
    return json.loads(json.dumps(result.as_json(), allow_nan=False))


def test_ingest_events_and_audit(ctx: app.Context, policy: Policy) -> None:
    info = app.init_ledger(ctx)
    assert info.dialect in ("sqlite", "postgresql") and info.policy_hash == policy.hash
    bad = event("x1", occurred_at="2026-01-01T00:00:00Z", religion="x")
    past = _bank_backfill(ctx)
    res = app.ingest_records(ctx, [*s1_events(), bad], backfill=past)
    assert isinstance(res, app.IngestResult)
    assert (res.input, res.accepted, res.invalid, res.rejected) == (17, 16, 1, 1)
    assert (res.errors[0].row, res.errors[0].field) == (17, "attributes.religion")
    assert _roundtrip(res) == res.as_json()
    again = app.ingest_records(ctx, s1_events(), backfill=past)
    assert (again.accepted, again.duplicates) == (0, 16)
    evs = app.events_of(ctx, "s1")
    assert isinstance(evs, app.EventList) and len(evs.events) == 16
    assert [e.occurred_at for e in evs.events] == sorted(e.occurred_at for e in evs.events)
    assert evs.events[1].attributes == {"level": 3}
    with pytest.raises(NotFoundError):
        app.events_of(ctx, "nobody")
    audit = app.verify_audit(ctx)
    assert audit.ok and audit.events == 16 and audit.error() is None
    counts = app.ledger_counts(ctx)
    assert (counts.events, counts.subjects, counts.by_type["payment.on_time"]) == (16, 1, 12)


def test_ingest_file_reports_rows(ctx: app.Context, tmp_path: Path) -> None:
    f = tmp_path / "e.jsonl"
    f.write_text("\n".join(json.dumps(e) for e in s1_events()) + "\n{not json\n")
    res = app.ingest_file(ctx, f, backfill=_bank_backfill(ctx))
    assert (res.input, res.accepted, res.invalid) == (17, 16, 1)
    assert res.errors[0].row == 17


def test_score_explain_history_verify(ctx: app.Context, clock: FakeClock, policy: Policy) -> None:
    _history(ctx, s1_events())
    run = app.score(ctx)
    assert isinstance(run, app.ScoreRun)
    assert (run.subjects, run.stored, run.tiers) == (1, 1, {"good": 1})
    assert [t.tier for t in run.distribution] == [t.name for t in policy.tiers]
    assert sum(t.subjects for t in run.distribution) == 1 and run.percentiles["p50"] == 600
    exp = app.explain(ctx, "s1")
    assert isinstance(exp, app.Explanation)
    assert (exp.score, exp.tier, exp.points_total) == (600, "good", 600)
    assert exp.range == policy.score_range and _roundtrip(exp)["range"] == list(policy.score_range)  # type: ignore[index]
    defaults = next(f for f in exp.features if f.name == "defaults_7y")
    assert (defaults.value, defaults.points) == (1.0, -35)
    assert exp.events["defaults_7y"][0].event_id == "s1-default"
    before_default = app.explain(ctx, "s1", as_of_us=app.parse_time("2026-04-01T00:00:00Z"))
    assert before_default.as_of == "2026-04-01T00:00:00Z"
    assert app.score(ctx, only_changed=True).subjects == 0
    with pytest.raises(NotFoundError):
        app.current_score(ctx, "nobody")
    assert app.current_score(ctx, "s1").score == 600
    with pytest.raises(NotFoundError):  # nothing is stored for a subject nobody reported
        app.score(ctx, subjects=["s1", "nobody"])
    with pytest.raises(NotFoundError):  # an unknown subject has no history (exit 4)
        app.history(ctx, "nobody")
    # a loan repaid: only s1 is rescored, and the change is noticed
    clock.now_us += DAY_US
    app.ingest_records(ctx, [event("s1-repaid", "s1", "loan.repaid", "2026-09-01T08:00:00Z")])
    changed = app.score(ctx, only_changed=True, subjects=None)
    assert (changed.subjects, changed.stored) == (1, 1)
    hist = app.history(ctx, "s1")
    assert isinstance(hist, app.ScoreHistory) and len(hist.scores) == 2
    assert hist.scores[0].detail.f["defaults_7y"] == (1.0, -35)
    notice = hist.notices[-1]
    assert changed.changed == 1 and notice.score_id == hist.scores[-1].score_id
    moved = notice.features["loans_repaid_5y"]
    assert (moved.old_value, moved.new_value) == (0.0, 1.0) and moved.delta > 0
    assert (notice.old_score, notice.new_score) == (600, 600 + moved.delta)
    assert [e.event_id for e in moved.events] == ["s1-repaid"] and notice.lines
    for s in hist.scores:
        check = app.verify_score(ctx, s.score_id)
        assert isinstance(check, app.ScoreVerification) and check.identical
    with pytest.raises(NotFoundError):
        app.verify_score(ctx, 999_999)
    # as of a past time: a read (issue 11), never stored, never the current score
    current = app.current_score(ctx, "s1")
    with pytest.raises(ValidationError) as past:
        app.score_subject(ctx, "s1", as_of_us=app.parse_time("2026-04-01T00:00:00Z"))
    assert past.value.errors[0].rule == "past"
    run = app.score(ctx, as_of_us=app.parse_time("2026-04-01T00:00:00Z"), subjects=["s1"])
    assert run.historical and (run.subjects, run.stored) == (1, 0)
    assert run.percentiles["p50"] == before_default.score
    assert app.current_score(ctx, "s1") == current
    with pytest.raises(ValidationError) as err:
        app.parse_time("yesterday", "--as-of")
    assert err.value.errors[0].field == "--as-of"


def test_what_if_offers_the_policys_actions(ctx: app.Context, policy: Policy) -> None:
    _history(ctx, s1_events())
    offered = app.what_if_actions(ctx)
    assert [a.name for a in offered.actions] == [a.name for a in policy.whatif_actions]
    spec = policy.action("pay_on_time")
    w = app.what_if(ctx, "s1", actions={"pay_on_time": 3})
    assert isinstance(w, app.WhatIf) and w.before.score == 600
    on_time = next(c for c in w.changes if c.feature == "on_time_payments_24m")
    assert (on_time.old_value, on_time.new_value) == (12.0, 15.0)
    # the action is exactly its declared events, one a period
    now = ctx.now()
    same = app.what_if(
        ctx,
        "s1",
        events=[
            {
                "event_id": f"h{i}",
                "subject": "s1",
                "source": spec.source,
                "type": spec.type,
                "occurred_at": _iso(now + i * MONTH_US),
                "attributes": dict(spec.attributes),
            }
            for i in (1, 2, 3)
        ],
    )
    assert same.after == w.after and same.hypothesis_at == w.hypothesis_at
    set_id = app.what_if(ctx, "s1", set_values={"identity_level": 1})
    assert set_id.after.score < set_id.before.score
    for bad, rule in (({"fly": 1}, "declared_action"), ({"pay_on_time": -1}, "non_negative")):
        with pytest.raises(ValidationError) as err:
            app.what_if(ctx, "s1", actions=bad)
        assert err.value.errors[0].rule == rule
    with pytest.raises(ValidationError) as err:
        app.what_if(ctx, "s1", horizon="soon")
    assert err.value.errors[0].field == "horizon"


def _iso(us: int) -> str:
    from glasscredit.policy import from_us

    return from_us(us).isoformat().replace("+00:00", "Z")


def test_next_tier(ctx: app.Context) -> None:
    _history(ctx, s1_events())
    nt = app.next_tier(ctx, "s1")
    assert isinstance(nt, app.NextTier)
    assert (nt.tier, nt.next_tier, nt.needs) == ("good", "very_good", 50)
    assert nt.paths and all(p.score >= 650 for p in nt.paths)


def test_disputes_export_erasure(ctx: app.Context, clock: FakeClock, tmp_path: Path) -> None:
    _history(ctx, s1_events())
    clock.now_us += DAY_US  # the dispute comes after the events were recorded
    opened = app.open_dispute(ctx, "s1", "s1-default", "not mine")
    assert isinstance(opened, app.DisputeOutcome)
    assert (opened.score_before, opened.score_after, opened.delta) == (600, 645, 45)
    assert opened.notice is not None and opened.notice.delta == 45
    assert opened.dispute.status == "open" and opened.dispute.opened_by == "subject"
    listed = app.list_disputes(ctx, source="bank")
    assert [d.status for d in listed.disputes] == ["open"]
    assert listed.notices is not None and [n.kind for n in listed.notices] == ["opened"]
    stats = app.dispute_stats(ctx)
    assert stats.sources["bank"].disputes == 1 and stats.sources["bank"].open == 1
    clock.now_us += DAY_US
    resolved = app.resolve_dispute(ctx, 1, "upheld", actor="operator:ana")
    assert (resolved.score_before, resolved.score_after) == (645, 600)
    assert resolved.dispute.resolved_by == "operator:ana"
    clock.now_us += DAY_US
    app.open_dispute(ctx, "s1", "s1-late", "paid on time")
    clock.now_us += 31 * DAY_US
    expired = app.expire_disputes(ctx)
    assert [(d.event_id, d.status) for d in expired.disputes] == [("s1-late", "removed")]
    export = app.export_subject(ctx, "s1", html=True)
    assert export.format == EXPORT_FORMAT and export.html is not None
    assert export.html.startswith("<!doctype html>")
    check = app.verify_export_document(export.document)
    assert isinstance(check, app.ExportVerification) and check.identical, check.problems
    file = tmp_path / "s1.json"
    file.write_text(export.text())
    assert app.verify_export_file(file).recomputed_score == check.recomputed_score
    file.write_text("[1, 2]")
    with pytest.raises(ValidationError) as err:
        app.verify_export_file(file)
    assert err.value.errors[0].rule == "object"
    file.write_text("{not json")
    with pytest.raises(IngestFileError):
        app.verify_export_file(file)
    erased = app.erase_subject(ctx, "s1")
    assert isinstance(erased, app.Erasure) and erased.events == 16
    # the person is told what is kept, why, and how to start again, in plain words
    told = " ".join(erased.message)
    assert "16 record(s)" in told and "What is kept, and why" in told
    assert "How to start again" in told and "s1" not in told
    with pytest.raises(NotFoundError):
        app.erase_subject(ctx, "s1")
    with pytest.raises(NotFoundError):
        app.events_of(ctx, "s1")
    assert app.verify_audit(ctx).ok


def test_trust_reports_and_bursts(ctx: app.Context) -> None:
    _history(
        ctx,
        [
            event("a-id", "a", "identity.verified", "2023-01-01T00:00:00Z", level=3),
            event("ab", "b", "endorsement", endorser="a"),
            event("ba", "a", "endorsement", endorser="b"),
            event("r1", "b", "report.misconduct", reporter="a"),
        ],
    )
    trust = app.compute_trust(ctx)
    assert isinstance(trust, app.TrustSummary)
    # a's identity comes from one source and a has one endorsement: not a seed, so trust
    # starts nowhere (docs/trust.md: seeds need two identity sources and three edges)
    assert (trust.subjects, trust.edges, trust.seeds, trust.reached) == (2, 1, 0, 0)
    assert trust.stored and trust.alert is None and trust.eligible == 0
    reports = app.compute_reports(ctx)
    assert reports.targets == 1 and reports.corroborated == 0  # one reporter: no corroboration
    why = app.explain_reports(ctx, "b")
    assert [(r.event_id, r.counted) for r in why.reports] == [("r1", False)]
    # 20 subjects x 10 on-time payments from one source in one day: a burst
    burst = [
        event(f"p{s}-{i}", f"u{s}", occurred_at=f"2026-08-30T{10 + i:02d}:00:00Z")
        for s in range(20)
        for i in range(10)
    ]
    app.ingest_records(ctx, burst)
    with pytest.raises(ValidationError):
        app.find_bursts(ctx, days=0)
    scan = app.find_bursts(ctx, days=7)
    assert [(b.source, b.subjects, b.events) for b in scan.bursts] == [("bank", 20, 200)]
    assert scan.held == 0
    held = app.find_bursts(ctx, days=7, hold=True)
    assert held.held == 200
    freed = app.release_burst(ctx, held.bursts[0].ref)
    assert isinstance(freed, app.BurstRelease) and freed.events == 200
    assert app.verify_audit(ctx).ok


def test_monitor_stored_scores(ctx: app.Context, policy: Policy) -> None:
    _history(ctx, [e for s in ("s1", "s2", "s3") for e in s1_events(s)])
    ref_t, cur_t = app.parse_time("2026-08-01T00:00:00Z"), app.parse_time("2026-09-01T00:00:00Z")
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    clock.now_us = ref_t  # stored scores are scored at their time (a past time is a read)
    app.score(ctx, as_of_us=ref_t)
    clock.now_us = cur_t
    app.score(ctx, as_of_us=cur_t)
    reference = app.parse_period("2026-07-31T00:00:00Z/2026-08-02T00:00:00Z", "--reference")
    one = app.monitor(ctx, reference, current=(cur_t - DAY_US, cur_t + DAY_US))
    assert isinstance(one, app.Monitoring) and len(one.periods) == 1
    period = one.periods[0]
    assert (period.reference_subjects, period.current_subjects) == (3, 3)
    assert {s.column for s in period.shifts} == {"score", *policy.dimensions}
    monthly = app.monitor(ctx, reference, until_us=cur_t + DAY_US)
    assert [p.current_subjects for p in monthly.periods] == [3]
    with pytest.raises(ValidationError) as err:
        app.parse_period("2026-07-31T00:00:00Z", "--reference")
    assert (err.value.errors[0].field, err.value.errors[0].rule) == ("--reference", "period")


def test_demo_twice_stores_nothing_twice(ctx: app.Context) -> None:
    first = app.demo(ctx, subjects=60, seed=3)
    assert isinstance(first, app.DemoResult)
    assert first.ingest.accepted == first.ingest.input > 0 and first.audit.ok
    assert first.scores.subjects == first.counts.subjects == 60
    assert first.example.score == first.example.points_total
    with pytest.raises(ValidationError):
        app.demo(ctx, subjects=0)
    again = app.demo(ctx, subjects=60, seed=3)
    assert again.ingest.duplicates == first.ingest.input and again.scores.subjects == 0


def test_red_team_needs_the_policy_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    with app.Context.open(Settings(database_url=url)) as ctx:
        res = app.red_team(ctx, honest=500, seed=1)
    assert isinstance(res, app.RedTeamResult) and res.n_honest == 500
    names = [a.name for a in res.attacks]
    assert names[0] == "a_sybil_ring" and len(names) == len(set(names)) == 5
    assert 0.5 < res.trust_auc <= 1.0
    assert all(isinstance(v, (int, float, str)) for a in res.attacks for v in a.detail.values())
    assert not (tmp_path / "never.db").exists()  # the ledger is opened on first use only


def test_a_score_read_names_the_ledger_position_and_snapshots_it_rests_on(
    ctx: app.Context, clock: FakeClock
) -> None:
    _history(ctx, s1_events())
    _history(ctx, s1_events("s2"))  # later positions, another subject's
    newest_s1 = max(e.seq for e in ctx.ledger.events_of("s1"))
    app.score(ctx)
    first = app.current_score(ctx, "s1").reflects
    assert first is not None and first.ledger_seq == newest_s1
    assert first.snapshots == {"reports": None, "trust": None}
    clock.now_us += DAY_US
    app.compute_reports(ctx)
    clock.now_us += DAY_US
    app.ingest_records(ctx, [event("s1-repaid", "s1", "loan.repaid", "2026-09-01T08:00:00Z")])
    app.score(ctx, subjects=["s1"])
    second = app.current_score(ctx, "s1").reflects
    assert second is not None and second.ledger_seq > newest_s1
    assert second.snapshots["reports"] == ctx.ledger.snapshots.versions("reports")[-1].version
    hist = app.history(ctx, "s1").scores
    assert [s.reflects for s in hist] == [first, second]
