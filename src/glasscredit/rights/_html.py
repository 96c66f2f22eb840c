"""The access export as one readable HTML page: self-contained, nothing from the internet.

Everything is escaped; the page embeds the export's JSON too, so saving the page keeps
what ``glasscredit verify-export`` needs.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["export_html"]

_CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;
color:#1d1d1f}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}.num{text-align:right}.big{font-size:2.2rem;font-weight:700}
.muted{color:#666}code{font-size:.85em}"""


def _table(headers: list[str], rows: list[list[Any]], numeric: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{escape(_fmt(c))}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True)
    return str(v)


def export_html(data: dict[str, Any]) -> str:
    """Render an export (the dict :func:`export_subject` returns) as a page."""
    s = data["score"]
    parts = [
        f"<h1>What glasscredit holds about {escape(data['subject'])}</h1>",
        f"<p class=muted>As of {escape(data['as_of'])}; first seen {escape(data['first_seen'])}"
        f"; policy <code>{escape(data['policy_hash'][:16])}</code>, points table "
        f"<code>{escape(data['model_hash'][:16])}</code>.</p>",
        f"<p><span class=big>{s['score']}</span> ({escape(s['tier'])}), on a range of "
        f"{s['range'][0]}-{s['range'][1]}: {s['base_points']} base points plus the points "
        "of each feature below, exactly.</p>",
        "<h2>Points per feature</h2>",
        _table(
            ["feature", "dimension", "value", "bin", "points", "best possible"],
            [
                [f["name"], f["dimension"], f["value"], f["bin"], f["points"], f["max_points"]]
                for f in s["features"]
            ],
            (2, 4, 5),
        ),
        "<h2>Key factors</h2>",
        _table(
            ["code", "factor", "points below best", "events"],
            [
                [r["code"], r["text"], r["points_below_max"], ", ".join(r["events"])]
                for r in s["reasons"]
            ],
            (2,),
        ),
        "<h2>Records about you</h2>",
        _table(
            ["event", "source", "type", "occurred", "attributes", "status"],
            [
                [
                    e["event_id"],
                    e["source"],
                    e["type"],
                    e["occurred_at"],
                    e["attributes"],
                    e["status"],
                ]
                for e in data["events"]
            ],
        ),
        "<h2>Your disputes</h2>",
        _table(
            [
                "dispute",
                "event",
                "reason",
                "opened",
                "deadline",
                "status",
                "resolved",
                "why",
                "what the source said",
            ],
            [
                [
                    d["dispute_id"],
                    d["event_id"],
                    d["reason"],
                    d["opened_at"],
                    d["deadline"],
                    d["status"],
                    d["resolved_at"],
                    d.get("resolution"),
                    d.get("source_response"),
                ]
                for d in data["disputes"]
            ],
        ),
        "<h2>Your statement</h2>",
        (
            f"<p>{escape(data['statement']['text'])}</p><p class=muted>Written "
            f"{escape(data['statement']['at'])}; every partner that reads your score "
            "receives it too. It never changes your score.</p>"
            if data.get("statement")
            else "<p>You have not written a statement. You may add one of up to 100 words; "
            "it is sent with your score to every partner that reads it.</p>"
        ),
        "<h2>Your requests for a person to review a decision</h2>",
        _table(
            ["review", "about", "your point of view", "deadline", "outcome", "reasons"],
            [
                [
                    r["review_id"],
                    f"{r['kind']} {r['about']}",
                    r["point_of_view"],
                    r["deadline"],
                    r["status"],
                    r["reasons"],
                ]
                for r in data.get("reviews", [])
            ],
        ),
        "<h2>Partners that acted on your score</h2>",
        _table(
            ["notice", "date", "who", "what", "score", "main reasons"],
            [
                [
                    a["notice_id"],
                    a["at"],
                    a["source"],
                    a["action"],
                    a["score"],
                    "; ".join(f["text"] for f in a["factors"]),
                ]
                for a in data.get("adverse_actions", [])
            ],
        ),
        "<h2>Score history</h2>",
        _table(
            ["score id", "as of", "score", "tier", "policy"],
            [
                [h["score_id"], h["as_of"], h["score"], h["tier"], h["policy_hash"][:12]]
                for h in data["history"]
            ],
            (2,),
        ),
        "<h2>Changes to your score</h2>",
        _table(
            ["at", "from", "to", "why"],
            [
                [n["at"], n["old_score"], n["new_score"], "; ".join(n["lines"])]
                for n in data["notices"]
            ],
            (1, 2),
        ),
        "<h2>Audit log entries about you</h2>",
        _table(
            ["seq", "at", "by", "action", "details"],
            [[a["seq"], a["at"], a["actor"], a["action"], a["details"]] for a in data["audit"]],
            (0,),
        ),
        "<h2>Check the arithmetic yourself</h2>",
        "<p>Run <code>glasscredit verify-export</code> on this page's file (or on the JSON "
        "export): it recomputes your score from the file alone, with the policy and points "
        "table shown here, and checks the operator's signature.</p>",
        "<script type=application/json id=export>"
        + json.dumps(data, allow_nan=False).replace("</", "<\\/")
        + "</script>",
    ]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>glasscredit export: {escape(data['subject'])}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>\n"
    )
