"""Settings, read from the environment by the front doors (CLI, service), never at import.

``GLASSCREDIT_DATABASE_URL`` selects the ledger (a SQLite file by default, PostgreSQL by
URL); ``GLASSCREDIT_POLICY`` a policy file (the shipped default otherwise).
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from glasscredit.policy import Policy, default_policy, load_policy

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "system_clock"]

DEFAULT_DATABASE_URL = "sqlite:///glasscredit.db"


class Settings(BaseSettings):
    """Where the ledger lives and which policy governs it."""

    model_config = SettingsConfigDict(env_prefix="GLASSCREDIT_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    policy: Path | None = None

    def overridden(self, database_url: str | None = None, policy: Path | None = None) -> Settings:
        """These settings with a front door's options on top (``None`` keeps the value)."""
        update: dict[str, object] = {}
        if database_url:
            update["database_url"] = database_url
        if policy:
            update["policy"] = policy
        return self.model_copy(update=update)

    def load_policy(self) -> Policy:
        return load_policy(self.policy) if self.policy else default_policy()


def system_clock() -> int:
    """Now, in epoch microseconds: only front doors call this and hand it to the core."""
    return time.time_ns() // 1_000
