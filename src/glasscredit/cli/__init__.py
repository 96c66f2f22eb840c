"""The ``glasscredit`` command line: one Typer app, commands registered per concern."""

from __future__ import annotations

import sys

import typer

from glasscredit.cli import _ledger, _rights, _scoring, _trust
from glasscredit.cli._common import exit_code_for, print_error
from glasscredit.exceptions import GlasscreditError

__all__ = ["app", "main"]

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="glasscredit: transparent, manipulation-resistant credit and trust scores.")
_ledger.register(app)
_scoring.register(app)
_trust.register(app)
_rights.register(app)


def main() -> None:
    try:
        app(standalone_mode=False)
    except GlasscreditError as exc:
        print_error(exc)
        sys.exit(exit_code_for(exc))
    except typer.Abort:
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # click's usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
