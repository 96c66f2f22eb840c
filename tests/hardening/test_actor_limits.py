"""Every audit row names its actor within the column and without control characters.

The check sits where every audit row is written, so each write path refuses a bad actor
by name and writes nothing (before, only ingest and erasure checked it).
"""

from __future__ import annotations

import pytest

from glasscredit.exceptions import ValidationError
from glasscredit.rights import open_dispute, set_statement
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import NOW_US
from tests.rights._helpers import s1_events

BAD = [("a" * 129, "length"), ("", "length"), ("ops\x1b[31m", "printable"), ("a\nb", "printable")]


@pytest.mark.parametrize(("actor", "rule"), BAD)
def test_a_dispute_with_a_bad_actor_is_refused_and_writes_nothing(
    ledger: Ledger, actor: str, rule: str
) -> None:
    load_history(ledger, s1_events())
    before = len(ledger.audit.entries())
    with pytest.raises(ValidationError) as err:
        open_dispute(ledger, "s1", "s1-late", "not mine", now_us=NOW_US, actor=actor)
    assert (err.value.errors[0].field, err.value.errors[0].rule) == ("actor", rule)
    assert len(ledger.audit.entries()) == before
    assert ledger.disputes.find(subject="s1") == []


def test_the_longest_printable_actor_is_accepted(ledger: Ledger) -> None:
    load_history(ledger, s1_events())
    open_dispute(ledger, "s1", "s1-late", "not mine", now_us=NOW_US, actor="é" * 128)
    opened = ledger.audit.entries(action="dispute.open")
    assert [a.actor for a in opened] == ["é" * 128]


def test_a_statement_checks_the_actor_too(ledger: Ledger) -> None:
    load_history(ledger, s1_events())
    with pytest.raises(ValidationError):
        set_statement(ledger, "s1", "I was ill that month", now_us=NOW_US, actor="x" * 200)
    assert ledger.statements.get("s1") is None
