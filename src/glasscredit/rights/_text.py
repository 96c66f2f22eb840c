"""Rules for the free text a person or an operator writes: length, and no ids in audit."""

from __future__ import annotations

import re

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.store import check_actor

__all__ = ["checked_text", "refuse_id_in_actor"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def checked_text(field: str, value: object, *, chars: int, words: int | None = None) -> str:
    """``value`` stripped, or a ``ValidationError`` naming ``field`` and the rule broken."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > chars:
        raise ValidationError([FieldError(field, "length", f"write 1 to {chars} characters")])
    if words is not None and len(text.split()) > words:
        raise ValidationError([FieldError(field, "words", f"write at most {words} words")])
    if _CONTROL.search(text):
        raise ValidationError(
            [FieldError(field, "printable", "control characters are not allowed")]
        )
    return text


def refuse_id_in_actor(subject: str, actor: str) -> None:
    """Refuse an actor naming the subject: the audit log keeps it and erasure cannot clear it.

    The actor's length and characters are checked here too, before a use case writes
    anything (a dispute stores a baseline score first).
    """
    check_actor(actor)
    if subject in re.split(r"[\s:/@,;]+", actor):
        raise ValidationError(
            [
                FieldError(
                    "actor",
                    "no_id_in_audit",
                    "the actor would put the "
                    "subject's id into the audit log, which erasure "
                    "cannot clear; use e.g. 'subject'",
                )
            ]
        )
