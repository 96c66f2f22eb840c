"""Ledger commands: init, ingest, events, audit verify, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_ledger,
)
from glasscredit.cli._scoring import (
    print_distribution,
    print_explanation,
    rescore_with_progress,
)
from glasscredit.cli._trust import print_trust
from glasscredit.exceptions import AuditChainError
from glasscredit.scoring import Scorer
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, iter_event_dicts
from glasscredit.store import IngestReport, Ledger
from glasscredit.trust import compute_trust

__all__ = ["register"]

_MAX_ERRORS_SHOWN = 20


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _print_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        emit_json(report.as_dict())
        return
    t = Table(title="ingest", show_header=False)
    for k in ("input", "accepted", "duplicates", "conflicts", "invalid"):
        t.add_row(k, f"{getattr(report, k):,}")
    console.print(t)
    for e in report.errors[:_MAX_ERRORS_SHOWN]:
        console.print(f"  [red]rejected[/] {e}")
    if len(report.errors) > _MAX_ERRORS_SHOWN:
        console.print(
            f"  ... and {len(report.errors) - _MAX_ERRORS_SHOWN:,} more (use --json for all)"
        )


def _ingest_with_progress(
    ledger: Ledger, path: Path | None, fmt: str | None, spec: PopulationSpec | None, actor: str
) -> IngestReport:
    with _progress() as bar:
        task = bar.add_task("ingesting", total=None)

        def tick(n: int) -> None:
            bar.update(task, completed=n)

        if path is not None:
            return ledger.ingest_file(path, fmt=fmt, actor=actor, progress=tick)
        assert spec is not None
        return ledger.ingest(iter_event_dicts(spec), actor=actor, progress=tick)


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @app.command()
    def init(db: DbOption = None, policy: PolicyOption = None) -> None:
        """Create (or migrate) the ledger and register the policy's sources."""
        with open_ledger(db, policy) as ledger:
            console.print(
                f"ledger ready: {ledger.url} ({ledger.dialect()}), "
                f"policy {ledger.policy.name} {ledger.policy.hash[:12]}"
            )

    @app.command()
    def ingest(
        file: Annotated[Path, typer.Argument(help=".jsonl, .json, .csv or .parquet")],
        fmt: Annotated[str | None, typer.Option("--format")] = None,
        actor: Annotated[str, typer.Option(help="who is ingesting (audit log)")] = "cli",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Append events from a file; invalid rows are reported one by one, never stored."""
        with open_ledger(db, policy) as ledger:
            report = _ingest_with_progress(ledger, file, fmt, None, actor)
        _print_report(report, as_json)
        if report.rejected:
            raise typer.Exit(3)

    @app.command()
    def events(
        subject: str, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Every event recorded about one subject, in the order they happened."""
        with open_ledger(db, policy) as ledger:
            evs = ledger.events_of(subject)
        if as_json:
            emit_json([e.as_dict() for e in evs])
            return
        t = Table(title=f"events of {subject}")
        for col in ("occurred_at", "type", "source", "event_id", "attributes"):
            t.add_column(col)
        for e in evs:
            d = e.as_dict()
            t.add_row(
                d["occurred_at"],
                e.type,
                e.source,
                e.event_id,
                ", ".join(f"{k}={v}" for k, v in e.attributes.items()),
            )
        console.print(t)

    @audit.command("verify")
    def audit_verify(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Recompute the audit chain and every batch digest; name the first bad row."""
        with open_ledger(db, policy) as ledger:
            rep = ledger.verify_audit()
        if as_json:
            emit_json(
                {
                    "ok": rep.ok,
                    "rows": rep.rows,
                    "events": rep.events,
                    "first_bad_seq": rep.first_bad_seq,
                    "problem": rep.problem,
                }
            )
        elif rep.ok:
            console.print(
                f"[green]audit chain verifies[/]: {rep.rows:,} rows, {rep.events:,} events"
            )
        if not rep.ok:
            raise AuditChainError(
                f"audit chain broken at row {rep.first_bad_seq}: {rep.problem}", rep.first_bad_seq
            )

    @app.command()
    def demo(
        subjects: Annotated[int, typer.Option(help="population size")] = 10_000,
        seed: Annotated[int, typer.Option(help="generator seed")] = 42,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Generate a demo population, ingest it, and summarise the ledger."""
        with open_ledger(db, policy) as ledger:
            spec = PopulationSpec(
                subjects=subjects, seed=seed, end_us=min(DEFAULT_END_US, ledger.clock())
            )
            console.print(
                f"[bold]glasscredit demo[/]: {subjects:,} subjects (seed {seed}) into {ledger.url}"
            )
            report = _ingest_with_progress(ledger, None, None, spec, "demo")
            _print_report(report, False)
            counts = ledger.counts()
            chain = ledger.verify_audit()
            t = Table(title="ledger")
            t.add_column("what")
            t.add_column("count", justify="right")
            for k, v in counts.items():
                t.add_row(k, f"{v:,}")
            console.print(t)
            console.print(
                f"audit chain: {'[green]verifies' if chain.ok else '[red]BROKEN'}[/] "
                f"({chain.rows:,} rows)"
            )
            scorer = Scorer(ledger)
            as_of = ledger.clock()
            print_trust(compute_trust(ledger, as_of))
            scored = rescore_with_progress(scorer, as_of, as_of, only_changed=True)
            if scored.subjects:
                print_distribution(scorer, scored)
            else:
                console.print("no new events: scores are up to date")
            example = min(report.subjects) if report.subjects else scorer.all_subjects()[0]
            print_explanation(scorer.explain(example, as_of))
