"""API keys and subject tokens: hashed, revocable, audited, short-lived, rate-limited."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import OKPAlgorithm
from pydantic import ValidationError as SettingsError

from glasscredit import app as uc
from glasscredit.api import issue_subject_token
from glasscredit.config import Settings
from glasscredit.exceptions import ValidationError
from tests.api.conftest import SECRET, Service, service_settings, start_service, write_keypair
from tests.conftest import FakeClock


def test_keys_through_the_operator_api_are_hashed_revocable_and_audited(service: Service) -> None:
    op = service.headers("operator")
    made = service.client.post(
        "/v1/keys", headers=op, json={"name": "rentals 2", "role": "source", "source": "rentals"}
    )
    assert made.status_code == 201, made.text
    token, key_id = made.json()["token"], made.json()["key"]["key_id"]
    assert token.startswith(f"gck_{key_id}_") and len(token.split("_", 2)[2]) >= 43  # 256 bits
    listed = service.client.get("/v1/keys", headers=op).json()["keys"]
    assert key_id in [k["key_id"] for k in listed] and "token" not in json.dumps(listed)
    with service.context() as ctx:
        stored = ctx.ledger.access.key(key_id)
        assert stored is not None and token not in stored.key_hash
        assert not any(token in json.dumps(e.details) for e in ctx.ledger.audit.entries())
    mine = {"Authorization": f"Bearer {token}"}
    assert service.client.get("/v1/sources", headers=mine).status_code == 200
    revoked = service.client.delete(f"/v1/keys/{key_id}", headers=op)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "operator:operator-key"
    gone = service.client.get("/v1/sources", headers=mine)
    assert gone.status_code == 401 and gone.headers["www-authenticate"] == "Bearer"
    assert service.client.delete(f"/v1/keys/{key_id}", headers=op).status_code == 409
    with service.context() as ctx:
        actions = [e.action for e in ctx.ledger.audit.entries() if e.action.startswith("key.")]
        assert actions[-2:] == ["key.create", "key.revoke"]
        assert uc.verify_audit(ctx).ok


@pytest.mark.parametrize(
    "token",
    ["gck_nothing", "gck_0000000000000000_" + "A" * 43, "Basic abc", "", "gck__"],
)
def test_unknown_or_malformed_keys_are_401(sqlite_service: Service, token: str) -> None:
    res = sqlite_service.client.get("/v1/tiers", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 401 and res.headers["content-type"] == "application/problem+json"


def test_a_forged_key_with_a_real_id_is_refused(sqlite_service: Service) -> None:
    real = sqlite_service.tokens["operator"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    res = sqlite_service.client.get("/v1/keys", headers={"Authorization": f"Bearer {forged}"})
    assert res.status_code == 401


def test_settings_refuse_placeholder_and_missing_secrets(tmp_path: Path) -> None:
    for bad in ("changeme-please-changeme-please-x", "short", "a" * 40, "my-secret-" * 4):
        with pytest.raises(SettingsError) as err:
            Settings(secret=bad)
        assert bad not in str(err.value)  # the refused value is never echoed
    with pytest.raises(ValidationError) as missing:
        Settings().key_secret()
    assert missing.value.errors[0].field == "GLASSCREDIT_SECRET"
    assert Settings(secret=SECRET).key_secret() == SECRET.encode()


def _token(settings: Settings, claims: dict[str, object], key: Path | None = None) -> str:
    pem = (key or settings.jwt_private_key).read_bytes()  # type: ignore[union-attr]
    return jwt.encode(claims, pem, algorithm="EdDSA")


def test_subject_tokens_are_verified_short_lived_and_name_the_subject(
    sqlite_service: Service, tmp_path: Path
) -> None:
    s, c = sqlite_service.settings, sqlite_service.client
    now = sqlite_service.clock() // 1_000_000
    good = {"sub": "alice", "aud": "glasscredit", "exp": now + 600}
    other_priv, _ = write_keypair(tmp_path, "attacker")
    cases = {
        "expired": _token(s, {**good, "exp": now - 120}),
        "no exp": _token(s, {"sub": "alice", "aud": "glasscredit"}),
        "wrong audience": _token(s, {**good, "aud": "elsewhere"}),
        "too long-lived": _token(s, {**good, "exp": now + 10 * 86400}),
        "wrong key": _token(s, good, other_priv),
        "not yet valid": _token(s, {**good, "nbf": now + 600}),
        "HS256 with the public key": jwt.encode(good, "x" * 32, algorithm="HS256"),
    }
    for why, tok in cases.items():
        res = c.get("/v1/subjects/alice/score", headers={"Authorization": f"Bearer {tok}"})
        assert res.status_code == 401, why
        assert res.json()["errors"][0]["field"] == "authorization", why
    ok = _token(s, {**good, "exp": now - 10})  # within the leeway
    assert c.get("/v1/subjects/alice/score", headers={"Authorization": f"Bearer {ok}"}).is_success
    assert issue_subject_token(s, "alice", now_s=now) != ok


def test_tokens_verified_from_a_jwks_file(
    sqlite_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    base = service_settings(sqlite_url, tmp_path)
    public = serialization.load_pem_public_key(base.jwt_public_key.read_bytes())  # type: ignore[union-attr]
    jwk = json.loads(OKPAlgorithm.to_jwk(public))  # type: ignore[arg-type]
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "idp-1", "alg": "EdDSA"}]}))
    settings = base.model_copy(update={"jwt_public_key": None, "jwt_jwks": jwks})
    for svc in start_service(settings, clock):
        now = clock() // 1_000_000
        claims = {"sub": "bob", "aud": "glasscredit", "exp": now + 60}
        pem = settings.jwt_private_key.read_bytes()  # type: ignore[union-attr]
        tok = jwt.encode(claims, pem, algorithm="EdDSA", headers={"kid": "idp-1"})
        res = svc.client.get("/v1/subjects/bob/history", headers={"Authorization": f"Bearer {tok}"})
        assert res.status_code == 200, res.text
        bad = jwt.encode(claims, pem, algorithm="EdDSA", headers={"kid": "other"})
        res = svc.client.get("/v1/subjects/bob/history", headers={"Authorization": f"Bearer {bad}"})
        assert res.status_code == 401


def test_rate_limit_per_key(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> None:
    settings = service_settings(sqlite_url, tmp_path).model_copy(
        update={"rate_limit": 0.001, "rate_burst": 3}
    )
    for svc in start_service(settings, clock):
        codes = [
            svc.client.get("/v1/tiers", headers=svc.headers("auditor")).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        limited = svc.client.get("/v1/tiers", headers=svc.headers("auditor"))
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["errors"][0]["rule"] == "rate"
        # another key has a bucket of its own
        assert svc.client.get("/v1/tiers", headers=svc.headers("operator")).status_code == 200
        metrics = svc.client.get("/metrics").text
        assert "glasscredit_rate_limited_total 2.0" in metrics


def test_rs256_tokens(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv, pub = tmp_path / "rsa.pem", tmp_path / "rsa.pub.pem"
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
    settings = service_settings(sqlite_url, tmp_path).model_copy(
        update={"jwt_algorithm": "RS256", "jwt_private_key": priv, "jwt_public_key": pub}
    )
    for svc in start_service(settings, clock):
        tok = svc.tokens["alice"]
        assert jwt.get_unverified_header(tok)["alg"] == "RS256"
        res = svc.client.get("/v1/subjects/alice/score", headers=svc.headers("alice"))
        assert res.status_code == 200
    with pytest.raises(ValidationError):
        issue_subject_token(settings.model_copy(update={"jwt_algorithm": "none"}), "a", now_s=0)
