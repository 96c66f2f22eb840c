"""``glasscredit monitor``: the population's stored scores against a reference period."""

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

__all__ = ["register"]


def _print(res: gc.Monitoring) -> None:
    for r in res.periods:
        t = Table(
            title=f"{r.current_from[:10]} .. {r.current_to[:10]} "
            f"({r.current_subjects:,} subjects) vs reference "
            f"({r.reference_subjects:,})"
        )
        for col in ("column", "PSI", "median shift", "alert"):
            t.add_column(col)
        for s in r.shifts:
            t.add_row(
                safe(s.column),
                f"{s.psi:.4f}",
                f"{s.median_shift:+.1f}",
                f"[red]{safe(s.why)}[/]" if s.alert else "",
            )
        console.print(t)
    if not res.periods:
        console.print("no period after the reference has stored scores")


def register(app: typer.Typer) -> None:
    @app.command()
    def monitor(
        reference: Annotated[
            str,
            typer.Option(
                help="reference period FROM/TO (RFC 3339), e.g. "
                "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z"
            ),
        ],
        current: Annotated[
            str | None,
            typer.Option(
                help="one period FROM/TO to compare (default: every month after the "
                "reference, up to --until)"
            ),
        ] = None,
        until: Annotated[
            str | None, typer.Option(help="with monthly periods: the end (default: now)")
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """PSI and median shift of the score and each dimension; alerts past the policy's
        thresholds (exit 9 when any period alerts)."""
        ref = gc.parse_period(reference, "--reference")
        cur = gc.parse_period(current, "--current") if current is not None else None
        end = gc.parse_time(until, "--until") if until else None
        with open_context(db, policy) as ctx:
            res = gc.monitor(ctx, ref, current=cur, until_us=end)
        if as_json:
            emit_json([r.as_json() for r in res.periods])
        else:
            _print(res)
        if res.alert:
            raise typer.Exit(9)
