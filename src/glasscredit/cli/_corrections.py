"""Corrections (GDPR Art. 16): correction confirm|refuse|list. A person asks for one with
``dispute open S EVENT --reason ... --correct ATTRIBUTE=VALUE``; the record's source
answers here, for its own records only."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from glasscredit import app as gc
from glasscredit.cli._common import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_context,
    safe,
)
from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["correct_option", "register"]

SourceOption = Annotated[
    str, typer.Option("--source", help="the record's source (only its own records)")
]


def correct_option(text: str | None) -> tuple[str, object] | None:
    """``ATTRIBUTE=VALUE`` from the command line: the value is read as JSON (12, 12.5,
    true, "car") and, when it is not JSON, as the word itself (car)."""
    if text is None:
        return None
    name, sep, raw = text.partition("=")
    if not sep or not name.strip() or not raw.strip():
        raise ValidationError(
            [FieldError("correct", "format", "give ATTRIBUTE=VALUE, e.g. days_late=12")]
        )
    try:
        value: object = json.loads(raw)
    except ValueError:
        value = raw.strip()
    return name.strip(), value


def _print(res: gc.CorrectionAnswer) -> None:
    console.print(
        f"dispute {res.dispute.dispute_id}: correction [bold]{safe(res.correction.status)}[/]"
    )
    console.print(safe(res.correction.text))
    if res.outcome is not None:
        before = "none" if res.outcome.score_before is None else str(res.outcome.score_before)
        console.print(f"score {before} -> [bold]{res.outcome.score_after}[/]")
        for line in res.outcome.notice.lines if res.outcome.notice else []:
            console.print(f"  {safe(line)}")


def register(app: typer.Typer) -> None:
    correction = typer.Typer(
        no_args_is_help=True,
        help="A record's source answers a correction the person asked for "
        "(dispute open ... --correct ATTRIBUTE=VALUE).",
    )
    app.add_typer(correction, name="correction")

    @correction.command("confirm")
    def confirm_cmd(
        dispute_id: IdArgument,
        source: SourceOption,
        reasons: Annotated[
            str | None, typer.Option("--reasons", help="what the source found (plain words)")
        ] = None,
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Confirm: the corrected version counts from now on; past scores stay as they were."""
        with open_context(db, policy) as ctx:
            res = gc.confirm_correction(ctx, dispute_id, source, actor=by, reasons=reasons)
        emit_json(res.as_json()) if as_json else _print(res)

    @correction.command("refuse")
    def refuse_cmd(
        dispute_id: IdArgument,
        source: SourceOption,
        response: Annotated[str, typer.Option("--response", help="why (the person reads it)")],
        by: ByOption = "operator",
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Refuse, saying why; the dispute stays open for the operator or its deadline."""
        with open_context(db, policy) as ctx:
            res = gc.refuse_correction(ctx, dispute_id, source, response, actor=by)
        emit_json(res.as_json()) if as_json else _print(res)

    @correction.command("list")
    def list_cmd(
        subject: str,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """SUBJECT's corrections, each in plain words."""
        with open_context(db, policy) as ctx:
            res = gc.list_corrections(ctx, subject)
        if as_json:
            emit_json(res.as_json())
            return
        for c in res.corrections:
            console.print(f"dispute {c.dispute_id} [bold]{safe(c.status)}[/]: {safe(c.text)}")
