"""Trust commands: ``trust`` (snapshot), ``reports`` (corroboration), ``bursts`` (hold,
release) and ``redteam`` (the attack simulator)."""

from __future__ import annotations

from typing import Annotated

import typer
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
    policy_context,
    safe,
)
from glasscredit.cli._scoring import as_of_option

__all__ = ["print_trust", "register"]

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="RFC 3339 time the snapshot is computed for (default: now)"),
]


def print_trust(s: gc.TrustSummary) -> None:
    """One readable paragraph about a snapshot (the demo prints it too), and its alert."""
    dropped = ", ".join(f"{safe(k)} {v:,}" for k, v in s.dropped.items() if v)
    console.print(
        f"trust: {s.subjects:,} subjects, {s.edges:,} mutual endorsement "
        f"edges, {s.seeds:,} seeds of {s.eligible:,} eligible, {s.iterations} steps; "
        f"{s.reached:,} reached, median {s.median:.3f}"
        + (f"; not counted: {dropped}" if dropped else "")
    )
    if s.alert is not None:
        kept = "stored anyway (forced)" if s.stored else "NOT stored, the snapshot in force is kept"
        console.print(f"ALERT: {safe(s.alert)}; {kept}")


def _print_verdicts(res: gc.ReportsExplanation) -> None:
    console.print(
        f"{safe(res.subject)}: corroborated value {res.value:.3f} from "
        f"{res.groups} independent group(s)"
    )
    for v in res.reports:
        console.print(
            f"  {safe(v.event_id)}  by {safe(v.reporter)}  "
            f"{'counted' if v.counted else 'not counted'}: {safe(v.reason)}  "
            f"(weight {v.weight:.3f})"
        )


def _print_redteam(res: gc.RedTeamResult, seed: int) -> None:
    table = Table(title=f"red team ({res.n_honest:,} honest subjects, seed {seed})")
    for col in ("attack", "glasscredit", "naive", "attacker's cost"):
        table.add_column(col)
    for a in res.attacks:
        table.add_row(safe(a.name), f"{a.glasscredit:+g}", f"{a.naive:+g}", safe(a.cost))
    console.print(table)
    console.print("(e: share of honest subjects losing > 10 points against the naive scorer)")
    console.print(
        f"trust AUC honest vs sybil {res.trust_auc:.4f}; sybils below 95% of "
        f"honest {100 * res.sybils_below_95:.1f}%"
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def trust(
        as_of: AsOfOption = None,
        force: Annotated[
            bool, typer.Option(help="store it even when it lost too many seeds (reviewed)")
        ] = False,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Compute trust from the endorsement graph as of a time and store it for scoring.

        Exits 9 when the snapshot lost more than settings.trust.max_seed_loss of the
        seeds in force and was therefore not stored (--force stores it).
        """
        with open_context(db, policy) as ctx:
            res = gc.compute_trust(ctx, as_of_us=as_of_option(as_of), force=force)
        emit_json(res.as_json()) if json_out else print_trust(res)
        if res.alert is not None and not res.stored:
            raise typer.Exit(9)

    @app.command()
    def reports(
        subject: Annotated[
            str | None, typer.Argument(help="explain the reports about this subject")
        ] = None,
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Corroborate misconduct reports and store the values (or explain one subject's)."""
        with open_context(db, policy) as ctx:
            if subject is None:
                res = gc.compute_reports(ctx, as_of_us=as_of_option(as_of))
            else:
                verdicts = gc.explain_reports(ctx, subject, as_of_us=as_of_option(as_of))
        if subject is not None:
            emit_json(verdicts.as_json()) if json_out else _print_verdicts(verdicts)
        elif json_out:
            emit_json(res.as_json())
        else:
            console.print(
                f"reports: {res.targets:,} reported subjects, {res.corroborated:,} corroborated"
            )

    @app.command()
    def bursts(
        days: Annotated[int, typer.Option(help="look back this many days", min=1, max=36_500)] = 7,
        hold: Annotated[bool, typer.Option(help="hold flagged bursts")] = False,
        release: Annotated[
            str | None, typer.Option(help="release the burst with this ref after review")
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Flag sources that sent many positive events for many subjects at once."""
        with open_context(db, policy) as ctx:
            if release is not None:
                freed = gc.release_burst(ctx, release)
            else:
                found = gc.find_bursts(ctx, days=days, hold=hold)
        if release is not None:
            if json_out:
                emit_json(freed.as_json())
            else:
                console.print(f"released {safe(freed.ref)}: {freed.events:,} events count again")
            return
        if json_out:
            emit_json(found.as_json())
            return
        for b in found.bursts:
            console.print(f"burst {safe(b.ref)}: {b.subjects:,} subjects, {b.events:,} events")
        console.print(
            f"{len(found.bursts)} burst(s) flagged"
            + (f", {found.held:,} events held" if hold else "")
        )

    @app.command()
    def redteam(
        honest: Annotated[
            int, typer.Option(help="honest subjects", min=1, max=10_000_000)
        ] = 10_000,
        seed: SeedOption = 0,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Run the attack scenarios against glasscredit and a naive raw-count scorer."""
        with policy_context(policy) as ctx:
            res = gc.red_team(ctx, honest=honest, seed=seed)
        emit_json(res.as_json()) if json_out else _print_redteam(res, seed)
