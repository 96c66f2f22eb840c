"""The audit log's signed checkpoints: publish the head, verify the log against one, and
prove one row is in the log a checkpoint vouches for (an RFC 9162 inclusion proof that
anyone checks offline with the operator's public key)."""

from __future__ import annotations

import json
from pathlib import Path

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import FieldError, NotFoundError, ValidationError
from glasscredit.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from glasscredit.signing import Checkpoint, OperatorKey
from glasscredit.store import audit_row_hash

__all__ = [
    "PROOF_FORMAT",
    "AuditRowProof",
    "CheckpointView",
    "ProofCheck",
    "audit_checkpoint",
    "audit_proof",
    "check_against",
    "check_audit_proof",
    "check_audit_proof_file",
    "operator_key",
    "read_checkpoint",
    "signed_head",
]


class CheckpointView(AppModel):
    """A signed head of the Merkle log over the audit rows (see ``docs/audit.md``)."""

    origin: str
    tree_size: int
    root_hash: str
    timestamp_us: int
    key_id: str
    public_key: str
    subtrees: list[str]
    signature: str


def operator_key(ctx: Context) -> OperatorKey:
    """The operator's signing key (created 0600 at the settings' path if there is none)."""
    return OperatorKey.load_or_create(ctx.settings.operator_key_path())


def signed_head(ctx: Context) -> Checkpoint:
    """The log's head now, signed with the operator's key."""
    return operator_key(ctx).checkpoint(ctx.ledger.audit.leaves(), ctx.now())


def audit_checkpoint(ctx: Context) -> CheckpointView:
    """Sign the log's head now: its size, root and time, with the operator's key."""
    return CheckpointView.model_validate(signed_head(ctx).as_json())


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            [FieldError("--against", "file", f"{path}: cannot read a checkpoint ({exc})")]
        ) from None
    return Checkpoint.loads(text)


def check_against(ctx: Context, path: Path) -> tuple[int | None, str] | None:
    """The log checked against a checkpoint file: ``None`` when it still extends it, else
    the first row that breaks it (or ``None``) and what is wrong.

    The checkpoint must be signed by the operator's key. A log shorter than it was
    truncated; a log whose first ``tree_size`` rows do not reach its root (the RFC 9162
    consistency proof from its size to the log's fails) was rewritten, located to the
    first perfect subtree that differs.
    """
    cp = read_checkpoint(path)
    if not cp.verifies(operator_key(ctx).public_key):
        raise ValidationError(
            [
                FieldError(
                    "--against",
                    "signature",
                    f"{path}: not signed by the operator's key "
                    f"({ctx.settings.operator_key_path()})",
                )
            ]
        )
    leaves = ctx.ledger.audit.leaves()
    n, m = len(leaves), cp.tree_size
    if n < m:
        return (
            n + 1,
            f"the log holds {n} rows, the checkpoint of {m} rows vouches for more: "
            f"rows {n + 1}..{m} were removed (truncation)",
        )
    proof = consistency_proof(m, leaves)
    if verify_consistency(m, n, bytes.fromhex(cp.root_hash), root(leaves), proof):
        return None
    where = cp.first_differing(leaves)
    first = where[0] if where else None
    span = f" (first differing rows: {where[0]}..{where[1]})" if where else ""
    return (
        first,
        f"the log's first {m} rows do not reach the checkpoint's root: the log was rewritten{span}",
    )


PROOF_FORMAT = "glasscredit-audit-proof/1"


class AuditRowProof(AppModel):
    """One audit row, the RFC 9162 audit path from it to a signed head, and that head."""

    format: str
    seq: int
    at_us: int
    actor: str
    action: str
    subject_tag: str | None
    details_json: str  # exactly the text the row hash covers
    prev_hash: str
    row_hash: str
    leaf_index: int
    tree_size: int
    path: list[str]
    checkpoint: CheckpointView


class ProofCheck(AppModel):
    """What an offline check of an :class:`AuditRowProof` found (``ok``: nothing wrong)."""

    ok: bool
    seq: int | None
    tree_size: int | None
    key_id: str | None
    problems: list[str]


def audit_proof(ctx: Context, seq: int, *, against: Path | None = None) -> AuditRowProof:
    """Prove row ``seq`` is in the log: against a checkpoint file, else a head signed now.

    A checkpoint must be signed by the operator's key and must not be older than the
    row (a row it does not cover cannot be proven in it).
    """
    found = ctx.ledger.audit.raw_row(seq)
    if found is None:
        raise NotFoundError(f"seq: audit row {seq} does not exist [exists]")
    entry, details_json = found
    leaves = ctx.ledger.audit.leaves()
    cp = read_checkpoint(against) if against is not None else signed_head(ctx)
    if against is not None and not cp.verifies(operator_key(ctx).public_key):
        raise ValidationError(
            [FieldError("--against", "signature", f"{against}: not signed by the operator's key")]
        )
    if seq > cp.tree_size:
        raise ValidationError(
            [
                FieldError(
                    "seq",
                    "after_checkpoint",
                    f"row {seq} was written after the checkpoint of {cp.tree_size} rows; "
                    "prove it against a later one",
                )
            ]
        )
    tree = leaves[: cp.tree_size]
    return AuditRowProof(
        format=PROOF_FORMAT,
        seq=entry.seq,
        at_us=entry.at_us,
        actor=entry.actor,
        action=entry.action,
        subject_tag=entry.subject_tag,
        details_json=details_json,
        prev_hash=entry.prev_hash,
        row_hash=entry.row_hash,
        leaf_index=seq - 1,
        tree_size=cp.tree_size,
        path=[p.hex() for p in inclusion_proof(seq - 1, tree)],
        checkpoint=CheckpointView.model_validate(cp.as_json()),
    )


def check_audit_proof(doc: object, *, public_key: str | None = None) -> ProofCheck:
    """Check a proof from the file alone (no database): the checkpoint's signature (by
    ``public_key`` when given, else the key it names), the row's hash recomputed from its
    fields, and the audit path from that leaf to the signed root."""
    if not isinstance(doc, dict) or doc.get("format") != PROOF_FORMAT:
        raise ValidationError([FieldError("format", "proof", f"not a {PROOF_FORMAT} document")])
    try:
        proof = AuditRowProof.model_validate(doc)
        cp = Checkpoint.loads(json.dumps(doc["checkpoint"]))
        path = [bytes.fromhex(p) for p in proof.path]
        leaf = leaf_hash(bytes.fromhex(proof.row_hash))
        root_hash = bytes.fromhex(cp.root_hash)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError([FieldError("proof", "malformed", str(exc)[:300])]) from None
    problems: list[str] = []
    key = public_key or cp.public_key
    if not cp.verifies(key):
        problems.append("checkpoint: the signature does not verify with the operator's key")
    again = audit_row_hash(
        proof.prev_hash,
        proof.seq,
        proof.at_us,
        proof.actor,
        proof.action,
        proof.subject_tag,
        proof.details_json,
    )
    if again != proof.row_hash:
        problems.append("row: its fields do not hash to the row hash (the row was edited)")
    if proof.tree_size != cp.tree_size or proof.leaf_index != proof.seq - 1:
        problems.append("proof: its position does not match the checkpoint")
    elif not verify_inclusion(proof.leaf_index, cp.tree_size, leaf, path, root_hash):
        problems.append("path: the row is not in the tree the checkpoint signs")
    return ProofCheck(
        ok=not problems,
        seq=proof.seq,
        tree_size=cp.tree_size,
        key_id=cp.key_id,
        problems=problems,
    )


MAX_PROOF_BYTES = 1 << 20  # a proof is a row and ~64 hashes: a megabyte is far beyond it


def check_audit_proof_file(path: Path, *, public_key: str | None = None) -> ProofCheck:
    """:func:`check_audit_proof` on a file; what is not a proof is a named refusal."""
    try:
        if path.stat().st_size > MAX_PROOF_BYTES:
            raise ValidationError(
                [FieldError("FILE", "size", f"{path}: larger than a proof can be")]
            )
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError([FieldError("FILE", "json", f"cannot read {path}: {exc}")]) from None
    except RecursionError:
        raise ValidationError([FieldError("FILE", "depth", "nested too deeply")]) from None
    return check_audit_proof(doc, public_key=public_key)
