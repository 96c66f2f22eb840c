"""What a correction may ask for: one attribute of the event's closed schema, a value
that schema accepts, and a change (``rights._corrections`` answers it)."""

from __future__ import annotations

from typing import Any

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import Policy

__all__ = ["CORRECTABLE_TYPES", "check_correction"]

#: attribute types a correction may change: identifiers (who, which account) may not be
#: corrected into another record's; that is a dispute to remove the record
CORRECTABLE_TYPES = ("integer", "number", "enum", "boolean")


def check_correction(
    policy: Policy, event_type: str, held: dict[str, Any], attribute: str, value: object
) -> tuple[Any, Any]:
    """The value the record holds and the corrected value, normalised; or a
    ``ValidationError`` naming ``correction.attribute`` or ``correction.value`` and the
    rule broken."""
    spec = policy.event_types.get(event_type)
    aspec = None if spec is None else spec.attributes.get(attribute)
    if aspec is None:
        known = ", ".join(sorted(spec.attributes)) if spec is not None else ""
        raise ValidationError(
            [
                FieldError(
                    "correction.attribute",
                    "known_attribute",
                    f"{event_type} has no attribute {attribute!r} (it has: {known})",
                )
            ]
        )
    if aspec.type not in CORRECTABLE_TYPES:
        raise ValidationError(
            [
                FieldError(
                    "correction.attribute",
                    "correctable",
                    f"{attribute!r} is an identifier ({aspec.type}); dispute the record to "
                    "have it removed instead",
                )
            ]
        )
    problem = aspec.check(value)
    if problem is not None:
        raise ValidationError([FieldError("correction.value", problem[0], problem[1])])
    new: Any = value
    if aspec.type == "integer":
        new = int(value)  # type: ignore[call-overload]
    elif aspec.type == "number":
        x = float(value)  # type: ignore[arg-type]
        new = int(x) if x.is_integer() and abs(x) < 2**53 else x
    old = held.get(attribute)
    if old == new:
        raise ValidationError(
            [FieldError("correction.value", "changes", f"the record already says {old!r}")]
        )
    return old, new
