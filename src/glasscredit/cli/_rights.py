"""The scored person's rights: dispute open|resolve|list|stats|expire, export, erase,
verify-export.

Every dispute command first resolves the disputes past their deadline in the subject's
favour, so a deadline never depends on someone remembering to run a job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_ledger,
)
from glasscredit.exceptions import FieldError, IngestFileError, ValidationError
from glasscredit.rights import (
    Dispute,
    DisputeResult,
    erase_subject,
    expire_overdue,
    export_html,
    export_subject,
    list_disputes,
    open_dispute,
    resolve_dispute,
    source_notices,
    source_stats,
    verify_export,
)

__all__ = ["register"]

ByOption = Annotated[str, typer.Option("--by", help="who acts (recorded in the audit log)")]


def _print_result(res: DisputeResult) -> None:
    d = res.dispute
    console.print(
        f"dispute {d.dispute_id} on {d.event_id} ({d.source}): [bold]{d.status}[/]"
        + (f", deadline {d.as_dict()['deadline']}" if d.status == "open" else "")
    )
    before = "none" if res.score_before is None else str(res.score_before)
    console.print(f"score {before} -> [bold]{res.score_after}[/]")
    for line in (res.notice or {}).get("lines", []):
        console.print(f"  {line}")
    for x in res.expired:
        console.print(f"dispute {x.dispute_id} passed its deadline: removed")


def _print_disputes(rows: list[Dispute]) -> None:
    t = Table(title="disputes")
    for col in ("id", "event", "source", "opened", "deadline", "status", "resolved by"):
        t.add_column(col)
    for d in rows:
        x = d.as_dict()
        t.add_row(
            str(d.dispute_id),
            d.event_id or "(erased)",
            d.source,
            x["opened_at"][:10],
            x["deadline"][:10],
            d.status,
            d.resolved_by or "",
        )
    console.print(t)


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
        by: ByOption = "subject",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Open a dispute on one of SUBJECT's events; show the score before and after."""
        with open_ledger(db, policy) as ledger:
            res = open_dispute(ledger, subject, event_id, reason, now_us=ledger.clock(), actor=by)
        emit_json(res.as_dict()) if as_json else _print_result(res)

    @dispute.command("resolve")
    def resolve_cmd(
        dispute_id: int,
        outcome: Annotated[str, typer.Argument(help="upheld or removed")],
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Resolve a dispute: upheld (counts again from now) or removed (never again)."""
        with open_ledger(db, policy) as ledger:
            res = resolve_dispute(ledger, dispute_id, outcome, now_us=ledger.clock(), actor=by)
        emit_json(res.as_dict()) if as_json else _print_result(res)

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
        with open_ledger(db, policy) as ledger:
            expire_overdue(ledger, ledger.clock())
            rows = list_disputes(ledger, subject=subject, source=source, status=status)
            notices = source_notices(ledger, source) if source else None
        if as_json:
            emit_json({"disputes": [d.as_dict() for d in rows], "notices": notices})
            return
        _print_disputes(rows)
        for n in notices or []:
            console.print(
                f"told {source} at {n['at']}: dispute {n['dispute_id']} "
                f"{n['kind']}" + (f" ({n['outcome']})" if n["outcome"] else "")
            )

    @dispute.command("stats")
    def stats_cmd(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Dispute and overturn rates per source (they feed the trust of reporters)."""
        with open_ledger(db, policy) as ledger:
            expire_overdue(ledger, ledger.clock())
            stats = source_stats(ledger)
        if as_json:
            emit_json(stats)
            return
        t = Table(title="disputes per source")
        for col in ("source", "events", "disputes", "open", "dispute rate", "overturn rate"):
            t.add_column(col, justify="left" if col == "source" else "right")
        for src, s in stats.items():
            t.add_row(
                src,
                f"{s['events']:,}",
                str(s["disputes"]),
                str(s["open"]),
                "-" if s["dispute_rate"] is None else f"{s['dispute_rate']:.2%}",
                "-" if s["overturn_rate"] is None else f"{s['overturn_rate']:.0%}",
            )
        console.print(t)

    @dispute.command("expire")
    def expire_cmd(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Resolve every dispute past its deadline in the subject's favour (removed)."""
        with open_ledger(db, policy) as ledger:
            done = expire_overdue(ledger, ledger.clock())
        if as_json:
            emit_json([d.as_dict() for d in done])
        else:
            console.print(f"{len(done)} dispute(s) passed their deadline and were removed")


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
        with open_ledger(db, policy) as ledger:
            data = export_subject(ledger, subject, now_us=ledger.clock())
        text = json.dumps(data, indent=2, allow_nan=False)
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text + "\n", encoding="utf-8")
            console.print(f"wrote {out}")
        if html is not None:
            html.write_text(export_html(data), encoding="utf-8")
            console.print(f"wrote {html}")

    @app.command("verify-export")
    def verify_export_cmd(file: Path, as_json: JsonOption = False) -> None:
        """Recompute the score in an export from the file alone (no database, offline)."""
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IngestFileError(
                [FieldError("FILE", "json", f"cannot read {file}: {exc}")]
            ) from exc
        if not isinstance(data, dict):
            raise ValidationError([FieldError("FILE", "object", "an export is a JSON object")])
        result = verify_export(data)
        if as_json:
            emit_json(result)
        elif result["identical"]:
            checked = [h for h in result["history"] if h["checked"]]
            console.print(
                f"[green]identical[/]: {result['subject']} scores "
                f"{result['recomputed_score']} as of {result['as_of']}, recomputed "
                f"from the export alone; {len(checked)} stored score(s) of the "
                "history reproduce too"
            )
        else:
            console.print("[red]the export does not reproduce[/]:")
            for line in result["problems"]:
                console.print(f"  {line}")
        if not result["identical"]:
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
            typer.confirm(f"erase {subject} for good?", abort=True)
        with open_ledger(db, policy) as ledger:
            report = erase_subject(ledger, subject, now_us=ledger.clock(), actor=by)
        if as_json:
            emit_json(report.as_dict())
        else:
            console.print(
                f"erased {subject}: {report.events} event(s), "
                f"{report.naming_events} event(s) naming them; kept: the fact of "
                f"the erasure (key {report.subject_hash[:16]}...)"
            )
