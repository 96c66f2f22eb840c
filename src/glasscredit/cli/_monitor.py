"""``glasscredit monitor``: the population's stored scores against a reference period."""

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
)
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.model import monitor_scores
from glasscredit.policy import MONTH_US, parse_timestamp
from glasscredit.scoring._explain import iso

__all__ = ["register"]


def _period(name: str, text: str) -> tuple[int, int]:
    start, sep, end = text.partition("/")
    try:
        if not sep:
            raise ValueError("use FROM/TO, two RFC 3339 times")
        return parse_timestamp(start), parse_timestamp(end)
    except ValueError as exc:
        raise ValidationError([FieldError(f"--{name}", "period", str(exc))]) from exc


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
        with open_ledger(db, policy) as ledger:
            ref = _period("reference", reference)
            if current is not None:
                periods = [_period("current", current)]
            else:
                end = parse_timestamp(until) if until else ledger.clock()
                periods = []
                start = ref[1]
                while start < end:
                    periods.append((start, min(start + MONTH_US, end)))
                    start += MONTH_US
            reports = []
            for p in periods:
                try:
                    reports.append(monitor_scores(ledger, ref, p))
                except ValidationError as exc:
                    if current is not None or exc.errors[0].field == "reference":
                        raise
        if as_json:
            emit_json([r.as_dict() for r in reports])
        else:
            for r in reports:
                t = Table(
                    title=f"{iso(r.current[0])[:10]} .. {iso(r.current[1])[:10]} "
                    f"({r.current_subjects:,} subjects) vs reference "
                    f"({r.reference_subjects:,})"
                )
                for col in ("column", "PSI", "median shift", "alert"):
                    t.add_column(col)
                for s in r.shifts:
                    t.add_row(
                        s.column,
                        f"{s.psi:.4f}",
                        f"{s.median_shift:+.1f}",
                        f"[red]{s.why}[/]" if s.alert else "",
                    )
                console.print(t)
            if not reports:
                console.print("no period after the reference has stored scores")
        if any(r.alerts for r in reports):
            raise typer.Exit(9)
