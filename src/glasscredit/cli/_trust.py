"""Trust commands: ``trust`` (snapshot), ``reports`` (corroboration), ``bursts`` (hold,
release) and ``redteam`` (the attack simulator)."""

from __future__ import annotations

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
    settings_from,
)
from glasscredit.cli._scoring import _as_of
from glasscredit.policy import DAY_US
from glasscredit.simulate import run_redteam
from glasscredit.trust import (
    TrustSnapshot,
    compute_reports,
    compute_trust,
    explain_reports,
    hold_bursts,
    release_burst,
    scan_bursts,
)

__all__ = ["print_trust", "register"]

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="RFC 3339 time the snapshot is computed for (default: now)"),
]


def print_trust(snapshot: TrustSnapshot) -> None:
    """One readable paragraph about a snapshot (the demo prints it too)."""
    s = snapshot.summary()
    dropped = ", ".join(f"{k} {v:,}" for k, v in s["dropped"].items() if v)
    console.print(
        f"trust: {s['subjects']:,} subjects, {s['edges']:,} mutual endorsement "
        f"edges, {s['seeds']:,} seeds, {s['iterations']} steps; "
        f"{s['reached']:,} reached, median {s['median']:.3f}"
        + (f"; not counted: {dropped}" if dropped else "")
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def trust(
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Compute trust from the endorsement graph as of a time and store it for scoring."""
        with open_ledger(db, policy) as ledger:
            snapshot = compute_trust(ledger, _as_of(ledger, as_of))
            if json_out:
                emit_json(snapshot.summary())
            else:
                print_trust(snapshot)

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
        with open_ledger(db, policy) as ledger:
            t = _as_of(ledger, as_of)
            if subject is None:
                snap = compute_reports(ledger, t)
                counted = sum(1 for v in snap.values.values() if v > 0)
                if json_out:
                    emit_json(
                        {"as_of_us": t, "targets": len(snap.targets), "corroborated": counted}
                    )
                else:
                    console.print(
                        f"reports: {len(snap.targets):,} reported subjects, "
                        f"{counted:,} corroborated"
                    )
                return
            verdict = explain_reports(ledger, subject, t)
            if json_out:
                emit_json(
                    {
                        "subject": subject,
                        "value": verdict.value,
                        "groups": verdict.groups,
                        "reports": [v.as_dict() for v in verdict.reports],
                    }
                )
                return
            console.print(
                f"{subject}: corroborated value {verdict.value:.3f} from "
                f"{verdict.groups} independent group(s)"
            )
            for v in verdict.reports:
                console.print(
                    f"  {v.event_id}  by {v.reporter}  "
                    f"{'counted' if v.counted else 'not counted'}: {v.reason}  "
                    f"(weight {v.weight:.3f})"
                )

    @app.command()
    def bursts(
        days: Annotated[int, typer.Option(help="look back this many days")] = 7,
        hold: Annotated[bool, typer.Option(help="hold flagged bursts")] = False,
        release: Annotated[
            str | None, typer.Option(help="release the burst with this ref after review")
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Flag sources that sent many positive events for many subjects at once."""
        with open_ledger(db, policy) as ledger:
            now = ledger.clock()
            if release is not None:
                n = release_burst(ledger, release, now)
                console.print(f"released {release}: {n:,} events count again")
                return
            found = scan_bursts(ledger, now - days * DAY_US, now)
            held = hold_bursts(ledger, found, now) if hold else 0
            if json_out:
                emit_json({"bursts": [b.as_dict() for b in found], "held": held})
                return
            for b in found:
                console.print(f"burst {b.ref}: {b.subjects:,} subjects, {b.events:,} events")
            console.print(
                f"{len(found)} burst(s) flagged" + (f", {held:,} events held" if hold else "")
            )

    @app.command()
    def redteam(
        honest: Annotated[int, typer.Option(help="honest subjects")] = 10_000,
        seed: Annotated[int, typer.Option(help="generator seed")] = 0,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Run the attack scenarios against glasscredit and a naive raw-count scorer."""
        pol = settings_from(None, policy).load_policy()
        report = run_redteam(pol, n_honest=honest, seed=seed)
        if json_out:
            emit_json(report.as_dict())
            return
        table = Table(title=f"red team ({honest:,} honest subjects, seed {seed})")
        for col in ("attack", "glasscredit", "naive", "attacker's cost"):
            table.add_column(col)
        for a in report.attacks:
            table.add_row(a.name, f"{a.glasscredit:+g}", f"{a.naive:+g}", a.cost)
        console.print(table)
        console.print("(e: share of honest subjects losing > 10 points against the naive scorer)")
        console.print(
            f"trust AUC honest vs sybil {report.auc:.4f}; sybils below 95% of "
            f"honest {100 * report.sybils_below_95:.1f}%"
        )
