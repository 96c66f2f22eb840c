"""The HTML export a person can read and check: contents, glossary, rights with how to
use each, plain words; still verified by ``verify-export``; rendered in headless
Chromium, with a screenshot kept under the test's output folder (``tmp_path``) and, with
``GLASSCREDIT_SCREENSHOTS=DIR``, in DIR too (``docs/img/export.png``)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit.cli import app
from glasscredit.policy import default_policy
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events
from tests.rights.test_plain_words import assert_plain, visible

# the one headless-chromium fixture (Debian chromium; fails under GLASSCREDIT_REQUIRE_BROWSER)
from tests.web.conftest import browser  # noqa: F401


def _page(ledger: Ledger, clock: FakeClock) -> str:
    """s1's file after a correction, an open dispute, a statement, a review and a
    partner's decline: every section has something to show."""
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events()).check()
    ctx = gc.Context.of_ledger(ledger)
    gc.score(ctx)
    clock.set("2026-09-02T00:00:00Z")
    d = gc.open_dispute(
        ctx, "s1", "s1-late", "I paid 12 days late, not 45", correct=("days_late", 12)
    )
    clock.set("2026-09-03T00:00:00Z")
    gc.open_dispute(ctx, "s1", "s1-default", "This loan was never mine")
    clock.set("2026-09-05T00:00:00Z")
    gc.confirm_correction(ctx, d.dispute.dispute_id, "bank", reasons="Our statement shows 12 days.")
    gc.set_statement(ctx, "s1", "I was ill in spring 2026; every payment since is on time.")
    gc.request_review(
        ctx, "s1", "perk", "deposit_free_rental", "My identity was checked in person."
    )
    gc.record_adverse_action(ctx, "s1", "rentals", "declined")
    clock.set("2026-09-06T00:00:00Z")
    page = gc.export_subject(ctx, "s1", html=True).html
    assert page is not None
    return page


def test_the_page_has_contents_glossary_and_rights_and_still_verifies(
    ledger: Ledger, clock: FakeClock, tmp_path: Path
) -> None:
    page = _page(ledger, clock)
    anchors = re.findall(r'<a href="#([a-z]+)">', page)
    assert {"parts", "reasons", "records", "disputes", "rights", "glossary", "check"} <= set(
        anchors
    )
    for a in set(anchors):
        assert f"id={a}>" in page, a  # every entry of the contents leads somewhere
    text = visible(page)
    assert_plain(text, ledger.policy)
    for words in (
        "Words used on this page",
        "Correction",  # the glossary explains it
        "glasscredit dispute open s1 RECORD",
        "POST /v1/subjects/s1/disputes",
        "answered within 30 days, or settled in your favour",  # the policy's deadline
        "once; the dispute gets 15 days more",
        "decided within 30 days",
        "negative records after 7 years",
        "was corrected on 2026-09-05 at your request",
        "up to 29 days late",  # the corrected 12 days, in words (no interval notation)
        "I was ill in spring 2026",
    ):
        assert words in text, words
    path = tmp_path / "export.html"
    path.write_text(page)
    res = CliRunner().invoke(app, ["verify-export", str(path)])
    assert res.exit_code == 0, res.output


@pytest.mark.slow
def test_the_page_in_a_browser(
    sqlite_url: str,
    clock: FakeClock,
    tmp_path: Path,
    browser: Any,  # noqa: F811
) -> None:
    with Ledger(sqlite_url, default_policy(), clock=clock) as ledger:
        page_html = _page(ledger, clock)
    path = tmp_path / "export.html"
    path.write_text(page_html)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(path.as_uri())
    assert page.locator("h1").inner_text().startswith("Your glasscredit file")
    if where := os.environ.get("GLASSCREDIT_SCREENSHOTS"):
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / "export.png"))  # the first screen, for docs
    page.get_by_role("link", name="Your rights and how to use them").click()
    assert page.evaluate("location.hash") == "#rights"
    assert page.locator("#rights").is_visible()
    # nothing from the internet, no script runs: the page is one file
    assert (
        page.evaluate("document.querySelectorAll('script:not([type=\"application/json\"])').length")
        == 0
    )
    shot = tmp_path / "export.png"  # the test artefact
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()
