"""Load a policy from YAML (or JSON) into typed objects, translating every error.

The file is read by :mod:`glasscredit.policy._yaml`, which refuses hostile shapes (alias
bombs, duplicated keys, deep nesting, bytes that are not UTF-8) before anything is
built. pydantic's errors become :class:`~glasscredit.exceptions.PolicyError` entries that
name the path in the file and the rule, so an operator can fix the file without reading
code.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic

from glasscredit.exceptions import FieldError, ForbiddenDataError, PolicyError
from glasscredit.policy._forbidden import FREE_TEXT_RULE
from glasscredit.policy._policy import Policy
from glasscredit.policy._yaml import MAX_POLICY_BYTES, parse_policy_bytes

__all__ = ["DEFAULT_POLICY_NAME", "default_policy", "load_policy", "policy_from_dict"]

DEFAULT_POLICY_NAME = "default.yaml"
_RULE = re.compile(r"\[([a-z_]+)\]")


def policy_from_dict(data: Any) -> Policy:
    """Validate a parsed policy document."""
    if not isinstance(data, dict):
        raise PolicyError("policy must be a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except (PolicyError, ForbiddenDataError):
        raise
    except pydantic.ValidationError as exc:
        errors: list[FieldError] = []
        forbidden = False
        for e in exc.errors():
            loc = ".".join(str(p) for p in e["loc"])
            msg = str(e["msg"]).removeprefix("Value error, ")
            m = _RULE.search(msg)
            rule = m.group(1) if m else getattr(e.get("ctx", {}).get("error"), "rule", e["type"])
            if rule == FREE_TEXT_RULE:
                forbidden = True
            errors.append(FieldError(loc or "(policy)", rule, msg))
        cls = ForbiddenDataError if forbidden else PolicyError
        raise cls("policy is invalid", errors) from exc


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_POLICY_BYTES + 1)  # never more: the size limit holds on a huge file
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {p}: {exc.strerror}") from exc
    return policy_from_dict(parse_policy_bytes(data))


def default_policy() -> Policy:
    """The policy shipped with glasscredit (``policy/default.yaml``)."""
    data = resources.files("glasscredit.policy").joinpath(DEFAULT_POLICY_NAME).read_bytes()
    return policy_from_dict(parse_policy_bytes(data))
