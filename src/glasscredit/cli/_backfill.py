"""Backfill commands: approve one source's history load, list the approvals."""

from __future__ import annotations

from typing import Annotated

import typer

from glasscredit import app as gc
from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_context,
    print_table,
    safe,
)

__all__ = ["register"]

_COLUMNS = ("backfill_id", "source", "occurred_from", "occurred_to", "known_from", "approved_by")


def _print(items: list[gc.BackfillView]) -> None:
    columns = (*_COLUMNS, "reason")
    print_table(
        "approved backfills",
        columns,
        ([safe(str(getattr(b, c))) for c in columns] for b in items),
    )


def register(app: typer.Typer) -> None:
    backfill = typer.Typer(
        help="Approved backfills: history a source may load (docs/clocks.md).",
        no_args_is_help=True,
    )
    app.add_typer(backfill, name="backfill")

    @backfill.command("approve")
    def approve(
        source: Annotated[str, typer.Option(help="the source whose history is loaded")],
        occurred_from: Annotated[str, typer.Option("--from", help="first date (RFC 3339)")],
        occurred_to: Annotated[str, typer.Option("--to", help="last date (RFC 3339)")],
        known_from: Annotated[
            str, typer.Option(help="the date from which you attest the source knew the facts")
        ],
        by: Annotated[str, typer.Option("--by", help="who approves (audit log)")],
        reason: Annotated[str, typer.Option(help="why (audit log)")],
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Approve a backfill; then: glasscredit ingest FILE --backfill ID."""
        with open_context(db, policy) as ctx:
            view = gc.approve_backfill(
                ctx,
                source=source,
                occurred_from=occurred_from,
                occurred_to=occurred_to,
                known_from=known_from,
                approved_by=by,
                reason=reason,
            )
        if as_json:
            emit_json(view.as_json())
        else:
            _print([view])
            console.print(f"load it with: glasscredit ingest FILE --backfill {view.backfill_id}")

    @backfill.command("list")
    def list_(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Every approved backfill, oldest first."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.backfills(ctx)
        emit_json(res.as_json()) if as_json else _print(res.backfills)
