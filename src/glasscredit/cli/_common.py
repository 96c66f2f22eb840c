"""Shared CLI plumbing: options, the application context, safe text, errors to exit codes.

Everything a partner or an operator wrote (subjects, sources, event ids, attribute
values, policy names and texts) passes through :func:`safe` before it reaches the
terminal: rich markup in it is escaped and control characters (ANSI escapes included)
are removed, so a record cannot restyle, hide or forge what an operator reads.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from glasscredit.app import Context
from glasscredit.config import Settings
from glasscredit.exceptions import (
    AccessDeniedError,
    AuditChainError,
    ConflictError,
    GlasscreditError,
    NotFoundError,
    PolicyError,
    ValidationError,
)

__all__ = [
    "DbOption",
    "JsonOption",
    "PolicyOption",
    "console",
    "emit_json",
    "err_console",
    "exit_code_for",
    "guarded",
    "open_context",
    "plain",
    "policy_context",
    "print_error",
    "safe",
    "wrap_errors",
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

# ANSI CSI and OSC sequences first (so their parameters go too), then any control character
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(value: object) -> str:
    """``value`` as text without control characters (ANSI escapes removed whole)."""
    return _CONTROL.sub("", _ANSI.sub("", str(value)))


def safe(value: object) -> str:
    """``value`` as text fit for rich markup: no control characters, markup escaped."""
    return escape(plain(value))


def open_context(db: str | None, policy: Path | None) -> Context:
    """The application context the command's options select."""
    return Context.open(Settings().overridden(db, policy))


def policy_context(policy: Path | None) -> Context:
    """A context for commands that need the policy only (no database is opened)."""
    return open_context(None, policy)


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
    # escaped: the "[rule]" at the end of each message is not rich markup
    err_console.print(f"[bold red]error:[/] {type(exc).__name__}: {safe(exc)}")


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a domain error into its message and exit code (CLI and CliRunner alike)."""
    if getattr(fn, "_glasscredit_guarded", False):
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GlasscreditError as exc:
            print_error(exc)
            raise typer.Exit(exit_code_for(exc)) from exc

    wrapper._glasscredit_guarded = True  # type: ignore[attr-defined]
    return wrapper


def wrap_errors(t: typer.Typer) -> None:
    """Guard every command registered on ``t`` and its sub-apps (after registration)."""
    for cmd in t.registered_commands:
        if cmd.callback is not None:
            cmd.callback = guarded(cmd.callback)
    for grp in t.registered_groups:
        if grp.typer_instance is not None:
            wrap_errors(grp.typer_instance)
