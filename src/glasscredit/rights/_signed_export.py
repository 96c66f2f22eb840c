"""Signed access exports: the operator's signature over every section of the file.

An export is signed as a manifest: the digest of each top-level section (canonical
JSON), the number of items in each list section, the inputs digest (the sections the
score is recomputed from) and the checkpoint of the audit log the export was made at,
all signed with the operator's Ed25519 key. :func:`check_signature` recomputes the
manifest from the file and names every section that differs from what was signed, so
a trimmed export (negative events dropped, the score recomputed to match) fails with
the sections named and the item counts signed and found.
"""

from __future__ import annotations

from typing import Any

from glasscredit.canonical import canonical_json, digest
from glasscredit.signing import Checkpoint, OperatorKey, public_key_id, verify_signature

__all__ = ["EXPORT_INPUTS", "check_signature", "inputs_digest", "sign_export"]

#: the sections a score is recomputed from (what ``inputs_digest`` covers)
EXPORT_INPUTS = (
    "subject",
    "as_of_us",
    "policy",
    "points_table",
    "events",
    "exclusions",
    "external",
)
_SIGNATURE_ALGORITHM = "Ed25519"


def inputs_digest(doc: dict[str, Any]) -> str:
    """Digest of the export's inputs: what anyone can recompute the score from."""
    return digest({k: doc.get(k) for k in EXPORT_INPUTS})


def _manifest(doc: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in doc.items() if k != "signature"}
    return {
        "sections": {k: digest(v) for k, v in sorted(body.items())},
        "counts": {k: len(v) for k, v in sorted(body.items()) if isinstance(v, list)},
    }


def sign_export(doc: dict[str, Any], key: OperatorKey, checkpoint: Checkpoint) -> dict[str, Any]:
    """``doc`` with its inputs digest, the checkpoint it was made at, and the signature."""
    out = {**doc, "inputs_digest": inputs_digest(doc), "checkpoint": checkpoint.as_json()}
    manifest = _manifest(out)
    return {
        **out,
        "signature": {
            "algorithm": _SIGNATURE_ALGORITHM,
            "key_id": public_key_id(key.public_key),
            "public_key": key.public_key,
            **manifest,
            "value": key.sign(canonical_json(manifest).encode()),
        },
    }


def check_signature(doc: dict[str, Any], public_key: str | None = None) -> list[str]:
    """What is wrong with the export's signature, each difference named (empty: none).

    ``public_key``: the operator's key the export must be signed by (otherwise the key
    in the file is used, which proves integrity but not who signed).
    """
    sig = doc.get("signature")
    if not isinstance(sig, dict):
        return ["signature: the export is not signed"]
    problems: list[str] = []
    key = str(sig.get("public_key", ""))
    if public_key is not None and key != public_key:
        problems.append("signature: made with another key than the operator's")
    signed = {"sections": sig.get("sections"), "counts": sig.get("counts")}
    if not verify_signature(key, canonical_json(signed).encode(), str(sig.get("value", ""))):
        problems.append("signature: does not verify (the signed manifest was altered)")
    now = _manifest(doc)
    sections = sig.get("sections") if isinstance(sig.get("sections"), dict) else {}
    counts = sig.get("counts") if isinstance(sig.get("counts"), dict) else {}
    assert isinstance(sections, dict) and isinstance(counts, dict)
    for name in sorted(set(sections) | set(now["sections"])):
        if sections.get(name) == now["sections"].get(name):
            continue
        if name not in now["sections"]:
            problems.append(f"{name}: signed, missing from the file")
        elif name not in sections:
            problems.append(f"{name}: in the file, not signed")
        elif name in counts and counts[name] != now["counts"].get(name):
            problems.append(
                f"{name}: differs from the signed export ({counts[name]} items signed, "
                f"{now['counts'].get(name)} in the file)"
            )
        else:
            problems.append(f"{name}: differs from the signed export")
    if doc.get("inputs_digest") != inputs_digest(doc):
        problems.append("inputs_digest: does not match the export's inputs")
    cp = doc.get("checkpoint")
    if isinstance(cp, dict):
        try:
            ok = Checkpoint.loads(canonical_json(cp)).verifies(key)
        except ValueError:
            ok = False
        if not ok:
            problems.append("checkpoint: not signed by the export's key")
    else:
        problems.append("checkpoint: the export names no checkpoint")
    return problems
