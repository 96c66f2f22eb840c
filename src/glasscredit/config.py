"""Settings, read from the environment by the front doors (CLI, service), never at import.

``GLASSCREDIT_DATABASE_URL`` selects the ledger (a SQLite file by default, PostgreSQL by
URL); ``GLASSCREDIT_POLICY`` a policy file (the shipped default otherwise). The service's
settings: ``GLASSCREDIT_SECRET`` keys the hashes of API keys (a placeholder is refused,
a missing one only where keys are used); ``GLASSCREDIT_JWT_PUBLIC_KEY`` or
``GLASSCREDIT_JWT_JWKS`` verify the subjects' tokens, ``GLASSCREDIT_JWT_PRIVATE_KEY``
signs demo tokens; ``GLASSCREDIT_RATE_LIMIT``/``GLASSCREDIT_RATE_BURST`` per key.
``GLASSCREDIT_OPERATOR_KEY`` is the operator's Ed25519 key file that signs audit
checkpoints and access exports (created 0600 on first use; default: next to a SQLite
file, ``<file>.operator.key``, else ``~/.config/glasscredit/operator.key``).
``GLASSCREDIT_FAIRNESS_GROUPS`` names the side file of protected attributes the console's
fairness audit reads (never stored).
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import Policy, default_policy, load_policy

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "load_settings", "system_clock"]

DEFAULT_DATABASE_URL = "sqlite:///glasscredit.db"
#: the secret keys 256-bit tokens' hashes: shorter or a known placeholder is refused
MIN_SECRET_CHARS = 32
_PLACEHOLDERS = ("change", "secret", "placeholder", "example", "default", "xxxx", "todo")


class Settings(BaseSettings):
    """Where the ledger lives and which policy governs it."""

    model_config = SettingsConfigDict(
        env_prefix="GLASSCREDIT_", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    policy: Path | None = None
    secret: SecretStr | None = None
    jwt_public_key: Path | None = None
    jwt_jwks: Path | None = None
    jwt_private_key: Path | None = None
    jwt_algorithm: str = "EdDSA"
    jwt_audience: str = "glasscredit"
    jwt_max_ttl_s: int = 3600
    jwt_leeway_s: int = 30
    rate_limit: float = 200.0
    rate_burst: int = 400
    operator_key: Path | None = None
    #: the operator's side file of protected attributes (subject + one column each), read
    #: by the console's fairness audit of the stored scores; never stored, never a feature
    fairness_groups: Path | None = None

    @field_validator("secret")
    @classmethod
    def _no_placeholder(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None:
            return v
        text = v.get_secret_value()
        low = text.lower()
        if (
            len(text) < MIN_SECRET_CHARS
            or len(set(text)) < 8
            or any(p in low for p in _PLACEHOLDERS)
        ):
            raise ValueError(
                f"a placeholder or a secret under {MIN_SECRET_CHARS} "
                "characters is refused; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return v

    def key_secret(self) -> bytes:
        """The secret that keys API-key hashes (``ValidationError`` when it is not set)."""
        if self.secret is None:
            raise ValidationError(
                [
                    FieldError(
                        "GLASSCREDIT_SECRET",
                        "required",
                        "API keys need a server secret; set GLASSCREDIT_SECRET",
                    )
                ]
            )
        return self.secret.get_secret_value().encode()

    def overridden(self, database_url: str | None = None, policy: Path | None = None) -> Settings:
        """These settings with a front door's options on top (``None`` keeps the value)."""
        update: dict[str, object] = {}
        if database_url:
            update["database_url"] = database_url
        if policy:
            update["policy"] = policy
        return self.model_copy(update=update)

    def operator_key_path(self) -> Path:
        """Where the operator's signing key lives (see the module docstring)."""
        if self.operator_key is not None:
            return self.operator_key
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            file = self.database_url[len(prefix) :].split("?")[0]
            if file and file != ":memory:":
                return Path(file + ".operator.key")
        return Path.home() / ".config" / "glasscredit" / "operator.key"

    def load_policy(self) -> Policy:
        return load_policy(self.policy) if self.policy else default_policy()


def load_settings() -> Settings:
    """The environment's settings; a bad value is a ``ValidationError`` naming its variable.

    pydantic's own error is a traceback's worth of text and no exit code of ours: every
    front door reads the settings through here, so a placeholder secret or a
    ``GLASSCREDIT_RATE_LIMIT=fast`` exits 3 with the variable and the rule named.
    """
    try:
        return Settings()
    except PydanticValidationError as exc:
        errors: list[FieldError] = []
        for err in exc.errors():
            name = "GLASSCREDIT_" + "_".join(str(p) for p in err["loc"]).upper()
            msg = str(err["msg"]).removeprefix("Value error, ")
            rule = "invalid" if err["type"] == "value_error" else str(err["type"])
            errors.append(FieldError(name, rule, msg))
        raise ValidationError(errors) from None


def system_clock() -> int:
    """Now, in epoch microseconds: only front doors call this and hand it to the core."""
    return time.time_ns() // 1_000
