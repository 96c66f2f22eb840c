"""A policy with the recommended clock bounds, and times around the tests' clock."""

from __future__ import annotations

import json
from typing import Any

from glasscredit.policy import DAY_US, Policy, default_policy, iso, policy_from_dict
from tests.conftest import NOW_US

__all__ = ["NOW_US", "ago", "clocked_policy", "unbounded_policy"]


def clocked_policy(**overrides: Any) -> Policy:
    """The default policy with backdating and lateness bounds (the recommended ones:
    62 days, 7 for identity checks; positive events count when known within 35 days)."""
    data = json.loads(default_policy().to_json())
    data["ingest"] = {
        **data["ingest"],
        "max_backdate": "62d",
        "backdate": [{"type": "identity.verified", "max": "7d"}],
    }
    data["lateness"] = {"max_lag": "35d", "types": {}}
    for key, value in overrides.items():
        data[key] = value
    return policy_from_dict(data)


def unbounded_policy(**overrides: Any) -> Policy:
    """The default policy with no backdating bound and no lateness bound (``null``): the
    reference the clock tests compare against, whatever the shipped policy sets."""
    data = json.loads(default_policy().to_json())
    data["ingest"] = {**data["ingest"], "max_backdate": None, "backdate": []}
    data["lateness"] = {"max_lag": None, "types": {}}
    for key, value in overrides.items():
        data[key] = value
    return policy_from_dict(data)


def ago(days: float, now_us: int = NOW_US) -> str:
    """RFC 3339 of ``days`` before ``now_us``."""
    return iso(now_us - int(days * DAY_US))
