"""The shape every policy document must have before it is read as a policy.

Run on the parsed document (from YAML, JSON or a dict) before pydantic sees it, so that
nothing downstream meets a value it cannot handle: nesting deeper than
:data:`MAX_DEPTH`, more than :data:`MAX_NODES` values, a key that is not a string, a
number that is not finite or exceeds 2**53, a date, bytes or a set (YAML tags a JSON
document cannot hold), over-long strings, and names or texts that could pass for others
(see :mod:`glasscredit.vocabulary._names`). The walk is iterative: a hostile document
cannot exhaust the stack.
"""

from __future__ import annotations

import math
from typing import Any

from glasscredit.exceptions import FieldError, ForbiddenDataError, PolicyError
from glasscredit.vocabulary import identifier_problem, text_problem

__all__ = ["MAX_DEPTH", "MAX_NODES", "PROSE_LIMITS", "check_document"]

MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_INTEGER = 2**53
MAX_STRING = 256  # a name or any other string that is not prose
# string values under these keys are prose shown to people: any language, one script a word
PROSE_LIMITS: dict[str, int] = {
    "label": 80,
    "reason": 200,
    "description": 2000,
    "rationale": 600,  # why a points row is what it is (policy._points.RATIONALE_MAX)
}
# every string of the ``texts`` section is prose a person reads (in any language)
TEXTS_LIMIT = 400
# rules that are refusals (a disguised name) rather than malformed input
_DISGUISE_RULES = frozenset({"invisible_character", "mixed_script", "look_alike", "normalisation"})


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "(policy)"


def _scalar_problem(
    value: object, key: str | int | None, *, prose: bool = False
) -> tuple[str, str] | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            return ("range", f"{value} is beyond ±2**53, which no stored number holds exactly")
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return ("finite", f"must be a finite number, not {value!r}")
        return None
    if isinstance(value, str):
        if prose:
            return text_problem(value, max_length=TEXTS_LIMIT)
        if isinstance(key, str) and key in PROSE_LIMITS:
            return text_problem(value, max_length=PROSE_LIMITS[key], newlines=key == "description")
        return identifier_problem(value, max_length=MAX_STRING, spaces=True)
    kind = type(value).__name__
    return (
        "json_value",
        f"a {kind} is not a policy value (only strings, numbers, booleans, null, lists and "
        "mappings); quote dates and durations",
    )


def check_document(data: Any) -> None:
    """Raise :class:`PolicyError` naming each place the document breaks a rule."""
    errors: list[FieldError] = []
    stack: list[tuple[tuple[str | int, ...], str | int | None, Any]] = [((), None, data)]
    nodes = 0
    while stack:
        path, key, value = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise PolicyError(
                "policy refused",
                [FieldError("(policy)", "size", f"more than {MAX_NODES:,} values in one policy")],
            )
        if len(path) > MAX_DEPTH:
            errors.append(
                FieldError(_where(path), "depth", f"nested deeper than {MAX_DEPTH} levels")
            )
            continue
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    errors.append(
                        FieldError(
                            _where(path),
                            "key_type",
                            f"key {k!r} must be a string, not a number or null (quote it)",
                        )
                    )
                    continue
                problem = identifier_problem(k)
                if problem is not None:
                    errors.append(FieldError(_where((*path, k)), *problem))
                    continue
                stack.append(((*path, k), k, v))
        elif isinstance(value, list):
            stack.extend(((*path, i), key, v) for i, v in enumerate(value))
        else:
            problem = _scalar_problem(value, key, prose=bool(path) and path[0] == "texts")
            if problem is not None:
                errors.append(FieldError(_where(path), *problem))
    if errors:
        errors.sort(key=lambda e: e.field)
        disguised = any(e.rule in _DISGUISE_RULES for e in errors)
        cls = ForbiddenDataError if disguised else PolicyError
        raise cls("policy refused", errors)
