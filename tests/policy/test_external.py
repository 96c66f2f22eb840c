"""The policy declares what it lends to trust (event types) and takes from it (features)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from glasscredit.exceptions import PolicyError
from glasscredit.policy import EXTERNAL_FEATURES, default_policy, policy_from_dict

BASE = default_policy().model_dump(mode="json", exclude_none=True, by_alias=True)


def _data() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def _rules(data: dict[str, Any]) -> set[tuple[str, str]]:
    with pytest.raises(PolicyError) as err:
        policy_from_dict(data)
    return {(e.field, e.rule) for e in err.value.errors}


def test_an_external_feature_nothing_supplies_is_refused_at_load() -> None:
    # before: a feature named 'karma' with agg external was missing for everyone, silently
    data = _data()
    data["features"].append({"name": "karma", "agg": "external", "dimension": "relationships"})
    with pytest.raises(PolicyError) as err:
        policy_from_dict(data)
    (e,) = [e for e in err.value.errors if e.field == "features.karma"]
    assert e.rule == "unknown_external"
    assert "trust" in e.message and "corroborated_reports" in e.message
    assert set(EXTERNAL_FEATURES) == {"trust", "corroborated_reports"}


def test_trust_event_roles_are_read_from_the_policy() -> None:
    # a role cannot move to a type of the operator's invention: the vocabulary refuses it
    data = _data()
    data["event_types"]["vouch"] = data["event_types"].pop("endorsement")
    for src in data["sources"].values():
        src["types"] = ["vouch" if t == "endorsement" else t for t in src["types"]]
    data["trust_events"]["endorsement"] = "vouch"
    assert ("event_types.vouch", "vocabulary_type") in _rules(data)
    # the default policy names the types trust always read
    assert default_policy().trust_events.model_dump() == {
        "endorsement": "endorsement",
        "report": "report.misconduct",
        "identity": "identity.verified",
    }


def test_a_role_trust_relies_on_must_be_a_declared_type_with_its_attributes() -> None:
    data = _data()
    data["trust_events"]["report"] = "report.spam"
    assert ("trust_events.report", "unknown_type") in _rules(data)

    data = _data()
    data["event_types"]["identity.verified"]["attributes"].pop("level")
    data["features"] = [
        f
        for f in data["features"]
        if "identity.verified" not in f.get("types", []) or f.get("attribute") != "level"
    ]
    data["points"]["features"] = {
        k: v
        for k, v in data["points"]["features"].items()
        if k in {f["name"] for f in data["features"]}
    }
    # the vocabulary knows trust reads the level: it refuses first, naming the attribute
    assert ("event_types.identity.verified.attributes.level", "vocabulary_essential") in _rules(
        data
    )


def test_a_policy_without_trust_needs_no_trust_events() -> None:
    data = _data()
    data["features"] = [f for f in data["features"] if f["agg"] != "external"]
    data["points"]["features"] = {
        k: v
        for k, v in data["points"]["features"].items()
        if k not in ("trust", "corroborated_reports")
    }
    data["points"]["base"] += 25  # keep the attainable range inside 350..950
    data.pop("trust_events")
    for t in ("endorsement", "report.misconduct"):
        data["event_types"].pop(t)
    # and any backdating bound naming them (a rule of an undeclared type is refused)
    bounds = data["ingest"].get("backdate", [])
    data["ingest"]["backdate"] = [r for r in bounds if r.get("type") != "endorsement"]
    for name in ("community", "forum"):  # the sources that reported only those
        data["sources"].pop(name)
    policy = policy_from_dict(data)
    assert not any(f.agg == "external" for f in policy.features)
