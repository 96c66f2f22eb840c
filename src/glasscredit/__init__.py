"""glasscredit: transparent, manipulation-resistant credit and trust scoring with recourse.

The public surface is curated here; everything else lives in private modules. Nothing
optional (FastAPI, PySpark, the benchmark tools) is imported by this package.
"""

from glasscredit.exceptions import (
    AccessDeniedError,
    AuditChainError,
    ConflictError,
    FieldError,
    ForbiddenDataError,
    GlasscreditError,
    IngestFileError,
    LedgerError,
    ModelError,
    NotFoundError,
    PolicyError,
    ValidationError,
)
from glasscredit.ledger import IngestReport, Ledger
from glasscredit.policy import Policy, default_policy, load_policy

__version__ = "0.1.0"

__all__ = [
    "AccessDeniedError",
    "AuditChainError",
    "ConflictError",
    "FieldError",
    "ForbiddenDataError",
    "GlasscreditError",
    "IngestFileError",
    "IngestReport",
    "Ledger",
    "LedgerError",
    "ModelError",
    "NotFoundError",
    "Policy",
    "PolicyError",
    "ValidationError",
    "__version__",
    "default_policy",
    "load_policy",
]
