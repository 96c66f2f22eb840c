"""The scored person's rights: disputes, corrections, access export, erasure, offline
verification, human review of a decision and the person's own statement.

Retention needs no code here: the feature kernel leaves out events past their type's
retention as of any time, and stored scores are reproduced with ``verify_score``.
"""

from glasscredit.rights._adverse import (
    ADVERSE_ACTIONS,
    MAX_KEY_FACTORS,
    adverse_notices,
    notice_rights,
    record_adverse_action,
)
from glasscredit.rights._correction_rules import CORRECTABLE_TYPES, check_correction
from glasscredit.rights._corrections import (
    confirm_correction,
    correction_text,
    refuse_correction,
)
from glasscredit.rights._dispute_reads import list_disputes, source_notices, source_stats
from glasscredit.rights._dispute_steps import add_information, respond_to_dispute
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
from glasscredit.rights._reviews import (
    REVIEW_KINDS,
    REVIEW_OUTCOMES,
    decide_review,
    list_reviews,
    request_review,
)
from glasscredit.rights._signed_export import check_signature, inputs_digest, sign_export
from glasscredit.rights._statements import (
    MAX_STATEMENT_CHARS,
    MAX_STATEMENT_WORDS,
    remove_statement,
    set_statement,
    statement_of,
)
from glasscredit.rights._verify_export import verify_export

__all__ = [
    "ADVERSE_ACTIONS",
    "CORRECTABLE_TYPES",
    "DEADLINE_ACTOR",
    "EXPORT_FORMAT",
    "MAX_KEY_FACTORS",
    "MAX_STATEMENT_CHARS",
    "MAX_STATEMENT_WORDS",
    "OUTCOMES",
    "REVIEW_KINDS",
    "REVIEW_OUTCOMES",
    "Dispute",
    "DisputeResult",
    "ErasureReport",
    "add_information",
    "adverse_notices",
    "check_correction",
    "check_signature",
    "confirm_correction",
    "correction_text",
    "decide_review",
    "erase_subject",
    "expire_overdue",
    "export_html",
    "export_subject",
    "inputs_digest",
    "list_disputes",
    "list_reviews",
    "notice_rights",
    "open_dispute",
    "record_adverse_action",
    "refuse_correction",
    "remove_statement",
    "request_review",
    "resolve_dispute",
    "respond_to_dispute",
    "set_statement",
    "sign_export",
    "source_notices",
    "source_stats",
    "statement_of",
    "verify_export",
]
