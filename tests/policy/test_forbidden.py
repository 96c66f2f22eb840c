"""The refusal lists: what is refused, what is not, and that the policy loader uses them."""

from __future__ import annotations

import copy

import pytest
import yaml

from glasscredit.exceptions import ForbiddenDataError, PolicyError
from glasscredit.policy import (
    SPECIAL_CATEGORIES,
    default_policy,
    forbidden_category,
    policy_from_dict,
    protected_basis,
)
from glasscredit.policy._loader import DEFAULT_POLICY_NAME


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("political_party_affiliation", "political_opinion"),
        ("voter_registration", "political_opinion"),
        ("religion", "religion_or_belief"),
        ("churchAttendance", "religion_or_belief"),
        ("ethnicity", "ethnic_or_racial_origin"),
        ("skin_colour", "ethnic_or_racial_origin"),
        ("health_score", "health"),
        ("hasDisability", "health"),
        ("sexual_orientation", "sex_life_or_orientation"),
        ("union_member", "trade_union_membership"),
        ("fingerprint_hash", "biometric"),
        ("face_template", "biometric"),
        ("dna_marker", "genetic"),
        ("free_text", "free_text"),
        ("comment", "speech"),
        ("notes", "free_text"),
        ("chat_log", "speech"),
    ],
)
def test_special_category_names_are_caught(name: str, category: str) -> None:
    assert forbidden_category(name) == category


@pytest.mark.parametrize(
    "name",
    [
        "amount",
        "days_late",
        "level",
        "band",
        "endorser",
        "reporter",
        "category",
        "evidence",
        "wealth",
        "kind",
        "asset",
        "severity",
        "term_months",
        "account",
        "loan",
        "rental",
        "contract",
        "mortgage",
        "third_party",
        "deposit_waived",
    ],
)
def test_ordinary_names_pass(name: str) -> None:
    assert forbidden_category(name) is None


def test_every_category_has_patterns() -> None:
    assert set(SPECIAL_CATEGORIES) == {
        "political_opinion",
        "religion_or_belief",
        "ethnic_or_racial_origin",
        "health",
        "sex_life_or_orientation",
        "trade_union_membership",
        "biometric",
        "genetic",
        "speech",
        "free_text",
    }
    assert all(SPECIAL_CATEGORIES.values())


@pytest.mark.parametrize(
    ("name", "basis"),
    [
        ("personal_status_and_sex", "sex_or_gender"),
        ("gender", "sex_or_gender"),
        ("age", "age"),
        ("age_in_years", "age"),
        ("foreign_worker", "national_origin"),
        ("marital_status", "marital_status"),
    ],
)
def test_protected_bases(name: str, basis: str) -> None:
    assert protected_basis(name) == basis


def test_ordinary_names_are_not_protected() -> None:
    for name in ("amount", "mortgage", "duration_in_month", "credit_history", "savings"):
        assert protected_basis(name) is None


def _default_dict() -> dict[str, object]:
    from importlib import resources

    text = resources.files("glasscredit.policy").joinpath(DEFAULT_POLICY_NAME).read_text()
    data: dict[str, object] = yaml.safe_load(text)
    return data


def test_policy_with_religion_attribute_is_refused_naming_it() -> None:
    data = copy.deepcopy(_default_dict())
    data["event_types"]["payment.on_time"]["attributes"]["religion"] = {  # type: ignore[index]
        "type": "enum",
        "values": ["a", "b"],
    }
    with pytest.raises(ForbiddenDataError) as info:
        policy_from_dict(data)
    assert "event_types.payment.on_time.attributes.religion" in str(info.value)
    assert "religion_or_belief" in str(info.value)


def test_policy_with_free_text_type_is_refused() -> None:
    data = copy.deepcopy(_default_dict())
    data["event_types"]["payment.on_time"]["attributes"]["memo"] = {  # type: ignore[index]
        "type": "string"
    }
    with pytest.raises(ForbiddenDataError) as info:
        policy_from_dict(data)
    assert "memo" in str(info.value) and "free_text" in str(info.value)


def test_health_event_type_is_refused() -> None:
    data = copy.deepcopy(_default_dict())
    data["event_types"]["health.checkup"] = {"attributes": {}}  # type: ignore[index]
    with pytest.raises(ForbiddenDataError, match="health"):
        policy_from_dict(data)


def test_default_policy_declares_the_public_types() -> None:
    p = default_policy()
    assert set(p.event_types) >= {
        "payment.on_time",
        "payment.late",
        "loan.opened",
        "loan.repaid",
        "loan.defaulted",
        "rental.started",
        "rental.returned",
        "rental.returned_late",
        "rental.damaged",
        "contract.fulfilled",
        "contract.breached",
        "bill.paid",
        "bill.missed",
        "identity.verified",
        "income.verified",
        "account.opened",
        "endorsement",
        "report.misconduct",
    }
    assert set(p.sources) == {
        "bank",
        "lender",
        "credit_union",
        "rentals",
        "marketplace",
        "community",
        "forum",
        "idcheck",
    }
    assert p.event_types["endorsement"].attributes["endorser"].type == "subject"
    assert p.event_types["report.misconduct"].attributes["reporter"].type == "subject"
    assert p.event_types["payment.late"].attributes["days_late"].type == "integer"
    lvl = p.event_types["identity.verified"].attributes["level"]
    assert (lvl.minimum, lvl.maximum) == (1, 3)


def test_points_range_must_stay_inside_350_950() -> None:
    data = copy.deepcopy(_default_dict())
    data["points"]["base"] = 900  # type: ignore[index]
    with pytest.raises(PolicyError, match="score_range"):
        policy_from_dict(data)


def test_unknown_type_in_source_is_named() -> None:
    data = copy.deepcopy(_default_dict())
    data["sources"]["bank"]["types"].append("payment.sometimes")  # type: ignore[index]
    with pytest.raises(PolicyError, match=r"sources\.bank\.types.*payment\.sometimes"):
        policy_from_dict(data)


def test_policy_hash_is_stable_and_content_sensitive() -> None:
    a = default_policy()
    b = default_policy()
    assert a.hash == b.hash and len(a.hash) == 64
    data = copy.deepcopy(_default_dict())
    data["points"]["base"] = 611  # type: ignore[index]
    assert policy_from_dict(data).hash != a.hash
