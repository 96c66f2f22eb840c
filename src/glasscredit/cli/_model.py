"""CLI for the learned scorecard: ``train``, ``evaluate``, ``audit``, ``export``, ``card``.

DATA is a CSV or Parquet file, or ``builtin:german`` for the shipped German credit data.
The model file is the JSON document written by ``train`` (never a pickle). Each command
calls one use case of :mod:`glasscredit.app` and renders its result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from glasscredit import app as gc
from glasscredit.cli._common import (
    check_writable,
    console,
    safe,
    wrap_errors,
    write_private,
    write_said,
)
from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["register"]

TargetOpt = Annotated[str, typer.Option("--target", help="Outcome column")]
BadOpt = Annotated[
    str | None,
    typer.Option(
        "--bad",
        help="Value of the target that means default; may be left out only when the "
        "target's two values are 0/1, false/true, no/yes or good/bad",
    ),
]


def _specials(items: list[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for item in items:
        col, sep, val = item.partition("=")
        try:
            if not sep or not col:
                raise ValueError("use COL=VALUE")
            out.setdefault(col, []).append(float(val))
        except ValueError as exc:
            raise ValidationError(
                [FieldError(f"--special {item}", "special_value", str(exc))]
            ) from exc
    return out


def _metrics_table(ev: gc.ModelEvaluation) -> Table:
    t = Table("metric", "value")
    t.add_row("n", str(ev.n))
    for k in ("bad_rate", "auc", "gini", "ks"):
        t.add_row(k, f"{getattr(ev, k):.4f}")
    return t


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ci(value: float | None, ci: tuple[float, float] | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if ci is None else f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key or not val:
            raise ValidationError([FieldError(f"{option} {item}", "key_value", "use KEY=VALUE")])
        out[key] = val
    return out


def _audit_table(attr: str, a: gc.AttributeAudit, cutoff: float, confidence: float) -> Table:
    """One attribute's groups: each figure with its interval."""
    labelled = a.equal_opportunity_difference is not None
    cols = ["group", "n", "approval", "AIR"]
    if labelled:
        cols += ["equal opportunity diff.", "bad rate (observed)", "predicted", "AUC"]
    t = Table(*cols, title=f"{safe(attr)} (cut-off {cutoff:g}, {confidence:.0%} intervals)")
    for g, r in a.groups.items():
        name = safe(g) + ("" if r.sufficient_size else " (small)")
        row = [
            name,
            str(r.n),
            _ci(r.approval_rate, r.approval_rate_ci),
            _ci(r.adverse_impact_ratio, r.adverse_impact_ratio_ci),
        ]
        if labelled:
            row += [
                _ci(r.equal_opportunity_difference, r.equal_opportunity_difference_ci),
                _ci(r.bad_rate, r.bad_rate_ci),
                _ratio(r.mean_predicted_bad_rate) + ("" if r.calibrated is not False else " !"),
                _ratio(r.auc),
            ]
        t.add_row(*row)
    return t


def register(app: typer.Typer) -> None:
    """Add the model commands to ``app`` (each maps domain errors to exit codes)."""

    @app.command()
    def train(
        data: Annotated[str, typer.Argument(help="CSV/Parquet file or builtin:german")],
        target: TargetOpt,
        bad: BadOpt = None,
        out: Annotated[Path, typer.Option("--out", help="Model JSON to write")] = Path(
            "model.json"
        ),
        drop: Annotated[
            list[str] | None,
            typer.Option(
                "--drop", help="Column to leave out (repeat); protected columns must be dropped"
            ),
        ] = None,
        categorical: Annotated[
            list[str] | None,
            typer.Option("--categorical", help="Numeric-looking column to bin as categories"),
        ] = None,
        special: Annotated[
            list[str] | None,
            typer.Option("--special", help="COL=VALUE sentinel with its own bin (repeat)"),
        ] = None,
        method: Annotated[str, typer.Option(help="additive or classic")] = "additive",
        seed: Annotated[int, typer.Option(help="random_state")] = 0,
        monotonic: Annotated[
            list[str] | None,
            typer.Option(
                "--monotonic",
                help="COL=DIRECTION of the bad rate: ascending, descending, auto or none (repeat)",
            ),
        ] = None,
        sample_weight: Annotated[
            str | None,
            typer.Option("--sample-weight", help="Column of row weights (not a feature)"),
        ] = None,
        cv_folds: Annotated[
            int, typer.Option(help="Folds for the recorded out-of-sample figures (0: none)")
        ] = 5,
    ) -> None:
        """Fit a scorecard on DATA and write its points table and training record."""
        check_writable(out, "out")  # before the fit, not after it
        res = gc.train_model(
            data,
            target=target,
            bad=bad,
            out=out,
            drop=drop or [],
            categorical=categorical,
            special=_specials(special or []),
            method=method,
            seed=seed,
            monotonic=_pairs(monotonic or [], "--monotonic"),
            sample_weight=sample_weight,
            cv_folds=cv_folds,
        )
        console.print(
            f"trained on {res.rows} rows, {res.features} features, "
            f"scores {res.min_score}-{res.max_score}; wrote {safe(res.path)}"
        )
        for k, v in res.excluded.items():
            console.print(f"  excluded {safe(k)}: {safe(v)}")

    @app.command()
    def evaluate(
        model: Annotated[Path, typer.Argument(help="Model JSON")],
        data: Annotated[str, typer.Argument(help="Labelled CSV/Parquet or builtin:german")],
        target: TargetOpt,
        bad: BadOpt = None,
        report: Annotated[Path | None, typer.Option(help="Write the HTML report here")] = None,
        compare: Annotated[
            str | None, typer.Option(help="Second population for PSI and characteristic stability")
        ] = None,
        out: Annotated[Path | None, typer.Option(help="Write metrics JSON here")] = None,
        protected: Annotated[
            list[str] | None,
            typer.Option("--protected", help="Audit this column in the report (repeat)"),
        ] = None,
        cutoff: Annotated[
            float | None, typer.Option(help="Cut-off of the report's fairness audit")
        ] = None,
    ) -> None:
        """AUC, Gini, KS, IV, calibration (and PSI with --compare); HTML with --report,
        with the fairness audit and its intervals when --protected and --cutoff are given."""
        ev = gc.evaluate_model(
            model,
            data,
            target=target,
            bad=bad,
            compare=compare,
            with_report=report is not None,
            protected=protected or [],
            cutoff=cutoff,
        )
        console.print(_metrics_table(ev))
        if ev.stability is not None:
            console.print(f"score PSI {ev.stability.psi:.4f} ({safe(ev.stability.reading)})")
        if report is not None and ev.report_html is not None:
            write_said(report, ev.report_html, "report")
        if out:
            write_private(out, json.dumps(ev.metrics_document(), indent=2, allow_nan=False), "out")

    @app.command()
    def audit(
        model: Annotated[Path, typer.Argument(help="Model JSON")],
        data: Annotated[str, typer.Argument(help="Scored population with protected columns")],
        protected: Annotated[list[str], typer.Option("--protected", help="Column (repeat)")],
        cutoff: Annotated[float, typer.Option(help="Approve when score >= cutoff")],
        target: Annotated[str | None, typer.Option(help="Outcome column, if known")] = None,
        bad: BadOpt = None,
        period: Annotated[str | None, typer.Option(help="Column with the month")] = None,
        min_group_size: Annotated[
            int | None,
            typer.Option(help="Smaller groups are reported, never the reference (default 30)"),
        ] = None,
        reference: Annotated[
            list[str] | None,
            typer.Option("--reference", help="ATTR=GROUP: declare a reference group (repeat)"),
        ] = None,
        out: Annotated[Path | None, typer.Option(help="Write the audit JSON here")] = None,
    ) -> None:
        """Approval, adverse impact ratio, equal opportunity, calibration per group, with
        confidence intervals."""
        res = gc.audit_model(
            model,
            data,
            protected=protected,
            cutoff=cutoff,
            target=target,
            bad=bad,
            period=period,
            min_group_size=min_group_size,
            reference=_pairs(reference or [], "--reference"),
        )
        for attr, a in res.attributes.items():
            console.print(_audit_table(attr, a, cutoff, res.confidence))
            ref = "none" if a.reference_group is None else safe(a.reference_group)
            console.print(f"reference: {ref} ({safe(a.reference_rule)})")
            if a.small_groups:
                console.print(
                    f"under {a.min_group_size} members (reported, not the reference): "
                    + ", ".join(safe(g) for g in a.small_groups)
                )
            if a.four_fifths_flag:
                sure = " (upper bound too)" if a.four_fifths_flag_confident else ""
                console.print(f"[yellow]{safe(attr)}: adverse impact ratio below 0.8{sure}[/]")
        console.print(f"{res.confidence:.0%} intervals:")
        for k, v in res.interval_methods.items():
            console.print(f"  {safe(k)}: {safe(v)}")
        for row in res.over_time or []:
            airs = ", ".join(
                f"{safe(k)} {_ratio(v.min_adverse_impact_ratio)}" for k, v in row.attributes.items()
            )
            console.print(f"{safe(row.period)}: min AIR {airs}")
        if out:
            doc = res.as_json()
            over = doc.pop("over_time")
            write_private(
                out,
                json.dumps(
                    {"audit": doc, **({"over_time": over} if period else {})},
                    indent=2,
                    allow_nan=False,
                ),
                "out",
            )

    @app.command()
    def export(
        model: Annotated[Path, typer.Argument(help="Model JSON")],
        fmt: Annotated[str, typer.Option("--format", help="sql or json")] = "json",
        dialect: Annotated[str, typer.Option(help="sqlite, duckdb or postgresql")] = "sqlite",
        table: Annotated[str, typer.Option(help="Table to score (SQL)")] = "applicants",
        keep: Annotated[list[str] | None, typer.Option(help="Column to keep (SQL)")] = None,
        out: Annotated[Path | None, typer.Option(help="File to write (default: stdout)")] = None,
    ) -> None:
        """The points table as JSON, or a SQL query scoring a table."""
        res = gc.export_model(model, fmt=fmt, dialect=dialect, table=table, keep=keep)
        if out:
            write_private(out, res.text + "\n", "out")
        else:
            typer.echo(res.text)

    @app.command()
    def card(
        model: Annotated[Path, typer.Argument(help="Model JSON")],
        out: Annotated[Path, typer.Option(help="card.md or card.html")] = Path("card.md"),
        data: Annotated[str | None, typer.Option(help="Labelled data to evaluate on")] = None,
        target: Annotated[str | None, typer.Option(help="Outcome column")] = None,
        bad: BadOpt = None,
        protected: Annotated[list[str] | None, typer.Option("--protected")] = None,
        cutoff: Annotated[float | None, typer.Option(help="Cut-off for the audit")] = None,
    ) -> None:
        """Write the model card (Markdown, or HTML when OUT ends in .html)."""
        res = gc.model_card(
            model,
            html=out.suffix in (".html", ".htm"),
            data=data,
            target=target,
            bad=bad,
            protected=protected or [],
            cutoff=cutoff,
        )
        write_said(out, res.text)

    wrap_errors(app)
