"""CLI for the learned scorecard: ``train``, ``evaluate``, ``audit``, ``export``, ``card``.

DATA is a CSV or Parquet file, or ``builtin:german`` for the shipped German credit data.
The model file is the JSON document written by ``train`` (never a pickle).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import polars as pl
import typer
from rich.markup import escape
from rich.table import Table

from glasscredit.cli._common import console, err_console, exit_code_for
from glasscredit.exceptions import FieldError, GlasscreditError, ValidationError

__all__ = ["register"]

TargetOpt = Annotated[str, typer.Option("--target", help="Outcome column")]
BadOpt = Annotated[
    str | None,
    typer.Option(
        "--bad", help="Value of the target that means default (default: 1 / 'bad' / 'yes')"
    ),
]


def read_data(path: str) -> pl.DataFrame:
    """Read CSV/Parquet, or the shipped German credit data (``builtin:german``)."""
    from glasscredit.model import load_german_credit

    if path == "builtin:german":
        return load_german_credit()
    p = Path(path)
    try:
        return (
            pl.read_parquet(p)
            if p.suffix in (".parquet", ".pq")
            else pl.read_csv(p, infer_schema_length=10_000)
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        from glasscredit.exceptions import IngestFileError

        raise IngestFileError([FieldError(str(p), "readable_table", str(exc))]) from exc


def bad_vector(frame: pl.DataFrame, target: str, bad: str | None) -> np.ndarray[Any, Any]:
    """1 where the outcome is the bad value; the bad value is inferred only when obvious."""
    if target not in frame.columns:
        raise ValidationError([FieldError(target, "target_present", "no such column")])
    s = frame.get_column(target)
    values = {str(v) for v in s.drop_nulls().unique().to_list()}
    if bad is None:
        for guess in ("1", "bad", "yes", "True", "true"):
            if guess in values:
                bad = guess
                break
        else:
            raise ValidationError(
                [
                    FieldError(
                        target,
                        "bad_value",
                        f"name the bad outcome with --bad (values: {sorted(values)[:5]})",
                    )
                ]
            )
    if s.null_count():
        raise ValidationError(
            [FieldError(target, "no_missing_target", f"{s.null_count()} rows have no outcome")]
        )
    return (s.cast(pl.Utf8) == bad).to_numpy().astype(np.int64)


def _run(fn: Any) -> None:
    try:
        fn()
    except GlasscreditError as exc:
        # escaped: the "[rule]" at the end of each message is not rich markup
        err_console.print(f"[bold red]error:[/] {type(exc).__name__}: {escape(str(exc))}")
        raise typer.Exit(exit_code_for(exc)) from exc


def _metrics_table(ev: dict[str, Any]) -> Table:
    t = Table("metric", "value")
    for k in ("n", "bad_rate", "auc", "gini", "ks"):
        t.add_row(k, f"{ev[k]:.4f}" if isinstance(ev[k], float) else str(ev[k]))
    return t


def register(app: typer.Typer) -> None:
    """Add the model commands to ``app``."""

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
    ) -> None:
        """Fit a scorecard on DATA and write its points table and training record."""
        from glasscredit.model import ScorecardClassifier, save_model

        def go() -> None:
            frame = read_data(data)
            y = bad_vector(frame, target, bad)
            X = frame.drop([target, *(drop or [])], strict=False)
            specials: dict[str, list[float]] = {}
            for item in special or []:
                col, _, val = item.partition("=")
                specials.setdefault(col, []).append(float(val))
            est = ScorecardClassifier(
                method=method,
                categorical_features=categorical,
                special_values=specials or None,
                random_state=seed,
            )
            est.fit(X, y)
            save_model(
                est,
                out,
                data={
                    "source": data,
                    "rows": frame.height,
                    "bad_rate": round(float(y.mean()), 4),
                    "target": target,
                    "left_out_by_operator": drop or [],
                },
            )
            t = est.to_points_table()
            console.print(
                f"trained on {frame.height} rows, {len(t.features)} features, "
                f"scores {t.min_total}-{t.max_total}; wrote {out}"
            )
            for k, v in est.excluded_.items():
                console.print(f"  excluded {k}: {v}")

        _run(go)

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
    ) -> None:
        """AUC, Gini, KS, IV, calibration (and PSI with --compare); HTML with --report."""
        from glasscredit.model import evaluate as run_eval
        from glasscredit.model import load_model, report_html, stability

        def go() -> None:
            m = load_model(model)
            frame = read_data(data)
            ev = run_eval(m, frame, bad_vector(frame, target, bad))
            stab = stability(m, frame, read_data(compare)) if compare else None
            console.print(_metrics_table(ev))
            if stab:
                console.print(f"score PSI {stab['score']['psi']:.4f} ({stab['score']['reading']})")
            if report:
                report.write_text(report_html(m, ev, f"Scorecard report: {model.name}", stab))
                console.print(f"wrote {report}")
            if out:
                slim = {k: v for k, v in ev.items() if k not in ("score", "y")}
                out.write_text(
                    json.dumps({"evaluation": slim, "stability": stab}, indent=2, allow_nan=False)
                )

        _run(go)

    @app.command()
    def audit(
        model: Annotated[Path, typer.Argument(help="Model JSON")],
        data: Annotated[str, typer.Argument(help="Scored population with protected columns")],
        protected: Annotated[list[str], typer.Option("--protected", help="Column (repeat)")],
        cutoff: Annotated[float, typer.Option(help="Approve when score >= cutoff")],
        target: Annotated[str | None, typer.Option(help="Outcome column, if known")] = None,
        bad: BadOpt = None,
        period: Annotated[str | None, typer.Option(help="Column with the month")] = None,
        out: Annotated[Path | None, typer.Option(help="Write the audit JSON here")] = None,
    ) -> None:
        """Approval rate, adverse impact ratio, equal opportunity, AUC per group."""
        from glasscredit.model import audit as run_audit
        from glasscredit.model import audit_over_time, load_model, score_table

        def go() -> None:
            m = load_model(model)
            frame = read_data(data)
            missing = [c for c in protected if c not in frame.columns]
            if missing:
                raise ValidationError(
                    [FieldError(c, "column_present", "no such column") for c in missing]
                )
            score = score_table(m.table, frame)
            y = bad_vector(frame, target, bad) if target else None
            groups = {c: frame.get_column(c).to_list() for c in protected}
            res = run_audit(score, groups, cutoff, y, m.pd_bad(score))
            doc: dict[str, Any] = {"audit": res}
            for attr, a in res["attributes"].items():
                t = Table("group", "n", "approval", "AIR", title=f"{attr} (cut-off {cutoff})")
                for g, r in a["groups"].items():
                    air = r["adverse_impact_ratio"]
                    t.add_row(
                        g,
                        str(r["n"]),
                        f"{r['approval_rate']:.3f}",
                        "n/a" if air is None else f"{air:.3f}",
                    )
                console.print(t)
                if a["four_fifths_flag"]:
                    console.print(f"[yellow]{attr}: adverse impact ratio below 0.8[/]")
            if period:
                doc["over_time"] = audit_over_time(
                    score, groups, frame.get_column(period).to_list(), cutoff, y
                )
                for row in doc["over_time"]:
                    airs = {k: v["min_adverse_impact_ratio"] for k, v in row["attributes"].items()}
                    console.print(f"{row['period']}: min AIR {airs}")
            if out:
                out.write_text(json.dumps(doc, indent=2, allow_nan=False))

        _run(go)

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
        from glasscredit.model import load_model, to_json, to_sql

        def go() -> None:
            m = load_model(model)
            if fmt == "json":
                text = to_json(m.table)
            elif fmt == "sql":
                text = to_sql(m.table, table, dialect, keep) + ";"
            else:
                raise ValidationError(
                    [FieldError("--format", "export_format", f"{fmt!r} is not sql or json")]
                )
            if out:
                out.write_text(text + "\n")
            else:
                typer.echo(text)

        _run(go)

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
        from glasscredit.model import audit as run_audit
        from glasscredit.model import card_html, card_markdown, load_model, score_table
        from glasscredit.model import evaluate as run_eval

        def go() -> None:
            m = load_model(model)
            ev = fair = None
            if data and target:
                frame = read_data(data)
                y = bad_vector(frame, target, bad)
                ev = run_eval(m, frame, y)
                if protected and cutoff is not None:
                    score = score_table(m.table, frame)
                    fair = run_audit(
                        score,
                        {c: frame.get_column(c).to_list() for c in protected},
                        cutoff,
                        y,
                        m.pd_bad(score),
                    )
            md = card_markdown(m, ev, fair, name=model.stem)
            out.write_text(card_html(md) if out.suffix in (".html", ".htm") else md)
            console.print(f"wrote {out}")

        _run(go)
