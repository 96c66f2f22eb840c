"""``batch``: score the whole population from Parquet events, locally or on Spark.

A front door of its own (``glasscredit.batch`` calls the kernels directly, as the
architecture allows it); the CLI only parses options and renders the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glasscredit.batch import SparkSettings, run_batch
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
from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def batch(
        out: Annotated[Path, typer.Option("--out", help="Folder the score rows go to (Parquet)")],
        engine: Annotated[
            str, typer.Option("--engine", help="spark, or local (the same rows, one machine)")
        ] = "local",
        events: Annotated[
            Path | None,
            typer.Option(
                "--events",
                help="Parquet file or folder of events (default: the ledger's columnar mirror)",
            ),
        ] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="RFC 3339 time to score as of (default: now)")
        ] = None,
        store: Annotated[
            bool,
            typer.Option(
                "--store", help="Also store them as the ledger's current scores (now only)"
            ),
        ] = False,
        partitions: Annotated[
            int | None,
            typer.Option(
                "--partitions", help="Spark partitions (default: by size)", min=1, max=100_000
            ),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Score every subject as of a time from Parquet events; Spark runs the same kernel."""
        if engine not in ("local", "spark"):
            raise ValidationError(
                [FieldError("--engine", "choice", f"unknown engine {engine!r}: local or spark")]
            )
        settings = SparkSettings()
        if partitions is not None:
            settings = settings.model_copy(update={"partitions": partitions})
        with open_context(db, policy) as ctx:
            now = ctx.clock()
            t = as_of_option(as_of)
            report = run_batch(
                ctx.ledger,
                engine="spark" if engine == "spark" else "local",
                as_of_us=now if t is None else t,
                computed_at_us=now,
                out=out,
                events=events,
                store=store,
                spark_settings=settings,
            )
        if json_out:
            emit_json(report.as_dict())
            return
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in report.stages.items())
        console.print(
            f"{report.engine}: {report.subjects:,} subjects scored into "
            f"{safe(report.out)} ({stages})"
            + (f"; stored {report.stored:,}, changed {report.changed:,}" if store else "")
        )
