"""The service under test: an app over a real ledger, and a credential for every role.

``alice`` and ``bob`` are subjects with events from ``bank`` and stored scores; the
operator, the auditor and the ``bank`` source hold API keys; each subject holds a
signed token (Ed25519) the service verifies with the configured public key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from glasscredit import app as uc
from glasscredit.api import create_app, issue_subject_token
from glasscredit.config import Settings
from tests._history import load_history
from tests.conftest import FakeClock, event

SECRET = "k3Jq9vX2mR7tB0wL5yP8cN4hF6dZ1sAe"


def write_keypair(tmp: Path, name: str = "idp") -> tuple[Path, Path]:
    """An Ed25519 key pair as PEM files: the identity provider's."""
    key = Ed25519PrivateKey.generate()
    priv, pub = tmp / f"{name}.pem", tmp / f"{name}.pub.pem"
    priv.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return priv, pub


def service_settings(db_url: str, tmp: Path, **extra: object) -> Settings:
    priv, pub = write_keypair(tmp)
    return Settings(
        database_url=db_url,
        secret=SECRET,
        jwt_private_key=priv,
        jwt_public_key=pub,
        rate_limit=10_000.0,
        rate_burst=10_000,
        **extra,  # type: ignore[arg-type]
    )


def seed_events() -> list[dict[str, object]]:
    return [
        event("a1", subject="alice", occurred_at="2026-03-02T10:00:00Z"),
        event("a2", subject="alice", type_="identity.verified", occurred_at="2026-03-03T10:00:00Z"),
        event("a3", subject="alice", type_="payment.late", occurred_at="2026-04-02T10:00:00Z"),
        event("b1", subject="bob", occurred_at="2026-03-02T10:00:00Z"),
        event("b2", subject="bob", type_="payment.late", occurred_at="2026-05-02T10:00:00Z"),
    ]


@dataclass
class Service:
    """A test client and the bearer headers of every role."""

    client: TestClient
    settings: Settings
    clock: FakeClock
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def context(self) -> uc.Context:
        svc = self.client.app.state.services  # type: ignore[attr-defined]
        ctx: uc.Context = svc.context()
        return ctx


def start_service(settings: Settings, clock: FakeClock) -> Iterator[Service]:
    api = create_app(settings, clock=clock)
    with TestClient(api) as client:
        with api.state.services.context() as ctx:
            # The seed is history (months before the clock): loaded as production loads
            # a partner's past, through an approved backfill per source.
            load_history(ctx.ledger, seed_events(), actor="ingest")
            uc.score(ctx)
            tokens = {
                role: uc.create_key(ctx, name=f"{role}-key", role=role, source=src).token
                for role, src in (("operator", None), ("auditor", None), ("source", "bank"))
            }
            tokens["rentals"] = uc.create_key(
                ctx, name="rentals-key", role="source", source="rentals"
            ).token
        now_s = clock() // 1_000_000
        for subject in ("alice", "bob"):
            tokens[subject] = issue_subject_token(settings, subject, now_s=now_s)
        yield Service(client, settings, clock, tokens)


@pytest.fixture
def service(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    """The service on SQLite and on PostgreSQL."""
    yield from start_service(service_settings(db_url, tmp_path), clock)


@pytest.fixture
def sqlite_service(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Service]:
    """The service on SQLite only (tests of the adapter, not of the database)."""
    yield from start_service(service_settings(sqlite_url, tmp_path), clock)
