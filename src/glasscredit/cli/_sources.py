"""``glasscredit sources``: per-source baselines, reputation and flags (exit 9 on flags);
``glasscredit probation place|release|list``: the operator's probation of a source."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from glasscredit import app as gc
from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_context,
    safe,
)
from glasscredit.cli._scoring import as_of_option

__all__ = ["register"]


def _share(v: float | int | None) -> str:
    return "-" if v is None else f"{float(v):.0%}"


def _print_some(label: str, shown: list[str], total: int) -> None:
    """A flag's evidence: the ids it shows, and how many more it found."""
    if shown:
        more = f" (+{total - len(shown):,} more)" if total > len(shown) else ""
        console.print(f"  {label}: {', '.join(safe(x) for x in shown)}{more}")


def _print(res: gc.SourceAccountability) -> None:
    t = Table(
        title=f"sources as of {res.as_of}: the last {safe(res.window)} against the "
        f"{safe(res.baseline)} before (ledger clock)"
    )
    for col in (
        "source",
        "group",
        "events",
        "baseline",
        "sole cohort",
        "sole share",
        "new sole",
        "young at first report",
        "newcomers alone",
        "disputes removed / upheld",
    ):
        t.add_column(col, justify="left" if col in ("source", "group") else "right")
    for s in res.sources:
        c, y, r, n = s.sole_cohort, s.first_report_age, s.reputation, s.newcomers
        t.add_row(
            safe(s.source),
            safe(s.group),
            f"{s.events:,}",
            f"{s.events_baseline:,}",
            f"{c['size']:,}",
            _share(c["share"]),
            f"{c['new_window']:,} (was {c['new_baseline']:,})",
            f"{_share(y['young_share'])} of {y['first_reports']:,} (was "
            f"{_share(y['young_share_baseline'])})",
            f"{_share(n['alone_share'])} of {n['acquired']:,}",
            f"{_share(r['removed_share'])} / {_share(r['upheld_share'])} of {r['resolved']:,}",
        )
    console.print(t)
    for f in res.flags:
        console.print(f"[bold red]flag[/] {safe(f.ref)}: {safe(f.why)}")
        _print_some("subjects", f.subjects, f.subjects_total)
        _print_some("events", f.event_ids, f.events_total)
    console.print(
        f"{len(res.flags)} flag(s)"
        + (f"; {res.recorded} written to the audit log" if res.recorded else "")
    )
    if res.placed:
        console.print(f"put on probation: {', '.join(safe(x) for x in res.placed)}")
    if res.held:
        console.print(f"{res.held:,} event(s) held until seasoned")
    _print_probations(res.probations)


def _print_probations(items: list[gc.ProbationView]) -> None:
    for p in items:
        state = f"until {p.until}" if p.until else "in force"
        console.print(
            f"[bold]probation[/] {p.probation_id} {safe(p.source)} since {p.since} ({state}; "
            f"events count once known {p.seasoning_days:g} days): {p.events_held:,} event(s) "
            f"of {p.subjects_held:,} subject(s) held now; {safe(p.reason)}"
        )


def register(app: typer.Typer) -> None:
    @app.command()
    def sources(
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="RFC 3339 end of the window (default: now)")
        ] = None,
        record: Annotated[
            bool,
            typer.Option(
                "--record", help="act on the flags: write each, with its evidence, to the audit log"
            ),
        ] = False,
        probation: Annotated[
            bool,
            typer.Option(
                "--probation",
                help="put flagged sources (rate, per_subject, sole_cohort, young, newcomers) on "
                "probation "
                "and hold what every probation covers",
            ),
        ] = False,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Per-source baselines, reputation from disputes and flags (exit 9 when flagged)."""
        with open_context(db, policy, read_only=not (record or probation)) as ctx:
            res = gc.source_report(
                ctx, as_of_us=as_of_option(as_of), record=record, probation=probation
            )
        emit_json(res.as_json()) if json_out else _print(res)
        if res.flags:
            raise typer.Exit(9)

    group = typer.Typer(
        help="Probation of a source: what it alone vouches for counts once seasoned "
        "(docs/sources.md).",
        no_args_is_help=True,
    )
    app.add_typer(group, name="probation")

    @group.command("place")
    def place(
        source: Annotated[str, typer.Argument(help="the declared source")],
        reason: Annotated[str, typer.Option(help="why (audit log)")],
        since: Annotated[
            str | None,
            typer.Option(help="RFC 3339 start on the ledger's clock (default: now)"),
        ] = None,
        by: Annotated[str, typer.Option("--by", help="who decides (audit log)")] = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Put SOURCE on probation: its positive events about subjects it alone vouches
        for count only once the ledger has known them the seasoning period."""
        with open_context(db, policy) as ctx:
            res = gc.place_probation(ctx, source, reason=reason, since=since, actor=by)
        if json_out:
            emit_json(res.as_json())
            return
        _print_probations([res.probation])
        console.print(f"{res.held:,} event(s) held until seasoned")

    @group.command("release")
    def release(
        source: Annotated[str, typer.Argument(help="the source on probation")],
        by: Annotated[str, typer.Option("--by", help="who decides (audit log)")] = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """End SOURCE's probation: the events it holds count from now on."""
        with open_context(db, policy) as ctx:
            res = gc.release_probation(ctx, source, actor=by)
        if json_out:
            emit_json(res.as_json())
            return
        _print_probations([res.probation])
        console.print(f"{res.closed:,} hold(s) closed: those events count from now on")

    @group.command("list")
    def list_(
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Every probation, with what each holds now."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.probations(ctx)
        if json_out:
            emit_json(res.as_json())
            return
        _print_probations(res.probations)
        if not res.probations:
            console.print("no source has been on probation")
