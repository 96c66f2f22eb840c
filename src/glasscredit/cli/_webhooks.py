"""Webhook commands: subscribe, deliver the outbox, list and replay dead letters."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from glasscredit import app as gc
from glasscredit.cli._common import (
    DbOption,
    IdArgument,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    interval_check,
    open_context,
    print_table,
    safe,
    when,
)

__all__ = ["register"]


def _print_hooks(hooks: list[gc.WebhookView]) -> None:
    print_table(
        "webhooks",
        ("id", "owner", "url", "topics", "created", "by"),
        (
            (
                str(h.id),
                safe(h.owner),
                safe(h.url),
                ", ".join(h.topics),
                when(h.created_at_us),
                safe(h.created_by),
            )
            for h in hooks
        ),
    )


def register(app: typer.Typer) -> None:
    hooks = typer.Typer(
        no_args_is_help=True,
        help="Webhooks: dispute notices to sources, change notices to the operator, signed.",
    )
    app.add_typer(hooks, name="webhooks")

    @hooks.command("add")
    def add(
        url: Annotated[str, typer.Argument(help="https:// address (http only on this machine)")],
        owner: Annotated[
            str, typer.Option(help="operator, or the source the webhook speaks to")
        ] = "operator",
        topic: Annotated[
            list[str] | None,
            typer.Option("--topic", help="dispute.opened, dispute.resolved, score.changed"),
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Subscribe URL; the signing secret is printed once (audited)."""
        topics = topic or (
            ["dispute.opened", "dispute.resolved", "score.changed"]
            if owner == "operator"
            else ["dispute.opened", "dispute.resolved"]
        )
        with open_context(db, policy) as ctx:
            made = gc.add_webhook(ctx, owner, url, topics, actor="cli")
        if as_json:
            emit_json(made.as_json())
            return
        _print_hooks([made.webhook])
        console.print("signing secret (shown once, give it to the receiver):")
        typer.echo(made.secret)

    @hooks.command("list")
    def list_(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """The active subscriptions (never their secrets)."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.list_webhooks(ctx)
        if as_json:
            emit_json(res.as_json())
        else:
            _print_hooks(res.webhooks)

    @hooks.command("remove")
    def remove(
        webhook_id: IdArgument,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Stop a subscription now; its pending deliveries become dead letters (audited)."""
        with open_context(db, policy) as ctx:
            res = gc.remove_webhook(ctx, webhook_id, actor="cli")
        if as_json:
            emit_json(res.as_json())
        else:
            console.print(f"webhook {res.id} removed")

    @hooks.command("deliver")
    def deliver(
        once: Annotated[bool, typer.Option(help="one step, then exit")] = False,
        interval: Annotated[
            float, typer.Option(help="seconds between steps", callback=interval_check)
        ] = 1.0,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Send what the outbox holds, retrying with backoff, until interrupted."""
        stop = threading.Event()
        with open_context(db, policy) as ctx:
            while True:
                run = gc.deliver_webhooks(ctx)
                if once:
                    if as_json:
                        emit_json(run.as_json())
                    else:
                        console.print(
                            f"enqueued {run.enqueued}, delivered {run.delivered}, "
                            f"retrying {run.retrying}, dead {run.dead}"
                        )
                    return
                try:
                    stop.wait(interval)
                except KeyboardInterrupt:
                    return

    @hooks.command("dead")
    def dead(db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False) -> None:
        """Deliveries that failed every attempt: replay them once the receiver is fixed."""
        with open_context(db, policy, read_only=True) as ctx:
            res = gc.dead_letters(ctx)
        if as_json:
            emit_json(res.as_json())
            return
        print_table(
            "dead letters",
            ("delivery", "webhook", "topic", "attempts", "last error", "created"),
            (
                (
                    str(d.id),
                    str(d.webhook_id),
                    d.topic,
                    str(d.attempts),
                    safe(d.last_error or ""),
                    when(d.created_at_us),
                )
                for d in res.deliveries
            ),
        )

    @hooks.command("replay")
    def replay(
        delivery_id: Annotated[list[int] | None, typer.Argument(min=1, max=2**63 - 1)] = None,
        all_: Annotated[bool, typer.Option("--all", help="every dead letter")] = False,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Send dead letters again from now (audited)."""
        with open_context(db, policy) as ctx:
            n = gc.replay_dead_letters(ctx, "all" if all_ else list(delivery_id or []), actor="cli")
        console.print(f"{n} dead letter(s) queued again")
