"""Subjects' sign-in: short-lived signed tokens (JWT) whose ``sub`` claim names the subject.

The operator's identity provider signs them; the service only verifies them, with a
configured public key (PEM) or a JWKS file (the key chosen by the token's ``kid``).
Expiry is checked against the service's clock (passed in), with a small leeway.
``exp`` and ``sub`` are required, ``aud`` must be the configured audience, and a token
living longer than ``jwt_max_ttl_s`` is refused even if its signature holds.
:func:`issue_subject_token` is the demo's and the tests' identity provider.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import jwt

from glasscredit.config import Settings
from glasscredit.exceptions import AuthenticationError, FieldError, ValidationError

__all__ = ["TokenVerifier", "issue_subject_token"]

_ALGORITHMS = ("EdDSA", "RS256")
_MAX_SEEN = 10_000


def _check_algorithm(alg: str) -> None:
    if alg not in _ALGORITHMS:
        raise ValidationError(
            [FieldError("GLASSCREDIT_JWT_ALGORITHM", "algorithm", f"{alg!r} not in {_ALGORITHMS}")]
        )


def issue_subject_token(settings: Settings, subject: str, *, now_s: int, ttl_s: int = 900) -> str:
    """A token for ``subject`` signed with ``GLASSCREDIT_JWT_PRIVATE_KEY`` (demo and tests)."""
    _check_algorithm(settings.jwt_algorithm)
    if settings.jwt_private_key is None:
        raise ValidationError(
            [FieldError("GLASSCREDIT_JWT_PRIVATE_KEY", "required", "set a PEM private key")]
        )
    if not 0 < ttl_s <= settings.jwt_max_ttl_s:
        raise ValidationError(
            [FieldError("ttl", "range", f"1 to {settings.jwt_max_ttl_s} seconds")]
        )
    claims = {"sub": subject, "aud": settings.jwt_audience, "iat": now_s, "exp": now_s + ttl_s}
    try:
        key = settings.jwt_private_key.read_bytes()
        return jwt.encode(claims, key, algorithm=settings.jwt_algorithm)
    except (OSError, ValueError, jwt.PyJWTError) as exc:  # missing, unreadable, not a key
        raise ValidationError(
            [
                FieldError(
                    "GLASSCREDIT_JWT_PRIVATE_KEY",
                    "key",
                    f"cannot sign with {settings.jwt_private_key} ({type(exc).__name__})",
                )
            ]
        ) from None


class TokenVerifier:
    """Verifies subjects' tokens against the configured public key or JWKS file."""

    def __init__(self, settings: Settings) -> None:
        _check_algorithm(settings.jwt_algorithm)
        self._alg = settings.jwt_algorithm
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_s
        self._max_ttl = settings.jwt_max_ttl_s
        self._key: Any = None
        self._jwks: jwt.PyJWKSet | None = None
        # verified signatures, by token: a signature is checked once per token, not per
        # request (a subject's page or app reads many times within a token's minutes)
        self._seen: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        if settings.jwt_jwks is not None:
            self._jwks = jwt.PyJWKSet.from_json(_read(settings.jwt_jwks))
        elif settings.jwt_public_key is not None:
            self._key = settings.jwt_public_key.read_bytes()

    @property
    def configured(self) -> bool:
        return self._key is not None or self._jwks is not None

    def _key_for(self, token: str) -> Any:
        if self._jwks is None:
            return self._key
        kid = jwt.get_unverified_header(token).get("kid")
        for k in self._jwks.keys:
            if kid is None or k.key_id == kid:
                return k.key
        raise AuthenticationError("authorization: no JWKS key has this token's kid [jwt_kid]")

    def _verified(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature and audience hold (remembered: the times
        are checked on every use, against the service's clock)."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key_for(token),
                algorithms=[self._alg],
                audience=self._audience,
                options={
                    "require": ["exp", "sub", "aud"],
                    # times are checked below against the service's clock, not the host's
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"authorization: invalid token: {exc} [jwt]") from exc
        with self._lock:
            if len(self._seen) >= _MAX_SEEN:
                self._seen.clear()
            self._seen[token] = claims
        return claims

    def subject(self, token: str, *, now_s: int) -> str:
        """The subject a valid token names (``AuthenticationError`` for any bad token)."""
        if not self.configured:
            raise AuthenticationError(
                "authorization: this service accepts no subject tokens (no key set) [jwt_key]"
            )
        claims = self._seen.get(token)
        if claims is None:
            claims = self._verified(token)
        sub, exp = claims["sub"], claims["exp"]
        if not isinstance(exp, int | float):
            raise AuthenticationError("authorization: exp is not a time [jwt_exp]")
        if exp + self._leeway < now_s:
            raise AuthenticationError("authorization: the token has expired [jwt_exp]")
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and nbf - self._leeway > now_s:
            raise AuthenticationError("authorization: the token is not valid yet [jwt_nbf]")
        if exp - now_s > self._max_ttl + self._leeway:
            raise AuthenticationError(
                f"authorization: token lives beyond {self._max_ttl} s [jwt_short_lived]"
            )
        if not isinstance(sub, str) or not sub:
            raise AuthenticationError("authorization: sub names no subject [jwt_sub]")
        return sub


def _read(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    json.loads(text)  # a JWKS file that is not JSON fails here, naming nothing secret
    return text
