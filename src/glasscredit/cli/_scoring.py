"""Scoring commands: score, explain, whatif, next-tier, history, verify-score."""

from __future__ import annotations

import json
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
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
from glasscredit.policy import parse_timestamp
from glasscredit.scoring import (
    Explanation,
    RescoreReport,
    Scorer,
    monthly_events,
    path_to_next_tier,
    rescore,
    score_history,
    score_notices,
    verify_score,
    whatif,
)
from glasscredit.store import Ledger

__all__ = ["print_distribution", "print_explanation", "register", "rescore_with_progress"]

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="RFC 3339 time to score as of (default: now)")
]


def _as_of(ledger: Ledger, text: str | None) -> int:
    if text is None:
        return ledger.clock()
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise ValidationError([FieldError("--as-of", "timestamp", str(exc))]) from exc


def rescore_with_progress(
    scorer: Scorer,
    as_of_us: int,
    computed_at_us: int,
    *,
    subjects: list[str] | None = None,
    only_changed: bool = False,
) -> RescoreReport:
    with Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scoring", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return rescore(
            scorer,
            as_of_us,
            computed_at_us,
            subjects_in=subjects,
            only_changed=only_changed,
            chunk_subjects=50_000,
            progress=tick,
        )


def print_distribution(scorer: Scorer, report: RescoreReport) -> None:
    t = Table(title=f"score distribution by tier ({report.subjects:,} subjects)")
    for col in ("tier", "range", "subjects", "share"):
        t.add_column(col, justify="left" if col == "tier" else "right")
    for tier in sorted(scorer.policy.tiers, key=lambda x: x.min):
        n = report.tiers.get(tier.name, 0)
        share = n / report.subjects if report.subjects else 0.0
        t.add_row(tier.name, f"{tier.min}-{tier.max}", f"{n:,}", f"{share:6.1%}")
    console.print(t)
    if report.scores:
        q = np.percentile(report.scores, [10, 25, 50, 75, 90])
        console.print(
            "percentiles p10/p25/p50/p75/p90: "
            + " / ".join(f"{v:.0f}" for v in q)
            + f"; stored {report.stored:,}, changed {report.changed:,}"
        )


def print_explanation(exp: Explanation) -> None:
    d = exp.as_dict()
    console.print(
        f"[bold]{exp.subject}[/] as of {d['as_of']}: [bold]{exp.score}[/] "
        f"({exp.tier}), range 350-950, policy {exp.policy_hash[:12]}"
    )
    t = Table(title="points per feature (base + sum = score, exactly)")
    for col in ("feature", "dimension", "value", "bin", "points", "max"):
        t.add_column(col, justify="right" if col in ("value", "points", "max") else "left")
    t.add_row("base", "", "", "", str(exp.base_points), "")
    for f in exp.features:
        val = "missing" if f.value is None else f"{f.value:g}"
        t.add_row(f.name, f.dimension, val, f.bin, f"{f.points:+d}", f"{f.max_points:+d}")
    t.add_row("[bold]score", "", "", "", f"[bold]{exp.points_total}", "")
    console.print(t)
    console.print(
        "dimensions: "
        + ", ".join(
            f"{k} {v['points']:+g} pts ({v['percent']:g}%)" for k, v in exp.dimensions.items()
        )
    )
    if exp.reasons:
        console.print("[bold]key factors[/] (points below the maximum):")
        for r in exp.reasons:
            evs = f"; events: {', '.join(r.events[:4])}" if r.events else ""
            more = f" +{len(r.events) - 4} more" if len(r.events) > 4 else ""
            console.print(f"  {r.code} -{r.points_below_max}: {r.text}{evs}{more}")
    console.print("perks: " + (", ".join(p["name"] for p in exp.perks) or "none"))
    for p in exp.perks_not_granted:
        console.print(f"  not yet {p['name']}: {'; '.join(p['why'])}")


def _parse_sets(values: list[str]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for item in values:
        name, sep, val = item.partition("=")
        if not sep:
            raise ValidationError([FieldError("--set", "format", f"{item!r} is not NAME=VALUE")])
        try:
            out[name] = None if val in ("", "missing", "null") else float(val)
        except ValueError as exc:
            raise ValidationError(
                [FieldError(f"--set {name}", "number", f"{val!r} is not a number")]
            ) from exc
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        as_of: AsOfOption = None,
        subject: Annotated[
            list[str] | None,
            typer.Option("--subject", help="score only these subjects (repeatable)"),
        ] = None,
        changed: Annotated[
            bool, typer.Option("--changed", help="only subjects with events since their last score")
        ] = False,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Score subjects and store the scores (all of them by default), with a progress bar."""
        with open_ledger(db, policy) as ledger:
            scorer = Scorer(ledger)
            t = _as_of(ledger, as_of)
            report = rescore_with_progress(
                scorer, t, ledger.clock(), subjects=subject, only_changed=changed
            )
            if as_json:
                emit_json(
                    {
                        "as_of_us": t,
                        "subjects": report.subjects,
                        "stored": report.stored,
                        "changed": report.changed,
                        "tiers": report.tiers,
                    }
                )
            else:
                print_distribution(scorer, report)

    @app.command()
    def explain(
        subject: str,
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """One subject's score decomposed exactly: points, reasons, events, perks."""
        with open_ledger(db, policy) as ledger:
            exp = Scorer(ledger).explain(subject, _as_of(ledger, as_of))
        if as_json:
            emit_json(exp.as_dict())
        else:
            print_explanation(exp)

    @app.command("whatif")
    def whatif_cmd(
        subject: str,
        as_of: AsOfOption = None,
        set_: Annotated[
            list[str] | None, typer.Option("--set", help="FEATURE=VALUE (repeatable)")
        ] = None,
        pay_on_time_months: Annotated[
            int, typer.Option(help="add one on-time payment a month for N months")
        ] = 0,
        amount: Annotated[float, typer.Option(help="amount of those payments")] = 50.0,
        event: Annotated[
            list[str] | None,
            typer.Option("--event", help="a hypothetical event as JSON (repeatable)"),
        ] = None,
        horizon: Annotated[
            str | None, typer.Option(help="score at as-of plus this duration, e.g. 6mo")
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Recompute a subject's score under hypothetical events or feature values."""
        with open_ledger(db, policy) as ledger:
            scorer = Scorer(ledger)
            t = _as_of(ledger, as_of)
            extra = (
                monthly_events(
                    subject, "payment.on_time", "bank", t, pay_on_time_months, {"amount": amount}
                )
                if pay_on_time_months
                else []
            )
            for i, text in enumerate(event or [], start=1):
                try:
                    extra.append(json.loads(text))
                except json.JSONDecodeError as exc:
                    raise ValidationError([FieldError(f"--event {i}", "json", str(exc))]) from exc
            result = whatif(
                scorer,
                subject,
                t,
                add_events=extra,
                set_values=_parse_sets(set_ or []),
                horizon=horizon,
            )
        if as_json:
            emit_json(result)
            return
        console.print(
            f"{subject}: {result['before']['score']} ({result['before']['tier']}) -> "
            f"[bold]{result['after']['score']}[/] ({result['after']['tier']}) at "
            f"{result['hypothesis_at']}, {result['delta']:+d} points"
        )
        for c in result["changes"]:
            console.print(
                f"  {c['feature']}: {c['old_value']} -> {c['new_value']} ({c['delta']:+d} points)"
            )

    @app.command("next-tier")
    def next_tier(
        subject: str,
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The smallest realistic changes that reach the next tier, and how long they take."""
        with open_ledger(db, policy) as ledger:
            result = path_to_next_tier(Scorer(ledger), subject, _as_of(ledger, as_of))
        if as_json:
            emit_json(result)
            return
        if result["next_tier"] is None:
            console.print(f"{subject} is in the top tier ({result['tier']}).")
            return
        console.print(
            f"{subject}: {result['score']} ({result['tier']}); "
            f"{result['next_tier']} needs {result['needs']} more points"
        )
        for p in result["paths"] or []:
            what = "; ".join(p["actions"]) or "no action"
            when = f", then wait until {p['wait_until'][:10]}" if p["wait_until"] else ""
            console.print(f"  - {what}{when} -> {p['score']} ({p['tier']})")
        if not result["paths"]:
            console.print("  no path within three changes and seven years")

    @app.command()
    def history(
        subject: str, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Every stored score of a subject, with the change notices between them."""
        with open_ledger(db, policy) as ledger:
            scorer = Scorer(ledger)
            scores = score_history(scorer, subject)
            notices = score_notices(scorer, subject)
        if as_json:
            emit_json({"scores": [s.as_dict() for s in scores], "notices": notices})
            return
        t = Table(title=f"score history of {subject}")
        for col in ("score_id", "as_of", "score", "tier", "policy"):
            t.add_column(col)
        for s in scores:
            d: dict[str, Any] = s.as_dict()
            t.add_row(str(s.score_id), d["as_of"], str(s.score), s.tier, s.policy_hash[:12])
        console.print(t)
        for n in notices:
            console.print(f"change {n['old_score']} -> {n['new_score']} at {n['at']}:")
            for line in n["lines"]:
                console.print(f"  {line}")

    @app.command("verify-score")
    def verify_score_cmd(
        score_id: int, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Recompute a stored score from the ledger: identical, or the exact difference."""
        with open_ledger(db, policy) as ledger:
            result = verify_score(Scorer(ledger), score_id)
        if as_json:
            emit_json(result)
        elif result["identical"]:
            console.print(
                f"[green]score {score_id} reproduces exactly[/]: "
                f"{result['stored_score']} for {result['subject']} "
                f"as of {result['as_of']}"
            )
        else:
            console.print(f"[red]score {score_id} differs[/]:")
            for line in result["differences"]:
                console.print(f"  {line}")
        if not result["identical"]:
            raise typer.Exit(8)
