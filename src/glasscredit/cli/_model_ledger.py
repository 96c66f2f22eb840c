"""CLI from the ledger to the policy: ``model dataset`` and ``model deploy``.

Each command opens the ledger its options select and calls one use case of
:mod:`glasscredit.app`; the work (both clocks, labels, range checks, scoring) is there.
"""

from __future__ import annotations

from pathlib import Path
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
    safe,
)

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``dataset`` and ``deploy`` to the model commands."""

    @app.command()
    def dataset(
        out: Annotated[Path, typer.Option("--out", help="Parquet file to write")],
        at: Annotated[
            list[str] | None,
            typer.Option("--at", help="Labelled date, RFC 3339 (repeat): everyone known then"),
        ] = None,
        applications: Annotated[
            str | None,
            typer.Option(help="CSV/Parquet of subject, as_of rows to label (instead or as well)"),
        ] = None,
        window: Annotated[str, typer.Option(help="Outcome window after each date")] = "12mo",
        outcome: Annotated[
            list[str] | None,
            typer.Option(
                "--outcome",
                help="Event type that makes a row bad (repeat; default loan.defaulted, "
                "bill.missed)",
            ),
        ] = None,
        known_by: Annotated[
            str | None,
            typer.Option(help="Read outcomes as the ledger knew them then (default now)"),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Build a point-in-time training set: the policy's features as the ledger knew them
        at each date (both clocks), the label from outcomes in the following window."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.build_dataset(
                ctx,
                out=out,
                at=at or [],
                applications=applications,
                window=window,
                outcomes=outcome or list(gc.DEFAULT_OUTCOMES),
                known_by=known_by,
            )
        if as_json:
            emit_json(res.as_json())
            return
        console.print(
            f"wrote {res.rows} rows ({res.bad} bad, {res.bad_rate:.1%}) at "
            f"{len(res.dates)} dates to {safe(res.path)}; outcome: "
            f"{', '.join(res.outcomes)} within {safe(res.window)}, known by {res.known_by}"
        )
        console.print(
            "train with: glasscredit model train "
            f"{safe(res.path)} --target bad --drop subject --drop as_of"
        )

    @app.command()
    def deploy(
        model: Annotated[Path, typer.Argument(help="Model JSON (trained on a model dataset)")],
        out: Annotated[Path, typer.Option("--out", help="Policy file to write")],
        rescale: Annotated[
            bool,
            typer.Option(
                help="Map a table whose scores leave 350..950 inside it (points times s, "
                "rounded; base shifted), instead of refusing it"
            ),
        ] = False,
        score: Annotated[
            bool, typer.Option(help="Score every subject with the new policy now")
        ] = True,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write the policy with MODEL's points table, check its range, and score with it."""
        with open_context(db, policy) as ctx:
            res = gc.deploy_model(ctx, model, out=out, rescale=rescale, score=score)
        if as_json:
            emit_json(res.as_json())
            return
        console.print(
            f"wrote {safe(res.policy_path)} (policy {res.policy_hash[:12]}, points table "
            f"{res.table_hash[:12]} from {safe(res.table_source)}); scores "
            f"{res.min_score}..{res.max_score}"
        )
        if res.rescaled:
            console.print(
                f"rescaled: points times {res.rescaled['factor']:.4f}, base moved by "
                f"{res.rescaled['shift']:+.0f}"
            )
        if res.unreachable_tiers:
            console.print(
                "[yellow]no attainable score reaches: "
                + ", ".join(safe(t) for t in res.unreachable_tiers)
                + "[/]"
            )
        if res.scores is not None:
            s = res.scores
            console.print(f"scored {s.subjects}: {s.changed} changed, {s.stored} stored")
            for cause, n in s.causes.items():
                console.print(f"  {n} notices: {safe(cause)}")
