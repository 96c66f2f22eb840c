"""CLI of fairness: ``model fair-fit`` (one table, the frontier) and ``model audit-scores``
(the audit by month from the stored scores).

One use case of :mod:`glasscredit.app` per command; protected columns steer and measure
the search, never a feature.
"""

from __future__ import annotations

from pathlib import Path
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
from glasscredit.cli._model import _pairs

__all__ = ["register"]


def _air(p: gc.FrontierPoint) -> str:
    if p.worst_air is None:
        return "n/a"
    ci = p.worst_air_ci
    return f"{p.worst_air:.3f}" + ("" if ci is None else f" [{ci[0]:.3f}, {ci[1]:.3f}]")


def register(app: typer.Typer) -> None:
    """Add ``fair-fit`` and ``audit-scores`` to the model commands."""

    @app.command("audit-scores")
    def audit_scores(
        protected_file: Annotated[
            str,
            typer.Argument(help="CSV/Parquet: subject and the protected columns (not stored)"),
        ],
        protected: Annotated[list[str], typer.Option("--protected", help="Column (repeat)")],
        cutoff: Annotated[float, typer.Option(help="Approve when score >= cutoff")],
        since: Annotated[str, typer.Option(help="First month's start, RFC 3339")],
        until: Annotated[str | None, typer.Option(help="End, RFC 3339 (default now)")] = None,
        min_group_size: Annotated[
            int | None,
            typer.Option(help="Smaller groups are reported, never the reference (default 30)"),
        ] = None,
        reference: Annotated[
            list[str] | None,
            typer.Option("--reference", help="ATTR=GROUP: declare a reference group (repeat)"),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Approval and adverse impact ratio by month from the stored scores (exit 9 when a
        month's worst ratio is below 0.8)."""
        refs = _pairs(reference or [], "--reference")
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.audit_scores(
                ctx,
                protected_file,
                protected=protected,
                cutoff=cutoff,
                since_us=gc.parse_time(since, "--since"),
                until_us=gc.parse_time(until, "--until") if until else None,
                min_group_size=min_group_size,
                reference=refs,
            )
        flagged = any(a.four_fifths_flag for m in res.months for a in m.attributes.values())
        if as_json:
            emit_json(res.as_json())
        else:
            t = Table("month", "n", "approval", *[f"{safe(a)}: worst AIR" for a in res.attributes])
            for m in res.months:
                cells = []
                for a in res.attributes:
                    pa = m.attributes.get(a)
                    air = None if pa is None else pa.min_adverse_impact_ratio
                    ci = None if pa is None else pa.min_adverse_impact_ratio_ci
                    text = "n/a" if air is None else f"{air:.3f}"
                    text += "" if ci is None else f" [{ci[0]:.3f}, {ci[1]:.3f}]"
                    cells.append(text + (" !" if pa is not None and pa.four_fifths_flag else ""))
                t.add_row(safe(m.period), str(m.n), f"{m.approval_rate:.3f}", *cells)
            console.print(t)
            console.print(
                f"{res.scored_subjects} subjects scored {res.since} .. {res.until}; "
                f"{res.matched_subjects} named in the side file (the others are left out); "
                f"cut-off {res.cutoff:g}; groups under {res.min_group_size} never the reference"
            )
        if flagged:
            raise typer.Exit(9)

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
        repeats: Annotated[
            int, typer.Option(help="Fresh splits the shortlist is measured again on")
        ] = 2,
        search_splits: Annotated[
            int, typer.Option(help="Splits each candidate is measured on in the search")
        ] = 2,
        seed: Annotated[int, typer.Option(help="random_state")] = 0,
        lever: Annotated[
            list[str] | None,
            typer.Option(
                "--lever",
                help="A lever the search may pull (repeat): drop, monotone, merge, reweigh, "
                "gap (default: drop and gap)",
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Search feature drops and the group-gap penalty (or the levers named) for one
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
            repeats=repeats,
            search_splits=search_splits,
            seed=seed,
            levers=lever,
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
        k = Table(
            "",
            "cost [se]",
            "worst AIR",
            "margin",
            "P(meets)",
            "candidate",
            title=f"shortlist measured again on {repeats} fresh splits (the pick reads these)",
        )
        for q in res.checked:
            k.add_row(
                "chosen" if q.chosen else ("meets" if q.meets else ""),
                f"{q.auc_cost:+.4f} [{q.auc_cost_se:.4f}]",
                "n/a" if q.worst_air is None else f"{q.worst_air:.3f}",
                "n/a" if q.margin is None else f"{q.margin:.2f}",
                f"{q.p_meets:.2f}",
                safe(q.description),
            )
        console.print(k)
        c = res.chosen
        q = next(q for q in res.checked if q.chosen)
        verdict = "met" if res.goal_met else "not met within the AUC budget"
        air = "n/a" if q.worst_air is None else f"{q.worst_air:.3f}"
        console.print(
            f"plain fit: AUC {res.baseline.auc:.4f}, worst AIR {_air(res.baseline)}; chosen: "
            f"{safe(c.description)}, on fresh splits AUC cost {q.auc_cost:+.4f}, worst AIR "
            f"{air}; goal "
            f"(worst AIR >= {res.target_air:g} at cost <= {res.max_auc_cost:g}) {verdict}; "
            f"{res.evaluated} candidates; wrote {safe(res.path)}"
        )
