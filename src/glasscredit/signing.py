"""The operator's Ed25519 key and the signed checkpoints of the audit log.

A checkpoint is the head of the Merkle log over the audit rows (RFC 9162 section 4.10's
tree head: size, root, time), signed by the operator. Whoever keeps a checkpoint can
later prove that the log still starts with the rows it vouched for: a truncated or
rewritten log, even with every hash recomputed, no longer reaches its root. It also
carries the roots of the perfect subtrees that make up the tree (its left-to-right
decomposition), so that a rewrite is located to a range of rows, not only detected.

The key file is PKCS#8 PEM, created with mode 0600; its path comes from the settings.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from glasscredit.canonical import canonical_json, sha256_hex
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.merkle import node_hash, root

__all__ = [
    "CHECKPOINT_ORIGIN",
    "Checkpoint",
    "OperatorKey",
    "frontier",
    "public_key_id",
    "verify_signature",
]

CHECKPOINT_ORIGIN = "glasscredit/audit-log/v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError([FieldError(name, "base64", f"not base64: {exc}")]) from None


def public_key_id(public_key: str) -> str:
    """A short name of a public key (its base64 raw bytes): the first 16 hex of sha256."""
    return sha256_hex(public_key)[:16]


def verify_signature(public_key: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s (base64, raw) over ``message``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_unb64(public_key, "public_key"))
        key.verify(_unb64(signature, "signature"), message)
    except (InvalidSignature, ValueError, ValidationError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class OperatorKey:
    """The operator's signing key, loaded from (or created at) a file."""

    private: Ed25519PrivateKey

    @classmethod
    def load_or_create(cls, path: Path) -> OperatorKey:
        """Read the key at ``path``; create one there (mode 0600) if there is none."""
        if path.exists():
            return cls.load(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return cls(key)

    @classmethod
    def load(cls, path: Path) -> OperatorKey:
        """Read the key at ``path`` (``ValidationError`` naming the file when it is not one)."""
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ValidationError(
                [FieldError("operator_key", "key", f"{path}: not an Ed25519 private key ({exc})")]
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValidationError(
                [FieldError("operator_key", "key", f"{path}: not an Ed25519 private key")]
            )
        return cls(key)

    @property
    def public_key(self) -> str:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return _b64(raw)

    def sign(self, message: bytes) -> str:
        return _b64(self.private.sign(message))

    def checkpoint(self, leaves: list[bytes], timestamp_us: int) -> Checkpoint:
        """The signed head of the tree over ``leaves``, as of ``timestamp_us``."""
        head = root(leaves)
        unsigned = Checkpoint(
            len(leaves),
            head.hex(),
            timestamp_us,
            self.public_key,
            tuple(h.hex() for h in frontier(leaves)),
            "",
        )
        return Checkpoint(
            unsigned.tree_size,
            unsigned.root_hash,
            timestamp_us,
            unsigned.public_key,
            unsigned.subtrees,
            self.sign(unsigned.message()),
        )


def _ranges(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees a tree of ``size`` leaves is made of, left to right."""
    out, start = [], 0
    for bit in reversed(range(size.bit_length())):
        if size >> bit & 1:
            out.append((start, start + (1 << bit)))
            start += 1 << bit
    return out


def frontier(leaves: list[bytes]) -> list[bytes]:
    """The roots of the perfect subtrees the tree is made of (their fold is its root)."""
    return [root(leaves[a:b]) for a, b in _ranges(len(leaves))]


def _fold(roots: list[bytes]) -> bytes:
    node = roots[-1]
    for left in reversed(roots[:-1]):
        node = node_hash(left, node)
    return node


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed tree head: ``tree_size`` rows, their ``root_hash``, at ``timestamp_us``."""

    tree_size: int
    root_hash: str
    timestamp_us: int
    public_key: str
    subtrees: tuple[str, ...]
    signature: str

    def message(self) -> bytes:
        """What the signature covers (the subtrees are checked to fold into the root)."""
        return (
            f"{CHECKPOINT_ORIGIN}\n{self.tree_size}\n{self.root_hash}\n{self.timestamp_us}\n"
        ).encode()

    @property
    def key_id(self) -> str:
        return public_key_id(self.public_key)

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": CHECKPOINT_ORIGIN,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp_us": self.timestamp_us,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "subtrees": list(self.subtrees),
            "signature": self.signature,
        }

    def dumps(self) -> str:
        return canonical_json(self.as_json()) + "\n"

    @classmethod
    def loads(cls, text: str) -> Checkpoint:
        """Parse a checkpoint file (``ValidationError`` naming the field that is wrong)."""
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ValidationError([FieldError("checkpoint", "json", f"not JSON: {exc}")]) from None
        if not isinstance(doc, dict) or doc.get("origin") != CHECKPOINT_ORIGIN:
            raise ValidationError(
                [FieldError("origin", "checkpoint", f"not a {CHECKPOINT_ORIGIN} checkpoint")]
            )
        want = {"tree_size": int, "root_hash": str, "timestamp_us": int, "public_key": str}
        want |= {"signature": str, "subtrees": list}
        for name, typ in want.items():
            if not isinstance(doc.get(name), typ) or isinstance(doc.get(name), bool):
                raise ValidationError(
                    [FieldError(name, "type", f"must be a {typ.__name__} in a checkpoint")]
                )
        cp = cls(
            doc["tree_size"],
            doc["root_hash"],
            doc["timestamp_us"],
            doc["public_key"],
            tuple(str(h) for h in doc["subtrees"]),
            doc["signature"],
        )
        if cp.tree_size < 0 or len(cp.subtrees) != len(_ranges(cp.tree_size)):
            raise ValidationError(
                [FieldError("subtrees", "checkpoint", "do not match the tree size")]
            )
        try:
            folded = _fold([bytes.fromhex(h) for h in cp.subtrees]) if cp.subtrees else None
        except ValueError:
            raise ValidationError([FieldError("subtrees", "hex", "not hex digests")]) from None
        if folded is not None and folded.hex() != cp.root_hash:
            raise ValidationError(
                [FieldError("subtrees", "checkpoint", "do not fold into the root hash")]
            )
        return cp

    def verifies(self, public_key: str) -> bool:
        """Whether this checkpoint is signed by ``public_key``."""
        return self.public_key == public_key and verify_signature(
            public_key, self.message(), self.signature
        )

    def first_differing(self, leaves: list[bytes]) -> tuple[int, int] | None:
        """The first range of rows (1-based, inclusive) whose subtree root differs."""
        for (a, b), want in zip(_ranges(self.tree_size), self.subtrees, strict=True):
            if root(leaves[a:b]).hex() != want:
                return a + 1, b
        return None
