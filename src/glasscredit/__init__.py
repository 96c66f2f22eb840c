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
from glasscredit.policy import Policy, default_policy, load_policy
from glasscredit.store import IngestReport, Ledger

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # scikit-learn loads only when the learned scorecard is asked for (CLI start-up stays fast)
    if name == "ScorecardClassifier":
        from glasscredit.model import ScorecardClassifier

        return ScorecardClassifier
    raise AttributeError(f"module 'glasscredit' has no attribute {name!r}")


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
    "ScorecardClassifier",
    "ValidationError",
    "__version__",
    "default_policy",
    "load_policy",
]
