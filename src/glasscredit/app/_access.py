"""Who may do what through the service: API keys, roles, permissible purposes, file reads.

Sources, operators and auditors present API keys: ``gck_<key_id>_<secret>`` with 256
random bits of secret. Only ``HMAC-SHA256(server secret, token)`` is stored, looked up by
the public ``key_id`` and compared in constant time (a slow password hash protects
low-entropy passwords; a 256-bit key needs none). Subjects present signed tokens,
verified by the service (``glasscredit.api``), which hands this module the subject.

The access rules of a route are an :class:`AccessRule`; :func:`authorize` applies them:
a subject only reaches their own file, a source reads a subject's file only with a
permissible purpose from :data:`PURPOSES` (FCRA section 604 style), and every read of a
subject's file by anyone but the subject is recorded (:func:`record_read`) and shown to
the subject (:func:`inquiries`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

from glasscredit.app._base import AppModel, JsonValue
from glasscredit.app._context import Context
from glasscredit.app._ledger import IngestResult, ingest_result
from glasscredit.app._rights import (
    DisputeList,
    Erasure,
    SubjectExport,
    erase_subject,
    export_subject,
    list_disputes,
)
from glasscredit.exceptions import (
    AccessDeniedError,
    AuthenticationError,
    FieldError,
    LedgerError,
    NotFoundError,
    ValidationError,
)
from glasscredit.policy import iso
from glasscredit.store import ApiKeyRecord, BrokenRow, FileRead

__all__ = [
    "KEY_PREFIX",
    "KEY_ROLES",
    "PURPOSES",
    "ROLES",
    "AccessRule",
    "ApiKeyList",
    "ApiKeyView",
    "FileReadView",
    "Inquiries",
    "IssuedKey",
    "Principal",
    "Readiness",
    "Role",
    "SubjectFile",
    "authenticate_key",
    "authorize",
    "create_key",
    "disputes_for",
    "erase_subject_file",
    "export_file",
    "ingest_as",
    "inquiries",
    "list_keys",
    "readiness",
    "record_read",
    "revocation_generation",
    "revoke_key",
]

Role = Literal["operator", "source", "subject", "auditor"]
ROLES: tuple[Role, ...] = ("operator", "source", "subject", "auditor")
KEY_ROLES: tuple[Role, ...] = ("operator", "source", "auditor")
KEY_PREFIX = "gck"

#: the permissible purposes a reader declares (after FCRA section 604(a)); closed list
PURPOSES: dict[str, str] = {
    "court_order": "604(a)(1): an order of a court or a grand jury subpoena",
    "subject_instruction": "604(a)(2): the written instruction of the subject",
    "credit_transaction": "604(a)(3)(A): a credit transaction the subject applied for",
    "employment": "604(a)(3)(B): employment purposes, with the subject's written consent",
    "insurance_underwriting": "604(a)(3)(C): underwriting insurance the subject applied for",
    "account_review": "604(a)(3)(F)(ii): reviewing an account the subject holds",
    "tenancy": "604(a)(3)(F)(i): a rental the subject applied for",
    "collection": "604(a)(3)(A): collecting an account of the subject",
    "operations": "the operator running the programme (disputes, audits, erasure)",
}
_OPERATOR_PURPOSE = "operations"


class Principal(AppModel):
    """Who is calling: a role, a name for the records, and what they speak for."""

    role: Role
    name: str
    key_id: str | None = None
    source: str | None = None
    subject: str | None = None


class ApiKeyView(AppModel):
    """An API key as listed: never its token or its hash."""

    key_id: str
    name: str
    role: str
    source: str | None
    created_at: str
    created_by: str
    revoked_at: str | None
    revoked_by: str | None


class IssuedKey(AppModel):
    """A new key: the token is shown once and never stored."""

    key: ApiKeyView
    token: str


class ApiKeyList(AppModel):
    keys: list[ApiKeyView]


class FileReadView(AppModel):
    """One read of a subject's file: who, when, why, and what they read."""

    at: str
    reader: str
    role: str
    purpose: str
    purpose_text: str
    what: str


class Inquiries(AppModel):
    """Who looked at a subject's score or file (FCRA 609(a)(3), GDPR Art. 15(1)(c))."""

    subject: str
    reads: list[FileReadView]


class SubjectFile(AppModel):
    """The access export with the inquiries: what is held, and who read it."""

    export: SubjectExport
    inquiries: Inquiries


class Readiness(AppModel):
    ready: bool
    dialect: str
    policy_hash: str


class AccessRule(AppModel):
    """Who may call a route, and whether it reads or acts on one subject's file.

    ``roles``: the roles allowed at all. ``subject_file``: the route names a subject
    (a subject may then only name themselves). ``reads``: what of the file it reads
    (recorded for every reader but the subject; a source must declare a purpose);
    ``None`` for routes that read no subject's file.
    """

    roles: tuple[Role, ...]
    subject_file: bool = False
    reads: str | None = None


def _view(k: ApiKeyRecord) -> ApiKeyView:
    return ApiKeyView(
        key_id=k.key_id,
        name=k.name,
        role=k.role,
        source=k.source,
        created_at=iso(k.created_at_us),
        created_by=k.created_by,
        revoked_at=None if k.revoked_at_us is None else iso(k.revoked_at_us),
        revoked_by=k.revoked_by,
    )


def _hash(ctx: Context, token: str) -> str:
    return hmac.new(ctx.settings.key_secret(), token.encode(), hashlib.sha256).hexdigest()


def create_key(
    ctx: Context, *, name: str, role: str, source: str | None = None, actor: str = "operator"
) -> IssuedKey:
    """A new API key for a source, an operator or an auditor (audited; token shown once)."""
    errors: list[FieldError] = []
    if role not in KEY_ROLES:
        errors.append(FieldError("role", "key_role", f"{role!r} is not one of {KEY_ROLES}"))
    if role == "source" and source not in ctx.policy.sources:
        errors.append(
            FieldError(
                "source",
                "declared_source",
                f"{source!r} is not a source of the policy ({', '.join(ctx.policy.sources)})",
            )
        )
    if role != "source" and source is not None:
        errors.append(FieldError("source", "source_key_only", "only a source key names a source"))
    if not name or len(name) > 128 or not name.isprintable():
        errors.append(FieldError("name", "label", "1 to 128 printable characters"))
    if errors:
        raise ValidationError(errors)
    key_id = secrets.token_hex(8)
    token = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    rec = ApiKeyRecord(key_id, name, role, source, _hash(ctx, token), ctx.now(), actor, None, None)
    ctx.ledger.access.add_key(rec)
    return IssuedKey(key=_view(rec), token=token)


def list_keys(ctx: Context) -> ApiKeyList:
    """Every key, active and revoked (no token, no hash)."""
    return ApiKeyList(keys=[_view(k) for k in ctx.ledger.access.all_keys()])


_REVOCATIONS = [0]  # bumped by every revocation in this process: key caches drop


def revocation_generation() -> int:
    """How many keys this process revoked: a key cache older than this is stale."""
    return _REVOCATIONS[0]


def revoke_key(ctx: Context, key_id: str, *, actor: str = "operator") -> ApiKeyView:
    """Revoke a key now (audited); it authenticates nothing from then on."""
    view = _view(ctx.ledger.access.revoke_key(key_id, at_us=ctx.now(), actor=actor))
    _REVOCATIONS[0] += 1
    return view


def authenticate_key(ctx: Context, token: str) -> Principal:
    """The principal an API key stands for; ``AuthenticationError`` for any bad key.

    The stored hash is compared in constant time; unknown, malformed and revoked keys
    get the same message, so a caller learns nothing about which keys exist.
    """
    parts = token.split("_", 2)
    refused = AuthenticationError("authorization: unknown, malformed or revoked API key [api_key]")
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise refused
    rec = ctx.ledger.access.key(parts[1])
    expected = rec.key_hash if rec is not None else "0" * 64
    ok = hmac.compare_digest(expected, _hash(ctx, token))
    if rec is None or not ok or rec.revoked_at_us is not None:
        raise refused
    name = f"{rec.role}:{rec.source or rec.name}"
    return Principal(
        role=rec.role,
        name=name[:128],
        key_id=rec.key_id,
        source=rec.source,
    )


def authorize(
    ctx: Context,
    principal: Principal,
    rule: AccessRule,
    *,
    subject: str | None = None,
    purpose: str | None = None,
) -> str | None:
    """Apply a route's rule; the purpose to record with the read (``None``: not recorded).

    ``AccessDeniedError`` names what is missing: the role, the subject's own file, or a
    permissible purpose.
    """
    if principal.role not in rule.roles:
        raise AccessDeniedError(
            f"role: {principal.role} may not call this (allowed: {', '.join(rule.roles)}) [role]"
        )
    if purpose is not None and purpose not in PURPOSES:
        raise ValidationError(
            [
                FieldError(
                    "purpose", "permissible_purpose", f"{purpose!r} is not one of {list(PURPOSES)}"
                )
            ]
        )
    if not rule.subject_file:
        return None
    if principal.role == "subject":
        if subject != principal.subject:
            raise AccessDeniedError("subject: a subject reaches only their own file [own_file]")
        return None
    if rule.reads is None:
        return None
    if principal.role == "source" and purpose in (None, _OPERATOR_PURPOSE):
        raise AccessDeniedError(
            "purpose: a source reads a subject's file only with a permissible purpose "
            "[permissible_purpose]"
        )
    return purpose or _OPERATOR_PURPOSE


def record_read(ctx: Context, principal: Principal, subject: str, what: str, purpose: str) -> None:
    """Record that ``principal`` read ``what`` of ``subject``'s file, and why."""
    ctx.ledger.access.record_read(
        FileRead(subject, ctx.now(), principal.name, principal.role, purpose, what)
    )


def inquiries(ctx: Context, subject: str) -> Inquiries:
    """Every recorded read of the subject's file, oldest first."""
    return Inquiries(
        subject=subject,
        reads=[
            FileReadView(
                at=iso(r.at_us),
                reader=r.reader,
                role=r.role,
                purpose=r.purpose,
                purpose_text=PURPOSES.get(r.purpose, ""),
                what=r.what,
            )
            for r in ctx.ledger.access.reads_of(subject)
        ],
    )


def export_file(ctx: Context, subject: str) -> SubjectFile:
    """The subject's access export and the list of who read their file."""
    return SubjectFile(export=export_subject(ctx, subject), inquiries=inquiries(ctx, subject))


def _own_rows(
    records: Iterable[Mapping[str, JsonValue]], source: str
) -> Iterator[tuple[int, Mapping[str, JsonValue] | BrokenRow]]:
    for row, rec in enumerate(records, start=1):
        if rec.get("source") != source:
            yield (
                row,
                BrokenRow(
                    FieldError(
                        "source", "own_source", f"a {source!r} key reports only as {source!r}", row
                    )
                ),
            )
        else:
            yield row, rec


def ingest_as(
    ctx: Context,
    principal: Principal,
    records: Iterable[Mapping[str, JsonValue]],
    *,
    backfill: int | None = None,
) -> IngestResult:
    """Ingest for a caller: a source reports only as itself (other rows are refused, by row).

    The event types a source may report are its policy entry's (``sources.NAME.types``),
    which ingest's validator enforces for every row. ``backfill``: into that approved
    backfill (which admits only its own source's rows, dated within its range).
    """
    if principal.role not in ("source", "operator"):
        raise AccessDeniedError(f"role: {principal.role} may not report events [role]")
    actor = principal.name
    if principal.role == "operator":
        return ingest_result(ctx.ledger.ingest(records, actor=actor, backfill=backfill))
    assert principal.source is not None  # a source key always names its source
    rows = _own_rows(records, principal.source)
    return ingest_result(ctx.ledger.ingest(rows, actor=actor, numbered=True, backfill=backfill))


def disputes_for(
    ctx: Context,
    principal: Principal,
    *,
    subject: str | None = None,
    source: str | None = None,
    status: str | None = None,
) -> DisputeList:
    """Disputes as the caller may see them: a source its own events', a subject their own."""
    if principal.role == "source":
        if source not in (None, principal.source):
            raise AccessDeniedError("source: a source sees only its own disputes [own_source]")
        source = principal.source
    elif principal.role == "subject":
        if subject not in (None, principal.subject):
            raise AccessDeniedError("subject: a subject sees only their own disputes [own_file]")
        subject = principal.subject
    return list_disputes(ctx, subject=subject, source=source, status=status)


def erase_subject_file(ctx: Context, subject: str, *, actor: str = "operator") -> Erasure:
    """Erase a subject the ledger holds (``NotFoundError`` otherwise: nothing to erase)."""
    if not ctx.ledger.has_subject(subject):
        raise NotFoundError(f"subject: {subject!r} not in the ledger [exists]")
    return erase_subject(ctx, subject, actor=actor)


def readiness(ctx: Context) -> Readiness:
    """The database answers and the policy is loaded (``LedgerError`` otherwise)."""
    try:
        ctx.ledger.execute_sql("SELECT 1")
    except Exception as exc:  # the driver's own error, translated at the boundary
        raise LedgerError(f"database: does not answer ({type(exc).__name__}) [reachable]") from exc
    return Readiness(ready=True, dialect=ctx.ledger.dialect(), policy_hash=ctx.policy.hash)
