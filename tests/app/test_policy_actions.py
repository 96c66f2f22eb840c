"""What-if actions are declared by the policy and checked when it loads; the score range
comes from the policy's tiers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from glasscredit.exceptions import PolicyError
from glasscredit.policy import default_policy, policy_from_dict


def _with_actions(actions: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_policy().to_json())
    data["whatif_actions"] = actions
    return data


def test_the_default_policy_offers_paying_on_time() -> None:
    p = default_policy()
    a = p.action("pay_on_time")
    assert (a.type, a.source, a.every) == ("payment.on_time", "bank", "1mo")
    assert p.score_range == (350, 950)
    with pytest.raises(KeyError):
        p.action("fly")


@pytest.mark.parametrize(
    ("action", "rule"),
    [
        ({"name": "x", "type": "payment.sent", "source": "bank"}, "unknown_type"),
        ({"name": "x", "type": "payment.on_time", "source": "shop"}, "unknown_source"),
        ({"name": "x", "type": "payment.on_time", "source": "rentals"}, "source_type"),
        ({"name": "x", "type": "payment.on_time", "source": "bank", "every": "often"}, "duration"),
        (
            {"name": "x", "type": "payment.on_time", "source": "bank", "attributes": {"ip": 1}},
            "unknown_attribute",
        ),
    ],
)
def test_a_bad_action_is_refused_with_its_field(action: dict[str, Any], rule: str) -> None:
    with pytest.raises(PolicyError) as err:
        policy_from_dict(_with_actions([action]))
    assert any(e.rule == rule and e.field.startswith("whatif_actions.x") for e in err.value.errors)


def test_action_names_are_unique() -> None:
    a = {"name": "x", "type": "payment.on_time", "source": "bank"}
    with pytest.raises(PolicyError) as err:
        policy_from_dict(_with_actions([a, a]))
    assert [e.rule for e in err.value.errors] == ["unique"]
