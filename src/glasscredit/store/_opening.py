"""Opening a database safely: named errors, private files, no migration by a reader.

A ``--db`` that points at a text file, a folder, a closed port, an unknown database or
role is a :class:`~glasscredit.exceptions.LedgerError` naming the URL (its password
hidden) and the reason, never a driver's traceback. A new SQLite file is created 0600
(its WAL and shared-memory files take the database file's mode). A ledger opened
without ``create`` (read-only commands) never migrates or creates tables: an
uninitialised or older database is an error that says to run ``glasscredit init``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from glasscredit.exceptions import LedgerError

__all__ = ["display_url", "prepare_sqlite_file", "require_current_schema"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def display_url(url: URL, raw: str) -> str:
    """The URL as it may be shown: as given, or with its password replaced by ``***``."""
    return raw if url.password is None else url.render_as_string(hide_password=True)


def prepare_sqlite_file(path: Path, *, create: bool) -> None:
    """Check the SQLite file ``path``; create it owner-only when ``create``."""
    if path.is_dir():
        raise LedgerError(f"database: {path} is a folder, not a SQLite file [database]")
    if path.exists():
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head and head != _SQLITE_MAGIC:
            raise LedgerError(f"database: {path} is not a SQLite database [database]")
        return
    if not create:
        raise LedgerError(
            f"database: no ledger at {path}; run 'glasscredit init' first [initialised]"
        )
    if not path.parent.is_dir():
        raise LedgerError(f"database: the folder {path.parent} does not exist [database]")
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("glasscredit.store").joinpath("migrations"))
    )
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def require_current_schema(engine: Engine) -> None:
    """Raise unless the database is at the newest migration (nothing is written)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            raise LedgerError(
                "database: not initialised (no glasscredit tables); "
                "run 'glasscredit init' first [initialised]"
            )
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != _head_revision():
        raise LedgerError(
            f"database: schema {current} is older than this glasscredit's; "
            "run 'glasscredit init' to upgrade it [schema]"
        )
