"""The shipped vocabulary: every term justified, every term usable, nothing else admissible."""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from glasscredit.exceptions import ForbiddenDataError, PolicyError
from glasscredit.policy import default_policy, policy_from_dict
from glasscredit.policy._admissible import complete_from_vocabulary
from glasscredit.policy._forbidden import refusal
from glasscredit.policy._yaml import parse_policy_bytes
from glasscredit.vocabulary import VOCABULARY, Term, identifier_problem, text_problem

TERMS = list(VOCABULARY.terms())
DEFAULT: dict[str, Any] = default_policy().model_dump(mode="json", by_alias=True)


def test_the_vocabulary_covers_the_issue_families() -> None:
    assert [f.name for f in VOCABULARY.families] == [
        "payment",
        "loan",
        "rental",
        "contract",
        "bill",
        "identity",
        "income",
        "account",
        "endorsement",
        "report",
    ]
    for fam in VOCABULARY.families:
        for t in fam.types:
            assert t.name == fam.name or t.name.startswith(fam.name + ".")
    assert len(TERMS) > 100


@pytest.mark.parametrize("term", TERMS, ids=[t.path for t in TERMS])
def test_every_term_has_a_meaning_and_a_rationale(term: Term) -> None:
    """Why it is not special-category data, speech, a protected basis or an identifier."""
    assert len(term.meaning) >= 5, term.path
    assert len(term.rationale) >= 40, term.path
    assert text_problem(term.rationale, max_length=400) is None


@pytest.mark.parametrize("term", TERMS, ids=[t.path for t in TERMS])
def test_every_term_is_a_plain_name_the_denylist_passes(term: Term) -> None:
    pattern = r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?" if term.kind != "value" else r"[a-z0-9_]+"
    assert re.fullmatch(pattern, term.name), term.path
    assert identifier_problem(term.name) is None
    r = refusal(term.name)
    if term.reviewed is None:
        assert r is None, (term.path, r)
    else:  # a reviewed resemblance: the review must still be about what the denylist says
        assert r is not None and r.category == term.reviewed


def _everything() -> dict[str, Any]:
    """A policy that declares every type, every attribute and every value of the vocabulary."""
    data = copy.deepcopy(DEFAULT)
    data["event_types"] = {
        t.name: {"polarity": t.polarity, "attributes": {a.name: {} for a in t.attributes}}
        for f in VOCABULARY.families
        for t in f.types
    }
    data["sources"]["bank"]["types"] = list(VOCABULARY.type_names)
    return data


def test_every_term_of_the_vocabulary_is_accepted_in_a_policy() -> None:
    policy = policy_from_dict(_everything())
    assert set(policy.event_types) == set(VOCABULARY.type_names)
    for t in (t for f in VOCABULARY.families for t in f.types):
        declared = policy.event_types[t.name]
        assert set(declared.attributes) == {a.name for a in t.attributes}
        for a in t.attributes:
            spec = declared.attributes[a.name]
            assert spec.type == a.type  # completed from the vocabulary
            assert spec.minimum == a.minimum and spec.maximum == a.maximum
            assert tuple(spec.values or ()) == a.value_names


def test_default_policy_is_chosen_from_the_vocabulary_and_keeps_its_hash() -> None:
    """The vocabulary completes nothing in the default: it loads as written, same hash."""
    text = resources.files("glasscredit.policy").joinpath("default.yaml").read_bytes()
    raw = parse_policy_bytes(text)
    assert complete_from_vocabulary(raw) == raw
    policy = default_policy()
    assert policy.hash == policy_from_dict(raw).hash
    for tname, et in policy.event_types.items():
        term = VOCABULARY.event_type(tname)
        assert term is not None and term.polarity == et.polarity
        for aname, spec in et.attributes.items():
            at = term.attribute(aname)
            assert at is not None and at.type == spec.type
            assert set(spec.values or ()) <= set(at.value_names)


def test_an_attribute_left_open_is_completed_and_a_complete_one_is_unchanged() -> None:
    data = copy.deepcopy(DEFAULT)
    attrs = data["event_types"]["payment.late"]["attributes"]
    attrs["days_late"] = {"required": False}
    policy = policy_from_dict(data)
    days = policy.event_types["payment.late"].attributes["days_late"]
    assert (days.type, days.minimum, days.maximum, days.required) == ("integer", 1, 3650, False)
    assert policy_from_dict(policy.model_dump(mode="json", by_alias=True)).hash == policy.hash


def _refused(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ForbiddenDataError) as info:
        policy_from_dict(data)
    return {e.field: e.rule for e in info.value.errors}


def test_a_policy_may_narrow_but_never_widen() -> None:
    data = copy.deepcopy(DEFAULT)
    asset = data["event_types"]["rental.started"]["attributes"]["asset"]
    asset["values"] = ["bike", "car"]  # a subset: the operator's choice
    data["event_types"]["payment.late"]["attributes"]["days_late"]["maximum"] = 90
    narrowed = policy_from_dict(data)
    assert narrowed.event_types["rental.started"].attributes["asset"].values == ["bike", "car"]
    asset["values"] = ["bike", "yacht"]
    data["event_types"]["payment.late"]["attributes"]["days_late"]["maximum"] = 9000
    assert _refused(data) == {
        "event_types.rental.started.attributes.asset.values": "vocabulary_value",
        "event_types.payment.late.attributes.days_late.maximum": "vocabulary_range",
    }


def test_type_polarity_and_essential_attributes_are_the_vocabulary_s() -> None:
    data = copy.deepcopy(DEFAULT)
    data["event_types"]["payment.on_time"]["attributes"]["amount"]["type"] = "integer"
    data["event_types"]["payment.late"]["polarity"] = "positive"
    del data["event_types"]["endorsement"]["attributes"]["endorser"]
    data["event_types"]["report.misconduct"]["attributes"]["category"]["required"] = False
    assert _refused(data) == {
        "event_types.payment.on_time.attributes.amount.type": "vocabulary_attribute_type",
        "event_types.payment.late.polarity": "vocabulary_polarity",
        "event_types.endorsement.attributes.endorser": "vocabulary_essential",
        "event_types.report.misconduct.attributes.category": "vocabulary_essential",
    }


def test_a_filter_cannot_name_a_value_the_policy_does_not_declare() -> None:
    data = copy.deepcopy(DEFAULT)
    data["features"].append(
        {
            "name": "bike_rentals",
            "agg": "count",
            "types": ["rental.started"],
            "where": {"asset": {"in": ["bike", "religious_item"]}},
            "dimension": "fulfilment",
        }
    )
    rules = _refused(data)
    assert rules == {"features.bike_rentals.where.asset.in": "vocabulary_value"}


def test_the_policy_names_the_choices_when_it_refuses() -> None:
    data = copy.deepcopy(DEFAULT)
    data["event_types"]["payment.sometimes"] = {"attributes": {}}
    with pytest.raises(PolicyError) as info:
        policy_from_dict(data)
    message = str(info.value)
    assert "event_types.payment.sometimes" in message and "[vocabulary_type]" in message
    assert "payment.on_time" in message and "reviewed change to glasscredit.vocabulary" in message


def test_the_docs_list_every_term() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    for fam in VOCABULARY.families:
        assert f"### `{fam.name}`" in doc
        for t in fam.types:
            row = next(line for line in doc.splitlines() if line.startswith(f"| `{t.name}` |"))
            assert f"| {t.polarity} |" in row
            for a in t.attributes:
                assert f"`{a.name}` ({a.type}" in row
                assert all(v in row for v in a.value_names)


def test_the_vocabulary_is_the_lowest_layer() -> None:
    """It imports nothing of glasscredit's but itself, so every layer above may use it."""
    import ast

    import glasscredit.vocabulary as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith("glasscredit") or name.startswith(
                    "glasscredit.vocabulary"
                ), (path.name, name)
