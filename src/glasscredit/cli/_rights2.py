"""The scored person's second-round rights: review request|decide|list, statement
set|show|remove, adverse record|list.

Everything a person or an operator wrote is shown escaped (``safe``): it is free text.
"""

from __future__ import annotations

from typing import Annotated

import typer

from glasscredit import app as gc
from glasscredit.cli._common import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_context,
    print_table,
    safe,
)

__all__ = ["register"]


def _print_review(r: gc.ReviewView) -> None:
    score = "no score" if r.score is None else f"score {r.score}"
    console.print(
        f"review {r.review_id}: {safe(r.kind)} {safe(r.about)} ({score}), "
        f"[bold]{safe(r.status)}[/], deadline {r.deadline}"
        + (" [red]overdue[/]" if r.overdue else "")
    )
    console.print(f"  point of view: {safe(r.point_of_view)}")
    if r.reasons is not None:
        console.print(f"  decided by {safe(r.decided_by)} at {r.decided_at}: {safe(r.reasons)}")


def _print_queue(rows: list[gc.ReviewView]) -> None:
    print_table(
        "reviews (soonest deadline first)",
        ("id", "subject", "kind", "about", "requested", "deadline", "status"),
        (
            (
                str(r.review_id),
                safe(r.subject),
                safe(r.kind),
                safe(r.about),
                r.requested_at[:10],
                r.deadline[:10] + (" overdue" if r.overdue else ""),
                safe(r.status),
            )
            for r in rows
        ),
    )


def _register_reviews(app: typer.Typer) -> None:
    review = typer.Typer(
        no_args_is_help=True,
        help="Ask for a person to review an automated decision (GDPR Art. 22(3)).",
    )
    app.add_typer(review, name="review")

    @review.command("request")
    def request_cmd(
        subject: str,
        kind: Annotated[str, typer.Argument(help="tier, perk or partner")],
        about: Annotated[str, typer.Argument(help="the tier, the perk or the partner (source)")],
        why: Annotated[str, typer.Option("--why", help="the subject's point of view")],
        by: ByOption = "subject",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Ask that a person review SUBJECT's tier, a perk refusal or a partner's decision."""
        with open_context(db, policy) as ctx:
            res = gc.request_review(ctx, subject, kind, about, why, actor=by)
        emit_json(res.as_json()) if as_json else _print_review(res)

    @review.command("decide")
    def decide_cmd(
        review_id: IdArgument,
        outcome: Annotated[str, typer.Argument(help="confirmed or changed")],
        reasons: Annotated[str, typer.Option("--reasons", help="why, in plain words")],
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Decide a review: confirmed or changed, with the reasons the subject will read."""
        with open_context(db, policy) as ctx:
            res = gc.decide_review(ctx, review_id, outcome, reasons, actor=by)
        emit_json(res.as_json()) if as_json else _print_review(res)

    @review.command("list")
    def list_cmd(
        subject: Annotated[str | None, typer.Option(help="one subject's")] = None,
        status: Annotated[str | None, typer.Option(help="open, confirmed, changed")] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The review queue, soonest deadline first (overdue ones marked)."""
        with open_context(db, policy) as ctx:
            res = gc.list_reviews(ctx, subject=subject, status=status)
        emit_json(res.as_json()) if as_json else _print_queue(res.reviews)


def _register_statements(app: typer.Typer) -> None:
    statement = typer.Typer(
        no_args_is_help=True,
        help="The person's own statement, delivered with every score read (never scored).",
    )
    app.add_typer(statement, name="statement")

    @statement.command("set")
    def set_cmd(
        subject: str,
        text: Annotated[str, typer.Argument(help="at most 100 words and 700 characters")],
        by: ByOption = "subject",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Attach (or replace) SUBJECT's statement."""
        with open_context(db, policy) as ctx:
            res = gc.set_statement(ctx, subject, text, actor=by)
        emit_json(res.as_json()) if as_json else console.print(f"statement set at {res.at}")

    @statement.command("show")
    def show_cmd(
        subject: str, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """SUBJECT's statement."""
        with open_context(db, policy) as ctx:
            res = gc.get_statement(ctx, subject)
        emit_json(res.as_json()) if as_json else console.print(safe(res.text))

    @statement.command("remove")
    def remove_cmd(
        subject: str,
        by: ByOption = "subject",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Withdraw SUBJECT's statement."""
        with open_context(db, policy) as ctx:
            res = gc.remove_statement(ctx, subject, actor=by)
        if as_json:
            emit_json(res.as_json())
        else:
            console.print("statement removed" if res.removed else "there was no statement")


def _print_notice(n: gc.AdverseNotice) -> None:
    lo, hi = n.score_range
    console.print(
        f"notice {n.notice_id}: on {n.at[:10]} {safe(n.source)} {safe(n.action)} you on the "
        f"basis of your score, [bold]{n.score}[/] (scores run from {lo} to {hi}; "
        f"as of {n.scored_as_of[:10]})"
    )
    console.print("the main things that lowered your score:")
    for f in n.factors:
        console.print(f"  {safe(f.text)} ({f.points_below_max} points below the most)")
    console.print("your rights:")
    for line in n.rights:
        console.print(f"  {safe(line)}")


def _register_adverse(app: typer.Typer) -> None:
    adverse = typer.Typer(
        no_args_is_help=True,
        help="Adverse-action notices (FCRA 615): a partner acted on the score; the person is told.",
    )
    app.add_typer(adverse, name="adverse")

    @adverse.command("record")
    def record_cmd(
        subject: str,
        source: Annotated[str, typer.Argument(help="the partner (a source of the policy)")],
        action: Annotated[str, typer.Argument(help="declined or priced")],
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Record that SOURCE declined or priced SUBJECT on their score; print the notice."""
        with open_context(db, policy) as ctx:
            res = gc.record_adverse_action(ctx, subject, source, action, actor=by)
        emit_json(res.as_json()) if as_json else _print_notice(res)

    @adverse.command("list")
    def list_cmd(
        subject: str, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """The adverse-action notices SUBJECT received."""
        with open_context(db, policy) as ctx:
            res = gc.adverse_notices(ctx, subject)
        if as_json:
            emit_json(res.as_json())
            return
        for n in res.notices:
            _print_notice(n)


def register(app: typer.Typer) -> None:
    _register_reviews(app)
    _register_statements(app)
    _register_adverse(app)
