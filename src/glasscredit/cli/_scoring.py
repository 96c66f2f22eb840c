"""Scoring commands: score, refresh, explain, whatif, next-tier, history, verify-score."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from glasscredit import app as gc
from glasscredit.cli._common import (
    DbOption,
    IdArgument,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_context,
    policy_context,
    safe,
)
from glasscredit.exceptions import FieldError, ValidationError

__all__ = [
    "AsOfOption",
    "as_of_option",
    "print_causes",
    "print_distribution",
    "print_explanation",
    "register",
    "score_progress",
]

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="RFC 3339 time to score as of (default: now)")
]


def as_of_option(text: str | None) -> int | None:
    """``--as-of`` in epoch microseconds (``None``: now, by the context's clock)."""
    return None if text is None else gc.parse_time(text, "--as-of")


@contextmanager
def score_progress() -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar; yields the callback the scoring use cases call."""
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

        yield tick


@contextmanager
def _refresh_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A transient bar that names the phase: trust, reports, scoring."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("trust", total=None)

        def tick(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        yield tick


def print_distribution(run: gc.ScoreRun) -> None:
    t = Table(title=f"score distribution by tier ({run.subjects:,} subjects)")
    for col in ("tier", "range", "subjects", "share"):
        t.add_column(col, justify="left" if col == "tier" else "right")
    for tier in run.distribution:
        t.add_row(
            safe(tier.tier), f"{tier.min}-{tier.max}", f"{tier.subjects:,}", f"{tier.share:6.1%}"
        )
    console.print(t)
    if run.percentiles:
        console.print(
            "percentiles p10/p25/p50/p75/p90: "
            + " / ".join(f"{v:.0f}" for v in run.percentiles.values())
            + f"; stored {run.stored:,}, changed {run.changed:,}"
        )
    print_causes(run)


def print_causes(run: gc.ScoreRun) -> None:
    """Why scores changed: change notices per cause, most frequent first."""
    if run.unchanged:
        console.print(f"looked at again and unchanged (score kept): {run.unchanged:,}")
    if run.causes:
        console.print(f"[bold]{run.changed:,} subjects changed[/], because of:")
        for cause, n in run.causes.items():
            console.print(f"  {n:>8,}  {safe(cause)}")


def print_explanation(exp: gc.Explanation, words: Mapping[str, str] | None = None) -> None:
    """The explanation as a table; ``words`` names dimensions and tiers in plain words
    (the policy's labels), falling back to their keys."""
    say = dict(words or {})
    lo, hi = exp.range
    console.print(
        f"[bold]{safe(exp.subject)}[/] as of {exp.as_of}: [bold]{exp.score}[/] "
        f"({safe(say.get(exp.tier, exp.tier))}), on a scale of {lo} to {hi}, "
        f"policy {exp.policy_hash[:12]}"
    )
    # plain words from the policy's texts; the names and bins are in --json
    t = Table(title="points per part (base + sum = score, exactly)")
    for col in ("part", "dimension", "what we found", "points", "best"):
        t.add_column(col, justify="right" if col in ("points", "best") else "left")
    t.add_row("base", "", "", str(exp.base_points), "")
    for f in exp.features:
        t.add_row(
            safe(f.label or f.name),
            safe(say.get(f.dimension, f.dimension)),
            safe(f.words or f.bin),
            f"{f.points:+d}",
            f"{f.max_points:+d}",
        )
    t.add_row("[bold]score", "", "", f"[bold]{exp.points_total}", "")
    console.print(t)
    for f in exp.features:
        if f.note:
            console.print(f"  {safe(f.label or f.name)}: {safe(f.note)}")
    console.print(
        "dimensions: "
        + ", ".join(
            f"{safe(say.get(k, k))} {v.points:+g} pts ({v.percent:g}%)"
            for k, v in exp.dimensions.items()
        )
    )
    if exp.reasons:
        console.print("[bold]key factors[/] (points below the maximum):")
        for r in exp.reasons:
            named = [f"{s}:{e}" for s, e in zip(r.sources, r.events, strict=False)] or r.events
            evs = f"; events: {', '.join(safe(e) for e in named[:4])}" if r.events else ""
            more = f" +{len(r.events) - 4} more" if len(r.events) > 4 else ""
            console.print(f"  {safe(r.code)} -{r.points_below_max}: {safe(r.text)}{evs}{more}")
            if r.advice:
                console.print(f"      what you can do: {safe(r.advice)}")
    console.print(
        "perks: "
        + (
            ", ".join(
                safe(p.label or p.name) + (" (provisional)" if p.provisional else "")
                for p in exp.perks
            )
            or "none"
        )
    )
    for g in exp.perks:
        if g.provisional and g.provisional_because:
            console.print(f"  provisional {safe(g.label or g.name)}: {safe(g.provisional_because)}")
    for p in exp.perks_not_granted:
        console.print(f"  not yet {safe(p.label or p.name)}: {safe('; '.join(p.why))}")
    for d in exp.disputes:
        console.print(f"[bold]dispute {d.dispute_id}:[/] {safe(d.text)}")
    if exp.dispute_freeze is not None and (exp.disputes or not exp.dispute_freeze.immediate):
        console.print(f"disputes: {safe(exp.dispute_freeze.text)}")
    for n in exp.not_counted:
        console.print(f"not counted {safe(n.get('event_id', ''))}: {safe(n.get('why', ''))}")


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


def _parse_actions(values: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in values:
        name, sep, val = item.partition("=")
        try:
            if not sep:
                raise ValueError(f"{item!r} is not NAME=TIMES")
            out[name] = int(val)
        except ValueError as exc:
            raise ValidationError([FieldError("--action", "format", str(exc))]) from exc
    return out


def _parse_events(values: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, text in enumerate(values, start=1):
        try:
            out.append(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValidationError([FieldError(f"--event {i}", "json", str(exc))]) from exc
    return out


def _print_whatif(res: gc.WhatIf) -> None:
    console.print(
        f"{safe(res.subject)}: {res.before.score} ({safe(res.before.tier)}) -> "
        f"[bold]{res.after.score}[/] ({safe(res.after.tier)}) at "
        f"{res.hypothesis_at}, {res.delta:+d} points"
    )
    for c in res.changes:
        console.print(f"  {safe(c.feature)}: {c.old_value} -> {c.new_value} ({c.delta:+d} points)")


def _print_actions(actions: gc.WhatIfActions) -> None:
    if not actions.actions:
        console.print("the policy offers no what-if actions")
    for a in actions.actions:
        console.print(
            f"  {safe(a.name)}: {safe(a.description)} "
            f"(one {safe(a.type)} from {safe(a.source)} every {safe(a.every)})"
        )


def _register_whatif(app: typer.Typer) -> None:
    @app.command("whatif")
    def whatif_cmd(
        subject: str,
        as_of: AsOfOption = None,
        set_: Annotated[
            list[str] | None, typer.Option("--set", help="FEATURE=VALUE (repeatable)")
        ] = None,
        action: Annotated[
            list[str] | None,
            typer.Option(
                "--action",
                help="NAME=TIMES: an action the policy offers, repeated once a period "
                "(repeatable; whatif-actions lists them)",
            ),
        ] = None,
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
        """Recompute a subject's score under hypothetical actions, events or feature values."""
        with open_context(db, policy) as ctx:
            res = gc.what_if(
                ctx,
                subject,
                as_of_us=as_of_option(as_of),
                set_values=_parse_sets(set_ or []),
                actions=_parse_actions(action or []),
                events=_parse_events(event or []),
                horizon=horizon,
            )
        emit_json(res.as_json()) if as_json else _print_whatif(res)

    @app.command("whatif-actions")
    def whatif_actions_cmd(policy: PolicyOption = None, as_json: JsonOption = False) -> None:
        """The realistic actions the policy offers to whatif --action (no database needed)."""
        with policy_context(policy) as ctx:
            acts = gc.what_if_actions(ctx)
        emit_json(acts.as_json()) if as_json else _print_actions(acts)


def _print_next_tier(res: gc.NextTier) -> None:
    if res.next_tier is None:
        console.print(f"{safe(res.subject)} is in the top tier ({safe(res.tier)}).")
        return
    console.print(
        f"{safe(res.subject)}: {res.score} ({safe(res.tier)}); "
        f"{safe(res.next_tier)} needs {res.needs} more points"
    )
    for p in res.paths:
        what = safe("; ".join(p.actions)) or "no action"
        when = f", then wait until {p.wait_until[:10]}" if p.wait_until else ""
        console.print(f"  - {what}{when} -> {p.score} ({safe(p.tier)})")
    if not res.paths:
        console.print("  no path within three changes and seven years")


def _print_history(res: gc.ScoreHistory, subject: str) -> None:
    t = Table(title=f"score history of {safe(subject)}")
    for col in ("score_id", "as_of", "score", "tier", "policy"):
        t.add_column(col)
    for s in res.scores:
        t.add_row(str(s.score_id), s.as_of, str(s.score), safe(s.tier), s.policy_hash[:12])
    console.print(t)
    for n in res.notices:
        why = f" because: {safe('; '.join(n.causes))}" if n.causes else ""
        console.print(f"change {n.old_score} -> {n.new_score} at {n.at}{why}:")
        for line in n.lines:
            console.print(f"  {safe(line)}")


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        as_of: AsOfOption = None,
        subject: Annotated[
            list[str] | None,
            typer.Option("--subject", help="score only these subjects (repeatable)"),
        ] = None,
        changed: Annotated[
            bool,
            typer.Option(
                "--changed",
                help="only subjects whose points or inputs moved since their last score "
                "(new events, trust or reports recomputed, disputes, holds, a new policy)",
            ),
        ] = False,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Score subjects and store the scores (all of them by default), with a progress bar.

        With --as-of in the past: a read over what the ledger knows now, never stored.
        """
        with open_context(db, policy) as ctx, score_progress() as tick:
            run = gc.score(
                ctx,
                as_of_us=as_of_option(as_of),
                subjects=subject,
                only_changed=changed,
                progress=tick,
            )
        if as_json:
            data = run.as_json()
            keys = (
                "as_of_us",
                "subjects",
                "stored",
                "changed",
                "unchanged",
                "causes",
                "tiers",
                "historical",
            )
            emit_json({k: data[k] for k in keys})
        else:
            print_distribution(run)
            if run.historical:
                console.print(
                    "as of a past time: a read over what the ledger knows now, not stored"
                )

    @app.command()
    def refresh(
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Recompute trust and reports, then rescore the subjects whose score moved and
        say how many changed and why."""
        with open_context(db, policy) as ctx, _refresh_progress() as tick:
            res = gc.refresh(ctx, as_of_us=as_of_option(as_of), progress=tick)
        if as_json:
            emit_json(res.as_json())
            return
        console.print(
            f"trust: {res.trust.subjects:,} subjects, {res.trust.seeds:,} seeds; "
            f"reports: {res.reports.corroborated:,} of {res.reports.targets:,} targets "
            "corroborated"
        )
        console.print(
            f"rescored {res.run.subjects:,}, stored {res.run.stored:,}, changed {res.run.changed:,}"
        )
        print_causes(res.run)

    @app.command()
    def explain(
        subject: str,
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """One subject's score decomposed exactly: points, reasons, events, perks."""
        with open_context(db, policy, read_only=True) as ctx:
            exp = gc.explain(ctx, subject, as_of_us=as_of_option(as_of))
            words = gc.plain_names(ctx)
        emit_json(exp.as_json()) if as_json else print_explanation(exp, words)

    _register_whatif(app)

    @app.command("next-tier")
    def next_tier(
        subject: str,
        as_of: AsOfOption = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The smallest realistic changes that reach the next tier, and how long they take."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.next_tier(ctx, subject, as_of_us=as_of_option(as_of))
        emit_json(res.as_json()) if as_json else _print_next_tier(res)

    @app.command()
    def history(
        subject: str, db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Every stored score of a subject, with the change notices between them."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.history(ctx, subject)
        emit_json(res.as_json()) if as_json else _print_history(res, subject)

    @app.command("verify-score")
    def verify_score_cmd(
        score_id: IdArgument,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Recompute a stored score from the ledger: identical, or the exact difference."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.verify_score(ctx, score_id)
        if as_json:
            emit_json(res.as_json())
        elif res.identical:
            console.print(
                f"[green]score {score_id} reproduces exactly[/]: "
                f"{res.stored_score} for {safe(res.subject)} as of {res.as_of}"
            )
        else:
            console.print(f"[red]score {score_id} differs[/]:")
            for line in res.differences:
                console.print(f"  {safe(line)}")
        if not res.identical:
            raise typer.Exit(8)
