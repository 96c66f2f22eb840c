"""The audit log's signed checkpoints: publish the head, verify the log against one."""

from __future__ import annotations

from pathlib import Path

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.merkle import consistency_proof, root, verify_consistency
from glasscredit.signing import Checkpoint, OperatorKey

__all__ = [
    "CheckpointView",
    "audit_checkpoint",
    "check_against",
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
