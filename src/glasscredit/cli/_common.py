"""Shared CLI plumbing: options, opening the ledger, errors to exit codes, JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from glasscredit.config import Settings, system_clock
from glasscredit.exceptions import (
    AccessDeniedError,
    AuditChainError,
    ConflictError,
    GlasscreditError,
    NotFoundError,
    PolicyError,
    ValidationError,
)
from glasscredit.store import Ledger

__all__ = [
    "DbOption",
    "JsonOption",
    "PolicyOption",
    "console",
    "emit_json",
    "exit_code_for",
    "open_ledger",
    "print_error",
    "settings_from",
]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: $GLASSCREDIT_DATABASE_URL or sqlite:///glasscredit.db)"
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy YAML (default: $GLASSCREDIT_POLICY or the shipped default)"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]


def settings_from(db: str | None, policy: Path | None) -> Settings:
    s = Settings()
    if db:
        s.database_url = db
    if policy:
        s.policy = policy
    return s


def open_ledger(db: str | None, policy: Path | None) -> Ledger:
    s = settings_from(db, policy)
    return Ledger(s.database_url, s.load_policy(), clock=system_clock)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False, allow_nan=False, default=str))


def exit_code_for(exc: GlasscreditError) -> int:
    for cls, code in (
        (ValidationError, 3),
        (PolicyError, 3),
        (NotFoundError, 4),
        (ConflictError, 5),
        (AccessDeniedError, 6),
        (AuditChainError, 7),
    ):
        if isinstance(exc, cls):
            return code
    return 1


def print_error(exc: GlasscreditError) -> None:
    err_console.print(f"[bold red]error:[/] {type(exc).__name__}: {escape(str(exc))}")
