"""The ``glasscredit`` command line: one Typer app, commands registered per concern."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from glasscredit.cli import _ledger, _model, _monitor, _rights, _scoring, _trust
from glasscredit.cli._common import exit_code_for, print_error
from glasscredit.exceptions import GlasscreditError

__all__ = ["app", "main"]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="glasscredit: transparent, manipulation-resistant credit and trust scores.",
)
_ledger.register(app)
_scoring.register(app)
_trust.register(app)
_rights.register(app)
_monitor.register(app)
# the learned scorecard's commands live under "model": "export" and "audit" at the top
# level are the subject's access export and the audit chain
_model_app = typer.Typer(
    no_args_is_help=True, help="The learned scorecard: train, evaluate, audit, export, card."
)
_model.register(_model_app)
app.add_typer(_model_app, name="model")


def main() -> None:
    """Console entry point (``glasscredit``)."""
    app()


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a domain error into its message and exit code (CLI and CliRunner alike)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GlasscreditError as exc:
            print_error(exc)
            raise typer.Exit(exit_code_for(exc)) from exc

    return wrapper


def _wrap_errors(t: typer.Typer) -> None:
    for cmd in t.registered_commands:
        if cmd.callback is not None:
            cmd.callback = _guard(cmd.callback)
    for grp in t.registered_groups:
        if grp.typer_instance is not None:
            _wrap_errors(grp.typer_instance)


# after every register() call above: every command maps domain errors to exit codes
_wrap_errors(app)
