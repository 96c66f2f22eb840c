"""The person's own statement on their file (FCRA 611(b)/(c), UK CCA s.159).

The one free text glasscredit keeps about a person: at most 100 words (the length FCRA
gives a statement of dispute) and 700 characters, stored in its own table apart from the
events. No scoring path reads that table: it never becomes a feature, a model input or
a score; it travels *beside* the score, to every partner that reads it. Erasure removes
it with every other row keyed by the subject.
"""

from __future__ import annotations

from glasscredit.rights._text import checked_text, refuse_id_in_actor
from glasscredit.store import Statement, Store

__all__ = [
    "MAX_STATEMENT_CHARS",
    "MAX_STATEMENT_WORDS",
    "remove_statement",
    "set_statement",
    "statement_of",
]

MAX_STATEMENT_WORDS = 100
MAX_STATEMENT_CHARS = 700


def set_statement(ledger: Store, subject: str, text: str, *, now_us: int, actor: str) -> Statement:
    """Attach (or replace) the subject's statement; too long or empty is refused."""
    checked = checked_text("statement", text, chars=MAX_STATEMENT_CHARS, words=MAX_STATEMENT_WORDS)
    refuse_id_in_actor(subject, actor)
    return ledger.statements.set(subject, checked, now_us=now_us, actor=actor)


def remove_statement(ledger: Store, subject: str, *, now_us: int, actor: str) -> bool:
    """Withdraw the subject's statement; False when there was none."""
    refuse_id_in_actor(subject, actor)
    return ledger.statements.remove(subject, now_us=now_us, actor=actor)


def statement_of(ledger: Store, subject: str) -> Statement | None:
    """The subject's statement, delivered with their score; None when they have none."""
    return ledger.statements.get(subject)
