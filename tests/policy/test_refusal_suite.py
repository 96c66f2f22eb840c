"""The refusal suite: every term of ``refused_terms.py`` refused in every place a policy names.

As an event type, an attribute or an enum value the vocabulary refuses it (it is not an
admissible fact); as a feature name or a label the denylist refuses it with its law. A
look-alike spelling is refused by the name rules before either sees it. Honest names
and texts in the same places load.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from glasscredit.exceptions import PolicyError
from glasscredit.policy import default_policy, policy_from_dict
from glasscredit.policy._denylist import CATEGORIES
from glasscredit.policy._forbidden import TEXT_KINDS, refusal
from tests.policy.refused_terms import HONEST_NAMES, HONEST_TEXTS, REFUSED_TERMS

DEFAULT: dict[str, Any] = default_policy().model_dump(mode="json", by_alias=True)
NAME_RULES = {
    "ascii_identifier",
    "look_alike",
    "mixed_script",
    "invisible_character",
    "normalisation",
    "control_character",
}
DENYLIST_RULES = {c.key for c in CATEGORIES}


def test_the_list_is_long_and_has_no_repeats() -> None:
    assert len(REFUSED_TERMS) >= 300
    assert len(set(REFUSED_TERMS)) == len(REFUSED_TERMS)


def _rules(data: dict[str, Any]) -> set[str]:
    with pytest.raises(PolicyError) as info:
        policy_from_dict(data)
    return {e.rule for e in info.value.errors}


def _as_type(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["event_types"][term] = {"polarity": "neutral", "attributes": {}}
    return data


def _as_attribute(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["event_types"]["payment.on_time"]["attributes"][term] = {"type": "integer"}
    return data


def _as_value(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["event_types"]["report.misconduct"]["attributes"]["category"]["values"].append(term)
    return data


def _snake(term: str) -> str:
    """An ASCII term as a feature name would spell it; others are left as written."""
    if not term.isascii():
        return term
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", term).lower())


def _as_feature(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["features"].append(
        {"name": _snake(term), "agg": "count", "types": ["payment.on_time"], "dimension": "tenure"}
    )
    return data


def _as_external_feature(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["features"].append({"name": _snake(term), "agg": "external", "dimension": "connections"})
    return data


def _as_label(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["event_types"]["payment.on_time"]["label"] = term
    return data


def _as_reason(term: str) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT)
    data["features"][0]["reason"] = term
    return data


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_refused_as_an_event_type(term: str) -> None:
    assert _rules(_as_type(term)) & ({"vocabulary_type"} | NAME_RULES)


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_refused_as_an_attribute(term: str) -> None:
    assert _rules(_as_attribute(term)) & ({"vocabulary_attribute"} | NAME_RULES)


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_refused_as_an_enum_value(term: str) -> None:
    assert _rules(_as_value(term)) & ({"vocabulary_value"} | NAME_RULES)


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_refused_as_a_feature_name(term: str) -> None:
    rules = _rules(_as_feature(term))
    assert rules & (DENYLIST_RULES | NAME_RULES)
    if term.isascii():  # an honest spelling: the denylist itself says why
        assert rules & DENYLIST_RULES


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_refused_as_an_external_feature(term: str) -> None:
    assert _rules(_as_external_feature(term)) & (DENYLIST_RULES | NAME_RULES)


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_refused_as_a_label_and_in_a_reason(term: str) -> None:
    assert _rules(_as_label(term)) & (DENYLIST_RULES | NAME_RULES)
    assert _rules(_as_reason(term)) & (DENYLIST_RULES | NAME_RULES)


@pytest.mark.parametrize("term", REFUSED_TERMS)
def test_the_denylist_alone_names_the_law(term: str) -> None:
    """Even a look-alike spelling is caught by the denylist, which says which law."""
    r = refusal(term, kinds=TEXT_KINDS)
    assert r is not None
    assert r.category in DENYLIST_RULES and r.law in r.explain(term)


@pytest.mark.parametrize("name", HONEST_NAMES)
def test_honest_names_load_as_features_and_labels(name: str) -> None:
    declared = {f["name"] for f in DEFAULT["features"]}
    data = copy.deepcopy(DEFAULT) if name in declared else _as_feature(name)
    data["event_types"]["payment.on_time"]["label"] = name.replace("_", " ")
    data["perks"][0]["name"] = name
    policy = policy_from_dict(data)
    assert name in [f.name for f in policy.features] and policy.perks[0].name == name


@pytest.mark.parametrize("text", HONEST_TEXTS)
def test_honest_texts_load_as_labels_and_reasons(text: str) -> None:
    data = _as_label(text)
    data["features"][0]["reason"] = text
    assert policy_from_dict(data).event_types["payment.on_time"].label == text


def _refused(data: dict[str, Any]) -> str:
    with pytest.raises(PolicyError) as info:
        policy_from_dict(data)
    return str(info.value)


def test_a_refusal_says_which_law_and_which_category() -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_dict(_as_feature("union_member"))
    (err,) = info.value.errors
    assert err.field == "features.union_member"
    assert err.rule == "trade_union_membership"
    assert "trade-union membership" in err.message and "GDPR Art. 9(1)" in err.message
    text = _refused(_as_feature("birth_year"))
    assert "Equal Credit Opportunity Act" in text and "[age]" in text
    text = _refused(_as_external_feature("friends_avg_score"))
    assert "[association]" in text and "guilt by association" in text
    text = _refused(_as_feature("email_domain"))
    assert "[direct_identifier]" in text and "GDPR Art. 5(1)(c)" in text


def test_a_vocabulary_refusal_also_names_the_law_when_the_denylist_knows_it() -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_dict(_as_type("church.attended"))
    (err,) = [e for e in info.value.errors if e.rule == "vocabulary_type"]
    assert err.field == "event_types.church.attended"
    assert "not an event type of glasscredit's vocabulary" in err.message
    assert "religious or philosophical beliefs" in err.message and "GDPR Art. 9(1)" in err.message


def test_look_alike_names_are_refused_with_the_character_named() -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_dict(_as_feature("religіon"))  # Cyrillic і
    (err,) = info.value.errors
    assert err.rule == "mixed_script"
    assert "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I" in err.message
    assert "looks like 'i'" in err.message
    text = _refused(_as_attribute("relıgion"))  # dotless ı
    assert "look_alike" in text and "reads as 'religion'" in text
    text = _refused(_as_type("ｒｅｌｉｇｉｏｎ"))
    assert "normalisation" in text and "FULLWIDTH" in text
    text = _refused(_as_label("reli\u200bgion"))
    assert "invisible_character" in text and "ZERO WIDTH SPACE" in text
