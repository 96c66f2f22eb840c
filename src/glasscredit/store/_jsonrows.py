"""JSON from partners, read defensively: bounded nesting, no duplicated keys, no NaN.

Python's ``json`` recurses once per nesting level, so a row of ten thousand ``[`` raised
``RecursionError`` and killed the whole ingest; a repeated key silently kept its last
value; ``NaN`` and ``Infinity`` are not JSON. Each is a :class:`JsonRefusal` with a rule
here, which ingest reports for that row alone while the rest of the file goes in.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "JsonRefusal", "array_elements", "depth_exceeded", "load_json"]

MAX_DEPTH = 16  # an event is two levels deep (the event, its attributes): room to spare
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.DOTALL)


class JsonRefusal(ValueError):
    """JSON text refused, with the rule it broke (``json``, ``depth``, ``duplicate_key``)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise JsonRefusal("duplicate_key", f"the key {k!r} appears twice in one object")
            seen.add(k)
    return out


def _no_constant(name: str) -> Any:
    raise JsonRefusal("json", f"not valid JSON: {name} is not a JSON number")


def depth_exceeded(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether ``text`` nests arrays and objects deeper than ``limit`` (strings skipped)."""
    if text.count("[") + text.count("{") <= limit:  # cannot: the common case, no scan
        return False
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def load_json(text: str) -> Any:
    """``text`` parsed, or :class:`JsonRefusal` naming the rule it breaks."""
    if depth_exceeded(text):
        raise JsonRefusal("depth", f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonRefusal("json", f"not valid JSON: {exc}") from exc
    except RecursionError as exc:  # unreachable past the depth check; kept as a backstop
        raise JsonRefusal("depth", f"nested deeper than {MAX_DEPTH} levels") from exc


def array_elements(text: str) -> list[str] | None:
    """The texts of a JSON array's elements, split without parsing them; None if no array.

    Used when the whole array cannot be parsed at once because of one hostile element, so
    that element alone is refused.
    """
    body = text.strip()
    if not body.startswith("[") or not body.endswith("]"):
        return None
    out: list[str] = []
    depth, start = 0, 1
    for m in _TOKEN.finditer(body):
        tok = m.group()
        if tok in "[{":
            depth += 1
        elif tok in "]}":
            depth -= 1
            if depth == 0:
                if m.end() != len(body):
                    return None
                last = body[start : m.start()]
                if last.strip() or out:
                    out.append(last)
                return out
        elif tok == "," and depth == 1:
            out.append(body[start : m.start()])
            start = m.end()
    return None
