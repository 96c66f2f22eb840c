"""The admissible facts: the allowlist every policy chooses from.

glasscredit ships the vocabulary of facts a partner may report: event families
(payments, loans, rentals, contracts, bills, identity and income verification,
accounts, endorsements, misconduct reports in a fixed list of categories), their
attributes with types, units and ranges, and the values of each closed list. A policy
picks event types, attributes and values from it and sets windows, caps and points; it
cannot name a fact that is not here. Extending the vocabulary is a reviewed change to
this package, each term with its rationale (see docs/vocabulary.md).

This is the lowest domain layer: it imports nothing of glasscredit's but itself.
"""

from glasscredit.vocabulary._names import (
    CONFUSABLES,
    describe_char,
    identifier_problem,
    skeleton,
    strip_marks,
    text_problem,
)
from glasscredit.vocabulary._shipped import VOCABULARY
from glasscredit.vocabulary._terms import (
    ATTRIBUTE_TYPES,
    POLARITIES,
    AttributeTerm,
    AttributeType,
    EnumValue,
    EventFamily,
    EventTypeTerm,
    Polarity,
    Term,
    Vocabulary,
)

__all__ = [
    "ATTRIBUTE_TYPES",
    "CONFUSABLES",
    "POLARITIES",
    "VOCABULARY",
    "AttributeTerm",
    "AttributeType",
    "EnumValue",
    "EventFamily",
    "EventTypeTerm",
    "Polarity",
    "Term",
    "Vocabulary",
    "describe_char",
    "identifier_problem",
    "skeleton",
    "strip_marks",
    "text_problem",
]
