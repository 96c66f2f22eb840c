"""Human review of an automated decision (GDPR Art. 22(3)), through the app layer."""

from __future__ import annotations

import pytest

from glasscredit import app as gc
from glasscredit.exceptions import ConflictError, NotFoundError, ValidationError
from glasscredit.policy import parse_timestamp
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

DAY_US = 86_400_000_000


def _ctx(ledger: Ledger, clock: FakeClock) -> gc.Context:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events())
    ctx = gc.Context.of_ledger(ledger)
    gc.score(ctx)
    return ctx


def test_review_queue_deadline_outcome_and_audit(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    r = gc.request_review(
        ctx,
        "s1",
        "perk",
        "credit_stay",
        "I was refused a hotel stay; my late payment was a bank error",
    )
    # the score the decision rested on, and a month (the policy's default) to answer
    assert (r.status, r.score, r.overdue) == ("open", 600, False)
    assert parse_timestamp(r.deadline) - parse_timestamp(r.requested_at) == 30 * DAY_US
    clock.set("2026-10-01T00:00:00Z")  # exactly the deadline: not yet overdue
    assert [v.overdue for v in gc.list_reviews(ctx, status="open").reviews] == [False]
    clock.set("2026-10-01T00:00:01Z")
    assert [v.overdue for v in gc.list_reviews(ctx, status="open").reviews] == [True]
    done = gc.decide_review(
        ctx,
        r.review_id,
        "changed",
        "The late payment is under dispute; the stay is granted.",
        actor="operator:ana",
    )
    assert (done.status, done.decided_by, done.overdue) == ("changed", "operator:ana", True)
    assert done.reasons == "The late payment is under dispute; the stay is granted."
    assert gc.list_reviews(ctx, status="open").reviews == []
    with pytest.raises(ConflictError, match="decide_once"):
        gc.decide_review(ctx, r.review_id, "confirmed", "again")
    acts = [(e.action, e.details) for e in ledger.audit.entries() if e.action.startswith("review")]
    assert [a for a, _ in acts] == ["review.request", "review.decide"]
    assert acts[1][1] == {"review": r.review_id, "outcome": "changed", "late": True}
    # free text never enters the audit log (erasure could not clear it there)
    assert all("bank error" not in str(d) and "granted" not in str(d) for _, d in acts)
    assert ledger.verify_audit().ok


def test_review_deadline_is_the_policys(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    policy = ledger.policy.model_copy(
        update={"disputes": ledger.policy.disputes.model_copy(update={"review_deadline": "7d"})}
    )
    short = gc.Context(ctx.settings, policy, clock, ledger=Ledger(ledger.url, policy, clock=clock))
    r = gc.request_review(short, "s1", "tier", "good", "my tier is too low")
    assert parse_timestamp(r.deadline) - parse_timestamp(r.requested_at) == 7 * DAY_US
    short.ledger.close()


def test_review_refusals(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    before = len(ledger.audit.entries())
    for args, field in (
        (("s1", "loan", "good", "why"), "kind"),
        (("s1", "tier", "platinum", "why"), "about"),
        (("s1", "partner", "nobank", "why"), "about"),
        (("s1", "tier", "good", "  "), "point_of_view"),
        (("s1", "tier", "good", "x" * 2001), "point_of_view"),
    ):
        with pytest.raises(ValidationError) as err:
            gc.request_review(ctx, *args)
        assert err.value.errors[0].field == field
    with pytest.raises(ValidationError, match="no_id_in_audit"):
        gc.request_review(ctx, "s1", "tier", "good", "why", actor="user:s1")
    with pytest.raises(NotFoundError):
        gc.request_review(ctx, "nobody", "partner", "bank", "why")
    with pytest.raises(NotFoundError):
        gc.decide_review(ctx, 99, "confirmed", "fine")
    r = gc.request_review(ctx, "s1", "partner", "bank", "the bank declined me")
    with pytest.raises(ValidationError):
        gc.decide_review(ctx, r.review_id, "maybe", "fine")
    with pytest.raises(ValidationError):
        gc.decide_review(ctx, r.review_id, "confirmed", "")
    assert len(ledger.audit.entries()) == before + 1


def test_erasure_removes_reviews(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    gc.request_review(ctx, "s1", "tier", "good", "please look again")
    gc.erase_subject(ctx, "s1")
    assert ledger.reviews.find() == []
    assert ledger.verify_audit().ok
