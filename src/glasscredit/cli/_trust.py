"""Trust commands: ``glasscredit trust`` computes and stores a trust snapshot."""

from __future__ import annotations

from typing import Annotated

import typer

from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    open_ledger,
)
from glasscredit.cli._scoring import _as_of
from glasscredit.trust import TrustSnapshot, compute_trust

__all__ = ["print_trust", "register"]

AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", help="RFC 3339 time the snapshot is computed for (default: now)")]


def print_trust(snapshot: TrustSnapshot) -> None:
    """One readable paragraph about a snapshot (the demo prints it too)."""
    s = snapshot.summary()
    dropped = ", ".join(f"{k} {v:,}" for k, v in s["dropped"].items() if v)
    console.print(f"trust: {s['subjects']:,} subjects, {s['edges']:,} mutual endorsement "
                  f"edges, {s['seeds']:,} seeds, {s['iterations']} steps; "
                  f"{s['reached']:,} reached, median {s['median']:.3f}"
                  + (f"; not counted: {dropped}" if dropped else ""))


def register(app: typer.Typer) -> None:
    @app.command()
    def trust(as_of: AsOfOption = None, db: DbOption = None, policy: PolicyOption = None,
              json_out: JsonOption = False) -> None:
        """Compute trust from the endorsement graph as of a time and store it for scoring."""
        with open_ledger(db, policy) as ledger:
            snapshot = compute_trust(ledger, _as_of(ledger, as_of))
            if json_out:
                emit_json(snapshot.summary())
            else:
                print_trust(snapshot)
