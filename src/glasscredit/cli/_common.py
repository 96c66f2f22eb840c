"""Shared CLI plumbing: options, the application context, safe text, errors to exit codes.

Everything a partner or an operator wrote (subjects, sources, event ids, attribute
values, policy names and texts) passes through :func:`safe` before it reaches the
terminal: rich markup in it is escaped and control characters (ANSI escapes included)
are removed, so a record cannot restyle, hide or forge what an operator reads.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from glasscredit.app import Context
from glasscredit.config import load_settings
from glasscredit.exceptions import (
    AccessDeniedError,
    AuditChainError,
    ConflictError,
    FieldError,
    GlasscreditError,
    NotFoundError,
    PolicyError,
    ValidationError,
)

__all__ = [
    "ByOption",
    "DbOption",
    "IdArgument",
    "JsonOption",
    "PolicyOption",
    "SeedOption",
    "check_writable",
    "console",
    "emit_json",
    "err_console",
    "exit_code_for",
    "guarded",
    "interval_check",
    "open_context",
    "plain",
    "policy_context",
    "print_error",
    "print_table",
    "safe",
    "when",
    "wrap_errors",
    "write_private",
    "write_said",
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
# who acts: recorded in the audit row of the step
ByOption = Annotated[str, typer.Option("--by", help="who acts (recorded in the audit log)")]
# stored ids are 64-bit: 2**70 is refused as a usage error (exit 2), not an overflow
IdArgument = Annotated[int, typer.Argument(min=1, max=2**63 - 1)]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]
# a generator's seed: numpy refuses a negative one, and a C long bounds it
SeedOption = Annotated[int, typer.Option(help="generator seed", min=0, max=2**63 - 1)]

# ANSI CSI and OSC sequences first (so their parameters go too), then any control character
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(value: object) -> str:
    """``value`` as text without control characters (ANSI escapes removed whole)."""
    return _CONTROL.sub("", _ANSI.sub("", str(value)))


def safe(value: object) -> str:
    """``value`` as text fit for rich markup: no control characters, markup escaped."""
    return escape(plain(value))


def open_context(db: str | None, policy: Path | None, *, read_only: bool = False) -> Context:
    """The application context the command's options select.

    ``read_only`` for commands that only read: they never migrate or create tables.
    """
    return Context.open(load_settings().overridden(db, policy), read_only=read_only)


def policy_context(policy: Path | None) -> Context:
    """A context for commands that need the policy only (no database is opened)."""
    return open_context(None, policy)


def check_writable(path: Path, field: str) -> None:
    """Refuse, before any work is done, a file to write whose folder does not exist or
    that is a folder itself."""
    if not path.parent.is_dir():
        raise ValidationError(
            [FieldError(field, "folder", f"the folder {path.parent} does not exist")]
        )
    if path.is_dir():
        raise ValidationError([FieldError(field, "file", f"{path} is a folder")])


def write_private(path: Path, text: str, field: str) -> None:
    """Write ``text`` to a file only its owner can read (0600): exports hold personal data."""
    check_writable(path, field)
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an existing file keeps no wider mode
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise ValidationError(
            [FieldError(field, "writable", f"cannot write {path}: {exc.strerror}")]
        ) from exc


#: a polling loop's interval: long enough not to spin, short enough to be stopped
MIN_INTERVAL_S, MAX_INTERVAL_S = 0.05, 3600.0


def interval_check(value: float) -> float:
    """A Typer callback for a loop's ``--interval``: 0.05 to 3,600 seconds (a NaN passes
    a plain range check and makes the loop spin; infinity overflows the wait)."""
    if not MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:  # false for NaN too
        raise typer.BadParameter(f"{value} is not between {MIN_INTERVAL_S} and {MAX_INTERVAL_S}")
    return value


def write_said(path: Path, text: str, field: str = "out") -> None:
    """Write ``text`` privately to ``path`` (:func:`write_private`) and say so: what every
    ``--out`` of an export, a report or a model does."""
    write_private(path, text, field)
    console.print(f"wrote {safe(path)}")


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    right: Collection[str] = (),
) -> None:
    """A table of rows under ``columns`` (``right``: the columns aligned right).

    Cells are printed as given: partner and person text in them goes through
    :func:`safe` first, as everywhere.
    """
    t = Table(title=title)
    for col in columns:
        t.add_column(col, justify="right" if col in right else "left")
    for row in rows:
        t.add_row(*row)
    console.print(t)


def when(us: int) -> str:
    """An epoch-microsecond time as RFC 3339 UTC, to the second."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # a bug: never a traceback, one line that says so, exit 1
            err_console.print(
                f"[bold red]error:[/] internal error ({type(exc).__name__}): {safe(exc)}"
            )
            raise typer.Exit(1) from exc

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
