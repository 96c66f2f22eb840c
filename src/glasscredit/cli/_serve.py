"""``glasscredit serve``, ``glasscredit keys ...`` and ``glasscredit token issue``.

``serve`` runs the REST service (``glasscredit.api``, the ``api`` extra) under uvicorn:
SQLite by default, PostgreSQL by URL; several workers only on PostgreSQL, since SQLite
has one writer; and one scoring worker thread (``work`` runs it alone). ``keys``
creates, lists and revokes API keys through the application
layer (each step audited); ``token issue`` signs a subject's token for demos and tests.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from typing import Annotated

import typer

from glasscredit import app as gc
from glasscredit.cli._common import (
    DbOption,
    JsonOption,
    PolicyOption,
    console,
    emit_json,
    interval_check,
    open_context,
    print_table,
    safe,
)
from glasscredit.config import Settings, load_settings, system_clock
from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["register"]


def _print_keys(keys: list[gc.ApiKeyView]) -> None:
    print_table(
        "API keys",
        ("key_id", "name", "role", "source", "created", "revoked"),
        (
            (
                safe(k.key_id),
                safe(k.name),
                k.role,
                safe(k.source or ""),
                k.created_at[:19],
                (k.revoked_at or "")[:19],
            )
            for k in keys
        ),
    )


#: uvicorn's log levels (its config raises a KeyError on any other)
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _check_listen(host: str, log_level: str) -> None:
    """Refuse, by name, what uvicorn would crash on or silently widen: an empty host
    listens on every interface, an unknown log level is a KeyError inside uvicorn."""
    if not host or len(host) > 253 or not host.isprintable() or host.strip() != host:
        raise ValidationError(
            [FieldError("--host", "address", "an address or host name of 1 to 253 characters")]
        )
    if log_level.lower() not in LOG_LEVELS:
        raise ValidationError(
            [FieldError("--log-level", "choice", f"one of {', '.join(LOG_LEVELS)}")]
        )


def _follow(settings: Settings, stop: threading.Event) -> None:
    with gc.Context.open(settings) as ctx:
        gc.follow(ctx, stop)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port", min=1, max=65_535)] = 8000,
        workers: Annotated[
            int, typer.Option(help="worker processes (PostgreSQL only)", max=256)
        ] = 1,
        log_level: Annotated[
            str, typer.Option(help="critical, error, warning, info, debug or trace")
        ] = "INFO",
        score_worker: Annotated[
            bool, typer.Option(help="score subjects as their events arrive (one worker thread)")
        ] = True,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Run the REST service (OpenAPI at /docs and /openapi.json)."""
        import uvicorn  # the api extra; imported only by the command that needs it

        from glasscredit.api import MULTIPROC_ENV

        _check_listen(host, log_level)
        settings = load_settings().overridden(db, policy)
        settings.key_secret()  # refuse to start without a real secret
        if workers < 1:
            raise ValidationError([FieldError("workers", "positive", f"{workers} is below 1")])
        if workers > 1 and settings.database_url.startswith("sqlite"):
            raise ValidationError(
                [
                    FieldError(
                        "workers",
                        "single_writer",
                        "SQLite has one writer: serve it with --workers 1, or use PostgreSQL",
                    )
                ]
            )
        with gc.Context.open(settings) as ctx:  # migrate once, before any worker starts
            info = gc.init_ledger(ctx)
        os.environ["GLASSCREDIT_DATABASE_URL"] = settings.database_url
        if settings.policy is not None:
            os.environ["GLASSCREDIT_POLICY"] = str(settings.policy)
        metrics_dir = None
        if workers > 1:  # each worker's metrics in files of a folder of this serve's own
            metrics_dir = tempfile.mkdtemp(prefix="glasscredit-metrics-")
            os.environ[MULTIPROC_ENV] = metrics_dir
        else:
            os.environ.pop(MULTIPROC_ENV, None)  # one process: its own registry is the truth
        os.environ["GLASSCREDIT_LOG_JSON"] = "1"
        os.environ["GLASSCREDIT_LOG_LEVEL"] = log_level.upper()
        console.print(
            f"serving {safe(info.dialect)} ledger, policy {safe(info.policy_name)} "
            f"on http://{safe(host)}:{port} ({workers} worker{'s' if workers > 1 else ''})"
            + (f"; metrics summed in {safe(metrics_dir)}" if metrics_dir else "")
        )
        # one scoring worker, in this process: uvicorn's server or its workers' supervisor
        stop = threading.Event()
        worker = threading.Thread(
            target=_follow, args=(settings, stop), name="glasscredit-scoring", daemon=True
        )
        if score_worker:
            worker.start()
        try:
            uvicorn.run(
                "glasscredit.api:create_app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level=log_level.lower(),
                access_log=False,  # the service logs each request itself, as JSON with its id
            )
        finally:
            stop.set()
            if score_worker:
                worker.join(timeout=30)
            if metrics_dir is not None:
                shutil.rmtree(metrics_dir, ignore_errors=True)
                os.environ.pop(MULTIPROC_ENV, None)

    @app.command()
    def work(
        interval: Annotated[
            float, typer.Option(help="seconds between polls when idle", callback=interval_check)
        ] = 0.2,
        db: DbOption = None,
        policy: PolicyOption = None,
    ) -> None:
        """Run the scoring worker alone: scores follow events until interrupted."""
        stop = threading.Event()
        with open_context(db, policy) as ctx:
            try:
                gc.follow(ctx, stop, interval_s=interval)
            except KeyboardInterrupt:
                stop.set()

    keys = typer.Typer(no_args_is_help=True, help="API keys of sources, operators, auditors.")
    app.add_typer(keys, name="keys")

    @keys.command("create")
    def keys_create(
        name: Annotated[str, typer.Argument(help="a label: who holds the key")],
        role: Annotated[str, typer.Option(help="operator, source or auditor")],
        source: Annotated[
            str | None, typer.Option(help="the source a source key speaks for")
        ] = None,
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Create a key; its token is printed once and never stored (audited)."""
        with open_context(db, policy) as ctx:
            issued = gc.create_key(ctx, name=name, role=role, source=source, actor="cli")
        if as_json:
            emit_json(issued.as_json())
            return
        _print_keys([issued.key])
        console.print("token (shown once, store it now):")
        typer.echo(issued.token)

    @keys.command("list")
    def keys_list(
        db: DbOption = None, policy: PolicyOption = None, as_json: JsonOption = False
    ) -> None:
        """Every key, active and revoked (never a token)."""
        with open_context(db, policy) as ctx:
            res = gc.list_keys(ctx)
        if as_json:
            emit_json(res.as_json())
        else:
            _print_keys(res.keys)

    @keys.command("revoke")
    def keys_revoke(
        key_id: Annotated[str, typer.Argument()],
        db: DbOption = None,
        policy: PolicyOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Revoke a key now (audited)."""
        with open_context(db, policy) as ctx:
            res = gc.revoke_key(ctx, key_id, actor="cli")
        if as_json:
            emit_json(res.as_json())
        else:
            _print_keys([res])

    token = typer.Typer(no_args_is_help=True, help="Subjects' sign-in tokens (demo and tests).")
    app.add_typer(token, name="token")

    @token.command("issue")
    def token_issue(
        subject: Annotated[str, typer.Argument()],
        ttl: Annotated[int, typer.Option(help="seconds the token lives")] = 900,
    ) -> None:
        """Sign a token naming SUBJECT with $GLASSCREDIT_JWT_PRIVATE_KEY (the demo's IdP)."""
        from glasscredit.api import issue_subject_token

        settings = load_settings()
        typer.echo(
            issue_subject_token(settings, subject, now_s=system_clock() // 1_000_000, ttl_s=ttl)
        )
