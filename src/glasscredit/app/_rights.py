"""The scored person's rights: disputes, access export, offline verification, erasure.

Every dispute use case first resolves the disputes past their deadline in the subject's
favour, so a deadline never depends on someone remembering to run a job.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from glasscredit.app._audit import operator_key, signed_head
from glasscredit.app._base import AppModel, JsonValue
from glasscredit.app._context import Context
from glasscredit.app._scoring_views import DisputeFreeze, ScoreNotice
from glasscredit.exceptions import FieldError, IngestFileError, ValidationError
from glasscredit.rights import erase_subject as _erase_subject
from glasscredit.rights import (
    expire_overdue,
    export_html,
    sign_export,
    source_notices,
    source_stats,
    verify_export,
)
from glasscredit.rights import export_subject as _export_subject
from glasscredit.rights import list_disputes as _list_disputes
from glasscredit.rights import open_dispute as _open_dispute
from glasscredit.rights import resolve_dispute as _resolve_dispute

__all__ = [
    "DisputeList",
    "DisputeOutcome",
    "DisputeStats",
    "DisputeView",
    "Erasure",
    "ExpiredDisputes",
    "ExportVerification",
    "HistoryCheck",
    "OpenEffect",
    "SourceDisputeStats",
    "SourceNotice",
    "SubjectExport",
    "dispute_stats",
    "erase_subject",
    "expire_disputes",
    "export_subject",
    "list_disputes",
    "open_dispute",
    "resolve_dispute",
    "verify_export_document",
    "verify_export_file",
]


class DisputeView(AppModel):
    dispute_id: int
    event_id: str | None
    subject: str | None
    source: str
    event_type: str | None
    reason: str
    opened_at: str
    opened_by: str
    deadline: str
    status: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None = None
    new_information: str | None = None
    extended_at: str | None = None
    source_response: str | None = None
    source_responded_at: str | None = None


class OpenEffect(AppModel):
    """What a dispute just opened does while it is open (the policy and the subject's
    freeze decide), in plain words."""

    effect: str  # stop_counting | keep_counting
    counts: bool
    text: str


class DisputeOutcome(AppModel):
    """A dispute after an action, the score before and after, and the change notice;
    ``effect`` on opening, and the subject's immediate ``freeze`` after the action."""

    dispute: DisputeView
    score_before: int | None
    score_after: int
    delta: int | None
    notice: ScoreNotice | None
    expired: list[DisputeView]
    effect: OpenEffect | None = None
    freeze: DisputeFreeze | None = None


class SourceNotice(AppModel):
    """What a source was told about a dispute on one of its events."""

    dispute_id: int
    kind: str
    outcome: str | None
    at: str
    event_id: str | None


class DisputeList(AppModel):
    disputes: list[DisputeView]
    notices: list[SourceNotice] | None


class SourceDisputeStats(AppModel):
    """Dispute and overturn rates of one source (they feed the trust of reporters)."""

    events: int
    disputes: int
    open: int
    resolved: int
    removed: int
    corrected: int = 0
    dispute_rate: float | None
    overturn_rate: float | None


class DisputeStats(AppModel):
    sources: dict[str, SourceDisputeStats]


class ExpiredDisputes(AppModel):
    """Disputes that passed their deadline and were resolved for the subject."""

    disputes: list[DisputeView]


class SubjectExport(AppModel):
    """Everything held about a subject, with what is needed to recompute the score.

    ``document`` is the export file itself (format ``EXPORT_FORMAT``), kept as JSON
    values because :func:`verify_export_document` must read back exactly what was
    written; ``html`` is the readable page when asked for.
    """

    subject: str
    format: str
    document: dict[str, JsonValue]
    html: str | None = None

    def text(self) -> str:
        """The export file's text (indented JSON, NaN refused)."""
        return json.dumps(self.document, indent=2, allow_nan=False)


class HistoryCheck(AppModel):
    score_id: int
    checked: bool
    stored: int | None = None
    recomputed: int | None = None
    identical: bool | None = None
    why: str | None = None


class ExportVerification(AppModel):
    """The score recomputed from an export alone: identical, or what does not reproduce."""

    subject: str | None
    as_of: str | None
    claimed_score: int | None
    recomputed_score: int | None
    identical: bool
    problems: list[str]
    history: list[HistoryCheck]
    #: whether the file carries the operator's signature (its problems are in ``problems``)
    signed: bool = False


class Erasure(AppModel):
    """What an erasure removed; the fact of the erasure stays, keyed by a hash."""

    subject_hash: str
    erased_at: str
    events: int
    naming_events: int
    rows_deleted: dict[str, int]
    rescored: list[str]
    #: what the person is told: what is kept and why, and how to start again
    message: list[str] = Field(default_factory=list)


def _dispute_outcome(data: object) -> DisputeOutcome:
    return DisputeOutcome.model_validate(data)


def open_dispute(
    ctx: Context,
    subject: str,
    event_id: str,
    reason: str,
    *,
    actor: str = "subject",
    source: str | None = None,
    correct: tuple[str, object] | None = None,
) -> DisputeOutcome:
    """Open a dispute on one of ``subject``'s events; the score before and after.

    Ids are per source: ``source`` names the event when the subject has several with
    this id (without it, such a dispute is refused, naming the sources). ``correct``:
    (attribute, value) asks the source to correct that attribute instead of removing the
    record (GDPR Art. 16; checked against the policy's schema)."""
    res = _open_dispute(
        ctx.ledger,
        subject,
        event_id,
        reason,
        now_us=ctx.now(),
        actor=actor,
        source=source,
        correct=correct,
    )
    return _dispute_outcome(res.as_dict())


def resolve_dispute(
    ctx: Context,
    dispute_id: int,
    outcome: str,
    *,
    actor: str = "operator",
    reasons: str | None = None,
) -> DisputeOutcome:
    """Resolve a dispute: ``upheld`` (counts again from now) or ``removed`` (never again),
    with the reasons the person reads (a plain sentence for the outcome by default)."""
    res = _resolve_dispute(
        ctx.ledger, dispute_id, outcome, now_us=ctx.now(), actor=actor, reasons=reasons
    )
    return _dispute_outcome(res.as_dict())


def list_disputes(
    ctx: Context,
    *,
    subject: str | None = None,
    source: str | None = None,
    status: str | None = None,
) -> DisputeList:
    """Disputes (after resolving those past their deadline), and a source's notices."""
    expire_overdue(ctx.ledger, ctx.now())
    rows = _list_disputes(ctx.ledger, subject=subject, source=source, status=status)
    notices = source_notices(ctx.ledger, source) if source else None
    return DisputeList(
        disputes=[DisputeView.model_validate(d.as_dict()) for d in rows],
        notices=None if notices is None else [SourceNotice.model_validate(n) for n in notices],
    )


def dispute_stats(ctx: Context) -> DisputeStats:
    """Dispute and overturn rates per source (after resolving overdue disputes)."""
    expire_overdue(ctx.ledger, ctx.now())
    return DisputeStats(
        sources={
            src: SourceDisputeStats.model_validate(s) for src, s in source_stats(ctx.ledger).items()
        }
    )


def expire_disputes(ctx: Context) -> ExpiredDisputes:
    """Resolve every dispute past its deadline in the subject's favour (removed)."""
    done = expire_overdue(ctx.ledger, ctx.now())
    return ExpiredDisputes(disputes=[DisputeView.model_validate(d.as_dict()) for d in done])


def export_subject(ctx: Context, subject: str, *, html: bool = False) -> SubjectExport:
    """The subject's access export, signed by the operator with the checkpoint of the audit
    log it was made at (and its readable page when ``html``)."""
    data = sign_export(
        _export_subject(ctx.ledger, subject, now_us=ctx.now()), operator_key(ctx), signed_head(ctx)
    )
    return SubjectExport(
        subject=subject,
        format=str(data["format"]),
        document=data,
        html=export_html(data) if html else None,
    )


def verify_export_document(document: dict[str, JsonValue]) -> ExportVerification:
    """Check the operator's signature over the export and recompute its score from the
    document alone (no database, offline); an unsigned export does not verify."""
    return ExportVerification.model_validate(verify_export(document, require_signature=True))


_EXPORT_OPEN = "<script type=application/json id=export>"


def _is_html(text: str) -> bool:
    return text.lstrip()[:15].lower() == "<!doctype html>"


def _embedded_export(text: str) -> str:
    """The export JSON an HTML export page carries (its ``</`` escaped as ``<\\/``, which
    JSON reads back as ``</``); a page without it is refused by name."""
    start = text.find(_EXPORT_OPEN)
    end = text.find("</script>", start + len(_EXPORT_OPEN)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValidationError(
            [
                FieldError(
                    "FILE",
                    "export_page",
                    "an HTML file that is not a glasscredit export page (no embedded export)",
                )
            ]
        )
    return text[start + len(_EXPORT_OPEN) : end]


def verify_export_file(path: Path) -> ExportVerification:
    """:func:`verify_export_document` on a file: the JSON export, or the HTML page (its
    embedded copy); a file that is neither is refused."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(_embedded_export(text) if _is_html(text) else text)
    except (OSError, ValueError) as exc:
        raise IngestFileError([FieldError("FILE", "json", f"cannot read {path}: {exc}")]) from exc
    except RecursionError as exc:  # nested past the parser's stack: no export is
        raise IngestFileError([FieldError("FILE", "depth", "nested too deeply")]) from exc
    if not isinstance(data, dict):
        raise ValidationError([FieldError("FILE", "object", "an export is a JSON object")])
    return verify_export_document(data)


def erase_subject(ctx: Context, subject: str, *, actor: str = "operator") -> Erasure:
    """Erase a subject: their data leaves every read path; the audit chain still verifies.

    The log of who read their file (the service's inquiries) goes with it.
    """
    report = _erase_subject(ctx.ledger, subject, now_us=ctx.now(), actor=actor)
    ctx.ledger.access.forget_reads(subject)
    return Erasure.model_validate({**report.as_dict(), "message": _after_erasure(report.events)})


def _after_erasure(events: int) -> list[str]:
    """What an erased person is told, in plain words (GDPR Art. 17 and 12(1))."""
    return [
        f"Your file is erased: {events} record(s) about you, your scores, change notices, "
        "disputes' texts, statement, reviews and the log of who looked at your file are "
        "gone, and no one can read them any more.",
        "What is kept, and why: the date of the erasure, under a one-way code made from "
        "your id, so that a partner who sends records about you again is refused; and, "
        "for each erased record, a fingerprint that reveals nothing about it, so that the "
        "audit log can still prove that nothing else was changed. Neither can be turned "
        "back into your data.",
        "How to start again: records under your old id are refused for good. A partner "
        "you deal with again registers you under a new id; you then start with an empty "
        "file, scored as someone new, with every right you had before.",
    ]
