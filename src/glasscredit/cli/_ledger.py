"""Ledger commands: init, ingest, events, audit verify, demo."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from glasscredit import app as gc
from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    SeedOption,
    console,
    emit_json,
    open_context,
    safe,
    write_private,
)
from glasscredit.cli._scoring import print_distribution, print_explanation, score_progress
from glasscredit.cli._trust import print_trust

__all__ = ["register"]

_MAX_ERRORS_SHOWN = 20


@contextmanager
def _ingest_progress() -> Iterator[Callable[[int], None]]:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("ingesting", total=None)

        def tick(n: int) -> None:
            bar.update(task, completed=n)

        yield tick


def _print_report(report: gc.IngestResult) -> None:
    t = Table(title="ingest", show_header=False)
    for k in ("input", "accepted", "duplicates", "conflicts", "invalid"):
        t.add_row(k, f"{getattr(report, k):,}")
    console.print(t)
    for e in report.errors[:_MAX_ERRORS_SHOWN]:
        where = f"row {e.row}: " if e.row is not None else ""
        console.print(
            f"  [red]rejected[/] {where}{safe(e.field)}: {safe(e.message)} [{safe(e.rule)}]"
        )
    if len(report.errors) > _MAX_ERRORS_SHOWN:
        console.print(
            f"  ... and {len(report.errors) - _MAX_ERRORS_SHOWN:,} more (use --json for all)"
        )


def _print_events(res: gc.EventList) -> None:
    t = Table(title=f"events of {safe(res.subject)}")
    for col in ("occurred_at", "type", "source", "event_id", "attributes"):
        t.add_column(col)
    for e in res.events:
        t.add_row(
            e.occurred_at,
            safe(e.type),
            safe(e.source),
            safe(e.event_id),
            ", ".join(f"{safe(k)}={safe(v)}" for k, v in e.attributes.items()),
        )
    console.print(t)


def _print_demo(res: gc.DemoResult, words: Mapping[str, str]) -> None:
    _print_report(res.ingest)
    t = Table(title="ledger")
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_row("events", f"{res.counts.events:,}")
    t.add_row("subjects", f"{res.counts.subjects:,}")
    for k, v in res.counts.by_type.items():
        t.add_row(f"type:{safe(k)}", f"{v:,}")
    console.print(t)
    console.print(
        f"audit chain: {'[green]verifies' if res.audit.ok else '[red]BROKEN'}[/] "
        f"({res.audit.rows:,} rows)"
    )
    print_trust(res.trust)
    if res.scores.subjects:
        print_distribution(res.scores)
    else:
        console.print("no new events: scores are up to date")
    print_explanation(res.example, words)


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @app.command()
    def init(db: DbOption = None, policy: PolicyOption = None) -> None:
        """Create (or migrate) the ledger and register the policy's sources."""
        with open_context(db, policy) as ctx:
            info = gc.init_ledger(ctx)
        console.print(
            f"ledger ready: {safe(info.url)} ({info.dialect}), "
            f"policy {safe(info.policy_name)} {info.policy_hash[:12]}"
        )

    @app.command()
    def ingest(
        file: Annotated[Path, typer.Argument(help=".jsonl, .json, .csv or .parquet")],
        fmt: Annotated[str | None, typer.Option("--format")] = None,
        actor: Annotated[str, typer.Option(help="who is ingesting (audit log)")] = "cli",
        backfill: Annotated[
            int | None,
            typer.Option(help="an approved backfill to load the file into", min=1, max=2**62),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Append events from a file; invalid rows are reported one by one, never stored."""
        with open_context(db, policy) as ctx, _ingest_progress() as tick:
            report = gc.ingest_file(
                ctx, file, fmt=fmt, actor=actor, progress=tick, backfill=backfill
            )
        emit_json(report.as_json()) if as_json else _print_report(report)
        if report.rejected:
            raise typer.Exit(3)

    @app.command()
    def events(
        subject: str, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Every event recorded about one subject, in the order they happened."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.events_of(ctx, subject)
        if as_json:
            emit_json(res.as_json()["events"])
        else:
            _print_events(res)

    @audit.command("verify")
    def audit_verify(
        against: Annotated[
            Path | None,
            typer.Option(
                "--against",
                help="a signed checkpoint (audit checkpoint) the log must still extend",
            ),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Recompute the audit chain, every batch digest and every covered table's digest;
        name the first bad row or table (with --against: truncation and rewrites too)."""
        with open_context(db, policy, read_only=True) as ctx:
            rep = gc.verify_audit(ctx, against=against)
        if as_json:
            emit_json(rep.as_json())
        elif rep.ok:
            tail = f", extends the checkpoint of {rep.against:,} rows" if rep.against else ""
            console.print(
                f"[green]audit chain verifies[/]: {rep.rows:,} rows, {rep.events:,} events{tail}"
            )
        broken = rep.error()
        if broken is not None:
            raise broken

    @audit.command("prove")
    def audit_prove(
        seq: Annotated[
            int, typer.Argument(help="the audit row to prove (its seq)", min=1, max=2**63 - 1)
        ],
        against: Annotated[
            Path | None,
            typer.Option("--against", help="a signed checkpoint (default: sign the head now)"),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="write the proof here (default: standard output)"),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Prove one audit row is in the signed log (RFC 9162 inclusion proof), for anyone
        to check offline with audit check-proof."""
        with open_context(db, policy, read_only=True) as ctx:
            proof = gc.audit_proof(ctx, seq, against=against)
        if out is None:
            emit_json(proof.as_json())
            return
        write_private(out, json.dumps(proof.as_json(), indent=2) + "\n", "--out")
        console.print(
            f"row {proof.seq} ({safe(proof.action)}) is leaf {proof.leaf_index} of the "
            f"{proof.tree_size:,}-row tree signed by key {proof.checkpoint.key_id}: "
            f"wrote {safe(out)}"
        )

    @audit.command("check-proof")
    def audit_check_proof(
        file: Path,
        public_key: Annotated[
            str | None,
            typer.Option("--public-key", help="the operator's public key (hex) to require"),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Check an audit proof from the file alone (no database): exit 8 when it fails."""
        res = gc.check_audit_proof_file(file, public_key=public_key)
        if as_json:
            emit_json(res.as_json())
        elif res.ok:
            console.print(
                f"[green]proof verifies[/]: row {res.seq} is in the {res.tree_size:,}-row "
                f"log signed by key {res.key_id}"
            )
        else:
            console.print("[red]the proof does not verify[/]:")
            for line in res.problems:
                console.print(f"  {safe(line)}")
        if not res.ok:
            raise typer.Exit(8)

    @audit.command("checkpoint")
    def audit_checkpoint(
        out: Annotated[
            Path | None,
            typer.Option("--out", help="write the checkpoint here (default: standard output)"),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Sign the audit log's head (size, Merkle root, time) with the operator's key."""
        with open_context(db, policy, read_only=True) as ctx:
            cp = gc.audit_checkpoint(ctx)
        if out is None:
            emit_json(cp.as_json())
            return
        write_private(out, json.dumps(cp.as_json(), indent=2) + "\n", "--out")
        console.print(
            f"checkpoint of {cp.tree_size:,} rows, root {cp.root_hash[:16]}, "
            f"key {cp.key_id}: wrote {safe(out)}"
        )

    @app.command()
    def demo(
        subjects: Annotated[
            int, typer.Option(help="population size", min=1, max=10_000_000)
        ] = 10_000,
        seed: SeedOption = 42,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Generate a demo population, ingest it, and summarise the ledger."""
        with open_context(db, policy) as ctx:
            console.print(
                f"[bold]glasscredit demo[/]: {subjects:,} subjects (seed {seed}) into "
                f"{safe(ctx.ledger.display_url)}"
            )
            with _ingest_progress() as ingest_tick, score_progress() as score_tick:
                res = gc.demo(
                    ctx,
                    subjects=subjects,
                    seed=seed,
                    ingest_progress=ingest_tick,
                    score_progress=score_tick,
                )
            words = gc.plain_names(ctx)
        _print_demo(res, words)
