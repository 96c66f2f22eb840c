"""The one error tree of glasscredit.

Every error the core raises on purpose is a :class:`GlasscreditError`. Front doors
(CLI, REST service) map this tree to exit codes and HTTP statuses in one place, so a
new error class needs no change there. Messages name the field and the rule::

    GlasscreditError
    ├── PolicyError                  the operator's policy is invalid
    │   └── ForbiddenDataError       it declares special-category or free-text data
    ├── ValidationError              an input (event, request, file) breaks a rule (a ValueError)
    │   └── IngestFileError          an input file cannot be read at all
    ├── ConflictError                same idempotency key, different content; double actions
    ├── NotFoundError                unknown subject, event, score, dispute
    ├── AccessDeniedError            a role asked for what it may not see or do
    │   └── AuthenticationError      no credential, or one that is malformed, expired or revoked
    ├── LedgerError                  the store refused or failed
    │   └── AuditChainError          the audit chain does not verify
    └── ModelError                   a learned scorecard cannot be fitted or applied
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccessDeniedError",
    "AuditChainError",
    "AuthenticationError",
    "ConflictError",
    "FieldError",
    "ForbiddenDataError",
    "GlasscreditError",
    "IngestFileError",
    "LedgerError",
    "ModelError",
    "NotFoundError",
    "PolicyError",
    "ValidationError",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule: where (row, field), which rule, and a readable message."""

    field: str
    rule: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.field}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "rule": self.rule, "message": self.message}


class GlasscreditError(Exception):
    """Base of every error glasscredit raises on purpose."""


class PolicyError(GlasscreditError):
    """The policy file is malformed or inconsistent."""

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        self.errors = list(errors or [])
        self.message = message
        detail = "; ".join(str(e) for e in self.errors)
        super().__init__(f"{message}: {detail}" if detail else message)

    def __reduce__(self) -> tuple[type[PolicyError], tuple[str, list[FieldError]]]:
        return type(self), (self.message, self.errors)  # pickles whole (ingest's reader)


class ForbiddenDataError(PolicyError):
    """The policy (or a model fit) asks for data glasscredit refuses by construction."""


class ValidationError(GlasscreditError, ValueError):
    """An input breaks a rule; ``errors`` lists each broken rule with its field.

    Also a ``ValueError``, so code written against the scientific Python convention
    (scikit-learn's estimator checks, ``except ValueError``) handles it.
    """

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors) or "invalid input")

    def __reduce__(self) -> tuple[type[ValidationError], tuple[list[FieldError]]]:
        return type(self), (self.errors,)  # pickles whole (ingest's reader process)


class IngestFileError(ValidationError):
    """An input file cannot be read at all (wrong format, truncated, not UTF-8)."""


class ConflictError(GlasscreditError):
    """An action collides with what is already recorded."""


class NotFoundError(GlasscreditError):
    """The named subject, event, score or dispute does not exist (or was erased)."""


class AccessDeniedError(GlasscreditError):
    """A role asked to see or do what it may not."""


class AuthenticationError(AccessDeniedError):
    """No credential was given, or it is malformed, expired, revoked or unknown."""


class LedgerError(GlasscreditError):
    """The ledger store refused an operation or failed."""


class AuditChainError(LedgerError):
    """The audit chain does not verify; ``row`` is the first bad row's sequence number."""

    def __init__(self, message: str, row: int | None = None) -> None:
        self.row = row
        super().__init__(message)


class ModelError(GlasscreditError):
    """A learned scorecard cannot be fitted or applied to the given data."""
