"""The access export as one page a person can read and check: self-contained, nothing
from the internet, no scripts.

It opens with the score and what it means, a table of contents, then each part of the
score in plain words (the policy's texts: what it measures, what was found, what to do),
the records, disputes and corrections, the person's statement, reviews and partners'
decisions, the history, the statement of rights with how to use each (command, web
address, deadline), a glossary, and how to check it all. Everything is escaped; the page
embeds the export's JSON (the signed data), so ``glasscredit verify-export`` checks the
saved page itself.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from glasscredit.rights._html_parts import (
    Section,
    audit_section,
    changes_section,
    decisions_section,
    disputes_section,
    features_section,
    perks_section,
    plain_policy,
    reasons_section,
    records_section,
    summary,
    tier_name,
)
from glasscredit.rights._rights_text import GLOSSARY, rights_statement

__all__ = ["export_html"]

_CSS = """body{font:16px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;
color:#1d1d1f}h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid
#e4e4ea;padding-bottom:.2rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6;font-weight:600}.num{text-align:right;white-space:nowrap}
.date{white-space:nowrap}
.score{display:flex;gap:1.5rem;align-items:center;background:#f4f7fb;border-radius:.6rem;
padding:1rem 1.2rem;margin:1rem 0}.big{font-size:3rem;font-weight:700;line-height:1}
.muted{color:#5f5f66;font-size:.9rem}code{font-size:.85em;background:#f4f4f6;padding:0 .2em;
border-radius:.2em}nav ol{columns:2;padding-left:1.2rem}.good{color:#0a6b2d}.bad{color:#a1261a}
dt{font-weight:600;margin-top:.4rem}dd{margin-left:1rem}.how{margin:.1rem 0 .3rem}
.how code{white-space:nowrap;display:inline-block;max-width:100%;overflow-x:auto}"""


def _toc(sections: list[Section]) -> str:
    items = "".join(f'<li><a href="#{s.anchor}">{escape(s.title)}</a></li>' for s in sections)
    return f"<nav><h2 id=contents>Contents</h2><ol>{items}</ol></nav>"


def _rights(data: dict[str, Any]) -> Section:
    policy = plain_policy(data)
    rows = rights_statement(policy, data["subject"]) if policy is not None else []

    def how(label: str, text: str) -> str:  # a command or an address in code, words as words
        plain = not text.startswith(("glasscredit ", "GET ", "POST ", "PUT ", "DELETE "))
        shown = escape(text) if plain else f"<code>{escape(text)}</code>"
        return f"<div class=how><span class=muted>{label}:</span> {shown}</div>"

    body = "".join(
        "<tr>"
        f"<td>{escape(r['right'])}<div class=muted>{escape(r['law'])}</div></td>"
        f"<td>{how('command', r['command'])}{how('on the web', r['online'])}</td>"
        f"<td>{escape(r['deadline'])}</td></tr>"
        for r in rows
    )
    return Section(
        "rights",
        "Your rights and how to use them",
        "<p>You may use each of these rights yourself, free of charge. Use the command on "
        "the operator's command line, or the web address with your own access key; "
        "replace RECORD with a record's number from the list above.</p>"
        "<table><thead><tr><th>your right</th><th>how to use it</th>"
        f"<th>deadline</th></tr></thead><tbody>{body}</tbody></table>",
    )


def _glossary() -> Section:
    items = "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in GLOSSARY)
    return Section("glossary", "Words used on this page", f"<dl>{items}</dl>")


def _check() -> Section:
    return Section(
        "check",
        "Check it yourself",
        "<p>This page carries a copy of your file, sealed with the operator's signature. "
        "Save the page, then run <code>glasscredit verify-export</code> on the saved file "
        "(or on the JSON export). It recomputes your score from the file alone, with the "
        "published rules, and checks the signature: if anything on the page was changed, "
        "it says what.</p>",
    )


def export_html(data: dict[str, Any]) -> str:
    """Render an export (the dict :func:`export_subject` returns) as a page."""
    sections = [
        features_section(data),
        reasons_section(data),
        perks_section(data),
        records_section(data),
        disputes_section(data),
        decisions_section(data),
        changes_section(data),
        _rights(data),
        _glossary(),
        _check(),
        audit_section(data),
    ]
    parts = [
        f"<h1>Your glasscredit file: {escape(data['subject'])}</h1>",
        f"<p class=muted>Made on {escape(data['as_of'][:10])} at "
        f"{escape(data['as_of'][11:16])} UTC. Known to glasscredit since "
        f"{escape(data['first_seen'][:10])}.</p>",
        summary(data),
        _toc(sections),
        *(s.html() for s in sections),
        "<script type=application/json id=export>"
        + json.dumps(data, allow_nan=False).replace("</", "<\\/")
        + "</script>",
    ]
    title = f"glasscredit file: {escape(data['subject'])} ({escape(tier_name(data))})"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{title}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>\n"
    )
