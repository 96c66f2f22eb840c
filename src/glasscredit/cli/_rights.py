"""The scored person's rights: dispute open|resolve|list|stats|expire, export, erase,
verify-export.

Every dispute command first resolves the disputes past their deadline in the subject's
favour (the application layer does), so a deadline never depends on someone
remembering to run a job.
"""

from __future__ import annotations

from pathlib import Path
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
    plain,
    print_table,
    safe,
    write_said,
)
from glasscredit.cli._corrections import correct_option

__all__ = ["register"]


def _print_result(res: gc.DisputeOutcome) -> None:
    d = res.dispute
    console.print(
        f"dispute {d.dispute_id} on {safe(d.event_id)} ({safe(d.source)}): "
        f"[bold]{safe(d.status)}[/]" + (f", deadline {d.deadline}" if d.status == "open" else "")
    )
    before = "none" if res.score_before is None else str(res.score_before)
    console.print(f"score {before} -> [bold]{res.score_after}[/]")
    if d.resolution:
        console.print(f"why: {safe(d.resolution)}")
    for line in res.notice.lines if res.notice else []:
        console.print(f"  {safe(line)}")
    if res.effect is not None:
        console.print(f"while open: {safe(res.effect.text)}")
    if res.freeze is not None and not res.freeze.immediate:
        console.print(f"[bold]disputes:[/] {safe(res.freeze.text)}")
    for x in res.expired:
        console.print(f"dispute {x.dispute_id} passed its deadline: removed")


def _print_disputes(rows: list[gc.DisputeView]) -> None:
    print_table(
        "disputes",
        ("id", "event", "source", "opened", "deadline", "status", "resolved by"),
        (
            (
                str(d.dispute_id),
                safe(d.event_id) if d.event_id else "(erased)",
                safe(d.source),
                d.opened_at[:10],
                d.deadline[:10],
                safe(d.status),
                safe(d.resolved_by or ""),
            )
            for d in rows
        ),
    )


_STATS = ("source", "events", "disputes", "open", "dispute rate", "overturn rate")


def _print_stats(stats: gc.DisputeStats) -> None:
    print_table(
        "disputes per source",
        _STATS,
        (
            (
                safe(src),
                f"{s.events:,}",
                str(s.disputes),
                str(s.open),
                "-" if s.dispute_rate is None else f"{s.dispute_rate:.2%}",
                "-" if s.overturn_rate is None else f"{s.overturn_rate:.0%}",
            )
            for src, s in stats.sources.items()
        ),
        right=_STATS[1:],
    )


def _register_disputes(app: typer.Typer) -> None:
    dispute = typer.Typer(
        no_args_is_help=True,
        help="Contest a record; it stops counting at "
        "once until an operator resolves it or the deadline passes.",
    )
    app.add_typer(dispute, name="dispute")

    @dispute.command("open")
    def open_cmd(
        subject: str,
        event_id: str,
        reason: Annotated[str, typer.Option("--reason", help="why it is wrong")],
        source: Annotated[
            str | None,
            typer.Option(
                "--source", help="the event's source (needed when two sources used the id)"
            ),
        ] = None,
        correct: Annotated[
            str | None,
            typer.Option(
                "--correct",
                help="ATTRIBUTE=VALUE: ask the source to correct this instead of removing "
                "the record, e.g. days_late=12",
            ),
        ] = None,
        by: ByOption = "subject",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Open a dispute on one of SUBJECT's events; show the score before and after."""
        asked = correct_option(correct)
        with open_context(db, policy) as ctx:
            res = gc.open_dispute(
                ctx, subject, event_id, reason, actor=by, source=source, correct=asked
            )
        emit_json(res.as_json()) if as_json else _print_result(res)

    @dispute.command("resolve")
    def resolve_cmd(
        dispute_id: IdArgument,
        outcome: Annotated[str, typer.Argument(help="upheld or removed")],
        reasons: Annotated[
            str | None, typer.Option("--reasons", help="why, in plain words (shown to the person)")
        ] = None,
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Resolve a dispute: upheld (counts again from now) or removed (never again)."""
        with open_context(db, policy) as ctx:
            res = gc.resolve_dispute(ctx, dispute_id, outcome, actor=by, reasons=reasons)
        emit_json(res.as_json()) if as_json else _print_result(res)

    @dispute.command("inform")
    def inform_cmd(
        dispute_id: IdArgument,
        information: Annotated[str, typer.Option("--information", help="what is new")],
        by: ByOption = "subject",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The person brings new information: the deadline moves by 15 days, once."""
        with open_context(db, policy) as ctx:
            d = gc.add_dispute_information(ctx, dispute_id, information, actor=by)
        emit_json(d.as_json()) if as_json else console.print(f"new deadline {d.deadline}")

    @dispute.command("respond")
    def respond_cmd(
        dispute_id: IdArgument,
        source: Annotated[str, typer.Option("--source", help="the record's source")],
        response: Annotated[str, typer.Option("--response", help="what the source found")],
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Record what the dispute's source found (shown to the person in their export)."""
        with open_context(db, policy) as ctx:
            d = gc.respond_to_dispute(ctx, dispute_id, source, response, actor=by)
        emit_json(d.as_json()) if as_json else console.print(f"recorded at {d.source_responded_at}")

    @dispute.command("list")
    def list_cmd(
        subject: Annotated[str | None, typer.Option(help="one subject's")] = None,
        source: Annotated[str | None, typer.Option(help="one source's")] = None,
        status: Annotated[str | None, typer.Option(help="open, upheld, removed")] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """List disputes (after resolving those past their deadline)."""
        with open_context(db, policy) as ctx:
            res = gc.list_disputes(ctx, subject=subject, source=source, status=status)
        if as_json:
            emit_json(res.as_json())
            return
        _print_disputes(res.disputes)
        for n in res.notices or []:
            console.print(
                f"told {safe(source)} at {n.at}: dispute {n.dispute_id} "
                f"{safe(n.kind)}" + (f" ({safe(n.outcome)})" if n.outcome else "")
            )

    @dispute.command("stats")
    def stats_cmd(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Dispute and overturn rates per source (they feed the trust of reporters)."""
        with open_context(db, policy) as ctx:
            stats = gc.dispute_stats(ctx)
        emit_json(stats.as_json()["sources"]) if as_json else _print_stats(stats)

    @dispute.command("expire")
    def expire_cmd(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Resolve every dispute past its deadline in the subject's favour (removed)."""
        with open_context(db, policy) as ctx:
            done = gc.expire_disputes(ctx)
        if as_json:
            emit_json(done.as_json()["disputes"])
        else:
            console.print(f"{len(done.disputes)} dispute(s) passed their deadline and were removed")


def register(app: typer.Typer) -> None:
    _register_disputes(app)

    @app.command("export")
    def export_cmd(
        subject: str,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="write the JSON here (default: standard output)"),
        ] = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="also write a readable, self-contained page")
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Everything held about SUBJECT, with what is needed to recompute the score."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.export_subject(ctx, subject, html=html is not None)
        if out is None:
            typer.echo(res.text())
        else:
            write_said(out, res.text() + "\n", "out")
        if html is not None and res.html is not None:
            write_said(html, res.html, "html")

    @app.command("verify-export")
    def verify_export_cmd(file: Path, as_json: JsonOption = False) -> None:
        """Recompute the score in an export from the file alone (no database, offline)."""
        res = gc.verify_export_file(file)
        if as_json:
            emit_json(res.as_json())
        elif res.identical:
            checked = [h for h in res.history if h.checked]
            console.print(
                f"[green]identical[/]: {safe(res.subject)} scores "
                f"{res.recomputed_score} as of {safe(res.as_of)}, recomputed "
                f"from the export alone; {len(checked)} stored score(s) of the "
                "history reproduce too"
            )
        else:
            console.print("[red]the export does not reproduce[/]:")
            for line in res.problems:
                console.print(f"  {safe(line)}")
        if not res.identical:
            raise typer.Exit(8)

    @app.command("erase")
    def erase_cmd(
        subject: str,
        by: ByOption = "operator",
        yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Erase SUBJECT: their data leaves every read path; the audit chain still verifies."""
        if not yes:
            typer.confirm(f"erase {plain(subject)} for good?", abort=True)
        with open_context(db, policy) as ctx:
            rep = gc.erase_subject(ctx, subject, actor=by)
        if as_json:
            emit_json(rep.as_json())
        else:
            console.print(
                f"erased {safe(subject)}: {rep.events} event(s), "
                f"{rep.naming_events} event(s) naming them; kept: the fact of "
                f"the erasure (key {rep.subject_hash[:16]}...)"
            )
            console.print("\nwhat to tell the person:")
            for line in rep.message:
                console.print(f"  {safe(line)}")
