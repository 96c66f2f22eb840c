"""The scored person's rights: disputes, access export, erasure, offline verification.

Retention needs no code here: the feature kernel leaves out events past their type's
retention as of any time, and stored scores are reproduced with ``verify_score``.
"""

from glasscredit.rights._dispute_reads import list_disputes, source_notices, source_stats
from glasscredit.rights._disputes import (
    DEADLINE_ACTOR,
    OUTCOMES,
    Dispute,
    DisputeResult,
    expire_overdue,
    open_dispute,
    resolve_dispute,
)
from glasscredit.rights._erasure import ErasureReport, erase_subject
from glasscredit.rights._export import EXPORT_FORMAT, export_subject
from glasscredit.rights._html import export_html
from glasscredit.rights._verify_export import verify_export

__all__ = [
    "DEADLINE_ACTOR",
    "EXPORT_FORMAT",
    "OUTCOMES",
    "Dispute",
    "DisputeResult",
    "ErasureReport",
    "erase_subject",
    "expire_overdue",
    "export_html",
    "export_subject",
    "list_disputes",
    "open_dispute",
    "resolve_dispute",
    "source_notices",
    "source_stats",
    "verify_export",
]
