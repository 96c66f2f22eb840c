"""The ``glasscredit`` command line: one Typer app, commands registered per concern."""

from __future__ import annotations

import os

import typer

from glasscredit.cli import (
    _backfill,
    _batch,
    _corrections,
    _ledger,
    _model,
    _model_fair,
    _model_ledger,
    _monitor,
    _rights,
    _rights2,
    _scoring,
    _serve,
    _sources,
    _trust,
    _webhooks,
)
from glasscredit.cli._common import wrap_errors

__all__ = ["app", "main"]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="glasscredit: transparent, manipulation-resistant credit and trust scores.",
)
_ledger.register(app)
_backfill.register(app)
_scoring.register(app)
_trust.register(app)
_sources.register(app)
_rights.register(app)
_rights2.register(app)
_corrections.register(app)
_monitor.register(app)
_batch.register(app)
_serve.register(app)
_webhooks.register(app)
# the learned scorecard's commands live under "model": "export" and "audit" at the top
# level are the subject's access export and the audit chain
_model_app = typer.Typer(
    no_args_is_help=True,
    help="The learned scorecard: dataset, train, fair-fit, evaluate, audit, export, card, deploy.",
)
_model.register(_model_app)
_model_ledger.register(_model_app)
_model_fair.register(_model_app)
app.add_typer(_model_app, name="model")


def main() -> None:
    """Console entry point (``glasscredit``).

    Files and folders it creates (the SQLite database and its WAL, exports, the mirror,
    keys) are its owner's only: 0600 and 0700.
    """
    os.umask(0o077)
    app()


# after every register() call above: every command maps domain errors to exit codes
wrap_errors(app)
