"""CLI of the fair fit: ``model fair-fit`` (one points table, the frontier printed).

One use case of :mod:`glasscredit.app` per command; protected columns steer and measure
the search, never a feature.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from glasscredit import app as gc
from glasscredit.cli._common import JsonOption, console, emit_json, safe

__all__ = ["register"]


def _air(p: gc.FrontierPoint) -> str:
    if p.worst_air is None:
        return "n/a"
    ci = p.worst_air_ci
    return f"{p.worst_air:.3f}" + ("" if ci is None else f" [{ci[0]:.3f}, {ci[1]:.3f}]")


def register(app: typer.Typer) -> None:
    """Add ``fair-fit`` to the model commands."""

    @app.command("fair-fit")
    def fair_fit(
        data: Annotated[str, typer.Argument(help="CSV/Parquet file or builtin:german")],
        target: Annotated[str, typer.Option("--target", help="Outcome column")],
        protected: Annotated[
            list[str], typer.Option("--protected", help="Column to be fair to (repeat)")
        ],
        bad: Annotated[
            str | None, typer.Option("--bad", help="Value of the target that means default")
        ] = None,
        out: Annotated[Path, typer.Option("--out", help="Model JSON to write")] = Path(
            "model.json"
        ),
        drop: Annotated[
            list[str] | None, typer.Option("--drop", help="Column to leave out (repeat)")
        ] = None,
        categorical: Annotated[
            list[str] | None,
            typer.Option("--categorical", help="Numeric-looking column to bin as categories"),
        ] = None,
        approval_rate: Annotated[
            float, typer.Option(help="Share approved (the top scores) when measuring AIR")
        ] = 0.5,
        target_air: Annotated[float, typer.Option(help="Goal: worst adverse impact ratio")] = 0.8,
        max_auc_cost: Annotated[float, typer.Option(help="Goal: AUC given up at most")] = 0.01,
        folds: Annotated[int, typer.Option(help="Stratified folds of the search")] = 5,
        seed: Annotated[int, typer.Option(help="random_state")] = 0,
        as_json: JsonOption = False,
    ) -> None:
        """Search feature subsets, monotone constraints, bin merges and reweighing for one
        fairer points table; write it and print the frontier."""
        res = gc.fair_fit_model(
            data,
            target=target,
            protected=protected,
            out=out,
            bad=bad,
            drop=drop or [],
            categorical=categorical,
            approval_rate=approval_rate,
            target_air=target_air,
            max_auc_cost=max_auc_cost,
            folds=folds,
            seed=seed,
        )
        if as_json:
            emit_json(res.as_json())
            return
        t = Table(
            "",
            "AUC",
            "cost",
            "worst AIR [95% CI]",
            "worst group",
            "candidate",
            title=f"frontier ({folds}-fold out-of-fold figures, approval rate {approval_rate:g})",
        )
        for p in res.frontier:
            t.add_row(
                "chosen" if p.chosen else "",
                f"{p.auc:.4f}",
                f"{p.auc_cost:+.4f}",
                _air(p),
                safe(p.worst_group or "n/a"),
                safe(p.description),
            )
        console.print(t)
        c = res.chosen
        verdict = "met" if res.goal_met else "not met within the AUC budget"
        console.print(
            f"plain fit: AUC {res.baseline.auc:.4f}, worst AIR {_air(res.baseline)}; chosen: "
            f"{safe(c.description)}, AUC cost {c.auc_cost:+.4f}, worst AIR {_air(c)}; goal "
            f"(worst AIR >= {res.target_air:g} at cost <= {res.max_auc_cost:g}) {verdict}; "
            f"{res.evaluated} candidates; wrote {safe(res.path)}"
        )
