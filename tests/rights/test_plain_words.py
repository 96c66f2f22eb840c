"""Plain words everywhere a person reads: the policy's texts are complete, refused when
they are not, and no page, export or notice shows an internal name or interval notation."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from glasscredit import app as gc
from glasscredit.exceptions import PolicyError
from glasscredit.policy import (
    Policy,
    bin_words,
    default_policy,
    feature_text,
    locale_texts,
    perk_text,
    policy_from_dict,
)
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events

#: interval notation as the points table labels its bins: "[30, 60)", "[-inf, 1)"
INTERVAL = re.compile(r"[\[(]\s*-?(?:inf|\d[\d.]*)\s*,\s*-?(?:inf|\d[\d.]*)\s*[\])]")


def _internal_names(policy: Policy) -> list[str]:
    """Names a person must never read: every feature's, tier's and perk's key that is not
    a plain word already (``trust``, ``good`` are words)."""
    keys = [f.name for f in policy.features] + [t.name for t in policy.tiers]
    return [n for n in [*keys, *(k.name for k in policy.perks)] if "_" in n]


class _Text(HTMLParser):
    """The text a reader sees: everything but the embedded JSON and the style."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


def assert_plain(text: str, policy: Policy) -> None:
    assert not INTERVAL.search(text), INTERVAL.search(text)
    for name in _internal_names(policy):
        assert name not in text, name


def test_every_feature_bin_and_perk_of_the_shipped_policy_has_words() -> None:
    p = default_policy()
    assert p.points is not None and p.texts is not None
    words = locale_texts(p).words
    for name, fp in p.points.features.items():
        ft = feature_text(p, name)
        assert ft.label and ft.advice, name
        labels = [fp.bin_label(i) for i in range(len(fp.points))] + ["missing"]
        texts = [bin_words(ft, words, fp, label) for label in labels]
        assert len(set(texts[:-1])) == len(fp.points), texts  # every bin reads differently
        for t in texts:
            assert t and not INTERVAL.search(t) and "_" not in t, (name, t)
    for perk in p.perks:
        assert perk_text(p, perk.name).label and perk_text(p, perk.name).advice
    assert set(locale_texts(p).tiers) == {t.name for t in p.tiers}
    assert locale_texts(p).no_data


def test_bin_words_read_as_a_person_says_them() -> None:
    p = default_policy()
    assert p.points is not None
    words = locale_texts(p).words

    def say(name: str, value: float | None) -> str:
        assert p.points is not None
        fp = p.points.features[name]
        return bin_words(feature_text(p, name), words, fp, fp.bin_of(value)[0])

    assert say("max_days_late_24m", 45) == "30 to 59 days late"
    assert say("max_days_late_24m", 12) == "up to 29 days late"
    assert say("max_days_late_24m", 120) == "at least 90 days late"
    assert say("max_days_late_24m", None) == "no late payment in the last 24 months"
    assert say("late_payments_24m", 0) == "no late payment"
    assert say("late_payments_24m", 1) == "1 late payment"
    assert say("late_payments_24m", 3) == "2 to 3 late payments"
    assert say("on_time_share_24m", 0.9) == "80% to under 95% of payments on time"
    assert say("identity_level", 3) == "identity checked in person or by chip (level 3)"


def _document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(default_policy().to_json())
    return doc


@pytest.mark.parametrize(
    ("edit", "field", "rule"),
    [
        (
            lambda d: d["texts"]["locales"]["en"]["features"].pop("max_days_late_24m"),
            "texts.locales.en.features.max_days_late_24m",
            "required",
        ),
        (
            lambda d: d["texts"]["locales"]["en"]["features"]["identity_level"]["bins"].pop(),
            "texts.locales.en.features.identity_level.bins",
            "bin_count",
        ),
        (
            lambda d: d["texts"].update({"default_locale": "fr"}),
            "texts.default_locale",
            "known_locale",
        ),
    ],
)
def test_incomplete_or_stray_texts_are_refused(edit: Any, field: str, rule: str) -> None:
    doc = _document()
    edit(doc)
    with pytest.raises(PolicyError) as err:
        policy_from_dict(doc)
    assert (field, rule) in {(e.field, e.rule) for e in err.value.errors}, err.value.errors


def test_a_text_never_reaches_a_points_row() -> None:
    doc = _document()
    doc["points"]["features"]["max_days_late_24m"]["label"] = "How late"
    with pytest.raises(PolicyError, match="label"):
        policy_from_dict(doc)


def test_another_locale_may_be_partial_and_reads_the_rest_from_the_default() -> None:
    doc = _document()
    doc["texts"]["locales"]["fr"] = {
        "features": {
            "max_days_late_24m": {
                "label": "Le retard de votre dernier paiement en retard, sur 24 mois",
                "advice": "Payez dès que possible : quelques jours de retard coûtent peu.",
                "value": "{n} jours de retard",
            }
        },
        "words": {"range": "de {lo} à {hi}", "at_least": "au moins {v}"},
    }
    p = policy_from_dict(doc)
    assert p.texts is not None
    fr = p.texts.locale("fr")
    assert fr.features["max_days_late_24m"].label.startswith("Le retard")
    assert fr.features["defaults_7y"].label == feature_text(p, "defaults_7y").label
    assert p.points is not None
    fp = p.points.features["max_days_late_24m"]
    ft = fr.features["max_days_late_24m"]
    assert bin_words(ft, fr.words, fp, fp.bin_of(45)[0]) == "de 30 à 59 jours de retard"


def test_pages_exports_and_notices_show_no_internal_name(ledger: Ledger, clock: FakeClock) -> None:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events()).check()
    ctx = gc.Context.of_ledger(ledger)
    gc.score(ctx)
    clock.set("2026-09-02T00:00:00Z")
    opened = gc.open_dispute(ctx, "s1", "s1-late", "12 days", correct=("days_late", 12))
    clock.set("2026-09-03T00:00:00Z")
    gc.confirm_correction(ctx, opened.dispute.dispute_id, "bank")
    gc.request_review(ctx, "s1", "perk", "deposit_free_rental", "checked in person")
    notice = gc.record_adverse_action(ctx, "s1", "rentals", "declined")
    clock.set("2026-09-04T00:00:00Z")
    policy = ledger.policy
    page = gc.export_subject(ctx, "s1", html=True).html
    assert page is not None
    assert_plain(visible(page), policy)
    for f in notice.factors:  # the adverse-action notice
        assert_plain(f"{f.text} {f.advice}", policy)
        assert f.advice
    for n in gc.history(ctx, "s1").notices:  # the change notices
        assert_plain(" ".join(n.lines), policy)
    exp = gc.explain(ctx, "s1")
    for line in exp.features:
        assert_plain(f"{line.label} {line.words} {line.advice} {line.note or ''}", policy)
    for k in [*exp.perks, *exp.perks_not_granted]:
        assert_plain(f"{k.label} {k.advice} {' '.join(getattr(k, 'why', []))}", policy)


def test_a_person_with_no_records_learns_why_and_what_would_change_it(
    ledger: Ledger, clock: FakeClock
) -> None:
    clock.set("2026-09-01T00:00:00Z")
    # an endorsement is all the ledger has on them, and it is no part of the score itself
    load_history(ledger, [event("e1", subject="s2", type_="endorsement", endorser="s9")]).check()
    ctx = gc.Context.of_ledger(ledger)
    page = gc.export_subject(ctx, "s2", html=True).html
    assert page is not None
    text = visible(page)
    assert "Why this score" in text and "partners report" in text
    assert_plain(text, ledger.policy)
