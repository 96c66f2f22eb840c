"""The access export holds everything about a subject and recomputes offline to the score."""

from __future__ import annotations

import copy
import json

from glasscredit.policy import DAY_US, YEAR_US, parse_timestamp
from glasscredit.rights import export_html, export_subject, open_dispute, verify_export
from glasscredit.scoring import Scorer, rescore
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock, event
from tests.rights._helpers import s1_events

T0 = parse_timestamp("2026-09-01T00:00:00Z")


def _exported(ledger: Ledger, clock: FakeClock) -> dict[str, object]:
    clock.set("2026-09-01T00:00:00Z")
    load_history(
        ledger,
        s1_events()
        + s1_events("s2")
        + [event("old-default", "s1", "loan.defaulted", "2019-06-01T00:00:00Z")],
    )
    rescore(Scorer(ledger), T0, T0)
    open_dispute(ledger, "s1", "s1-late", "I paid on time", now_us=T0 + DAY_US, actor="subject")
    data = export_subject(ledger, "s1", now_us=T0 + 2 * DAY_US)
    # through JSON and back, as the person receives it
    out: dict[str, object] = json.loads(json.dumps(data, allow_nan=False))
    return out


def test_export_holds_everything_and_recomputes_offline(ledger: Ledger, clock: FakeClock) -> None:
    data = _exported(ledger, clock)
    events = {e["event_id"]: e for e in data["events"]}  # type: ignore[attr-defined]
    assert len(events) == 17 and "s2-late" not in events
    assert events["s1-late"]["status"] == "does not count: dispute 1"
    # 2019-06-01 + 7 years (2,556.7 days) = 2026-05-31T17:...: past retention by 2026-09-03
    assert events["old-default"]["status"].startswith("does not count: retention ended 2026-05-31")
    assert events["s1-default"]["status"] == "counts"
    # 600 before; the late payment disputed: late 1 -> 0 (+15), max days 45 -> missing
    # (-10 -> +10), share 12/13 -> 1.0 (0 -> +10): 600 + 15 + 20 + 10 = 645
    assert data["score"]["score"] == 645  # type: ignore[index]
    assert [h["score"] for h in data["history"]] == [600, 645]  # type: ignore[attr-defined]
    assert [d["reason"] for d in data["disputes"]] == ["I paid on time"]  # type: ignore[attr-defined]
    assert [a["action"] for a in data["audit"]] == ["dispute.open"]  # type: ignore[attr-defined]
    assert data["notices"][0]["delta"] == 45  # type: ignore[index]
    result = verify_export(data)
    assert result["identical"] and result["recomputed_score"] == 645
    assert [(h["recomputed"], h["identical"]) for h in result["history"]] == [
        (600, True),
        (645, True),
    ]


def test_tampered_export_is_caught(ledger: Ledger, clock: FakeClock) -> None:
    data = _exported(ledger, clock)
    lied = copy.deepcopy(data)
    lied["score"]["score"] = 700  # type: ignore[index]
    assert verify_export(lied)["problems"] == ["score: the export says 700, recomputed 645"]
    edited = copy.deepcopy(data)
    ev = next(e for e in edited["events"] if e["event_id"] == "s1-default")  # type: ignore[attr-defined]
    ev["occurred_at_us"] -= 8 * YEAR_US  # would drop out of retention
    problems = verify_export(edited)["problems"]
    assert problems[0] == "event s1-default: content does not match its hash"


def test_html_page_is_self_contained_and_escaped(ledger: Ledger, clock: FakeClock) -> None:
    data = _exported(ledger, clock)
    data["disputes"][0]["reason"] = "<script>alert(1)</script>"  # type: ignore[index]
    page = export_html(data)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page
    assert "<div class=big>645</div>" in page
    embedded = page.split("<script type=application/json id=export>")[1].split("</script>")[0]
    assert verify_export(json.loads(embedded))["identical"]
