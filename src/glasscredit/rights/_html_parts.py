"""The sections of the export page, each in plain words from the export's own data (the
policy it embeds gives the labels, advice and tier names)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from glasscredit.exceptions import GlasscreditError
from glasscredit.policy import Policy, feature_text, locale_texts, perk_text, policy_from_dict

__all__ = [
    "Section",
    "audit_section",
    "changes_section",
    "decisions_section",
    "disputes_section",
    "features_section",
    "perks_section",
    "plain_policy",
    "reasons_section",
    "records_section",
    "summary",
    "tier_name",
]


@dataclass(frozen=True, slots=True)
class Section:
    anchor: str
    title: str
    body: str

    def html(self) -> str:
        top = '<p class=muted><a href="#contents">Back to the contents</a></p>'
        return f"<section><h2 id={self.anchor}>{escape(self.title)}</h2>{self.body}{top}</section>"


@lru_cache(maxsize=8)
def _policy(text: str) -> Policy | None:
    try:
        return policy_from_dict(json.loads(text))
    except (GlasscreditError, ValueError):
        return None  # an edited page: it is shown as it is, verify-export names the edit


def plain_policy(data: dict[str, Any]) -> Policy | None:
    """The policy the export embeds (its texts give the page its words)."""
    return _policy(json.dumps(data.get("policy"), sort_keys=True))


def _table(headers: list[str], rows: list[list[str]], numeric: tuple[int, ...] = ()) -> str:
    """A table of already-escaped cells; a column headed "date" never wraps."""
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td{_cls(i, headers[i], numeric)}>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cls(i: int, header: str, numeric: tuple[int, ...]) -> str:
    if i in numeric:
        return " class=num"
    return " class=date" if header in ("date", "opened", "deadline") else ""


def _e(v: Any) -> str:
    return "-" if v is None or v == "" else escape(str(v))


def _words(name: str) -> str:
    return name.replace("_", " ").replace(".", " ")


def _tier(p: Policy | None, tier: str) -> str:
    if p is None:
        return _words(tier).capitalize()
    return locale_texts(p).tiers.get(tier, _words(tier).capitalize())


def tier_name(data: dict[str, Any]) -> str:
    return _tier(plain_policy(data), str(data["score"]["tier"]))


def _dimension(p: Policy | None, name: str) -> str:
    if p is not None and name in p.dimensions:
        return p.dimensions[name].label
    return _words(name)


def _type_label(p: Policy | None, type_name: str) -> str:
    if p is not None and type_name in p.event_types and p.event_types[type_name].label:
        return p.event_types[type_name].label
    return _words(type_name)


def summary(data: dict[str, Any]) -> str:
    s = data["score"]
    p = plain_policy(data)
    lo, hi = s["range"]
    counted = any(f.get("value") for f in s["features"])  # any part with something in it
    no_data = ""
    if not counted:
        why = locale_texts(p).no_data if p is not None else ""
        no_data = f"<p><strong>Why this score:</strong> {escape(why)}</p>" if why else ""
    return (
        "<div class=score>"
        f"<div><div class=big>{s['score']}</div>"
        f"<div class=muted>on a scale of {lo} to {hi}</div></div>"
        f"<div><p><strong>{escape(tier_name(data))}</strong>. Your score is {s['base_points']} "
        "starting points plus the points of each part listed below, added up exactly. The "
        "parts that cost you most, and what you can do about each, are under "
        '<a href="#reasons">What lowers your score most</a>.</p></div></div>' + no_data
    )


def features_section(data: dict[str, Any]) -> Section:
    p = plain_policy(data)
    rows = [
        [
            _e(f.get("label") or _words(f["name"]))
            + f"<div class=muted>{escape(_dimension(p, f['dimension']))}</div>",
            _e(f.get("words"))
            + (f"<div class=muted>{escape(f['note'])}</div>" if f.get("note") else ""),
            f"<span class={'good' if f['points'] >= 0 else 'bad'}>{f['points']:+d}</span>"
            f"<div class=muted>best {f['max_points']:+d}</div>",
            _e(f.get("advice")),
        ]
        for f in data["score"]["features"]
    ]
    return Section(
        "parts",
        "Your score, part by part",
        _table(["what it measures", "what we found", "points", "what you can do"], rows, (2,)),
    )


def reasons_section(data: dict[str, Any]) -> Section:
    rows = [
        [_e(r["text"]), f"{r['points_below_max']}", _e(r.get("advice"))]
        for r in data["score"]["reasons"]
    ]
    return Section(
        "reasons",
        "What lowers your score most",
        "<p>The parts that are furthest below their best, most first (at most four, as the "
        "law on credit notices asks).</p>"
        + _table(["reason", "points below the best", "what you can do"], rows, (1,)),
    )


def perks_section(data: dict[str, Any]) -> Section:
    s = data["score"]
    p = plain_policy(data)
    dims = {n: d.label for n, d in p.dimensions.items()} if p is not None else {}

    def why(text: str) -> str:
        for name, label in dims.items():
            text = text.replace(name, label.lower())
        return escape(text)

    granted = [
        [
            _e(k.get("label") or k["description"]),
            "yes, for now: " + _e(k.get("provisional_because")) if k.get("provisional") else "yes",
            "-",
        ]
        for k in s["perks"]
    ]
    refused = [
        [
            _e(k.get("label") or k["description"]),
            "not yet: " + "; ".join(why(w) for w in k["why"]),
            _e(k.get("advice")),
        ]
        for k in s["perks_not_granted"]
    ]
    return Section(
        "perks",
        "Benefits your score gives",
        _table(["benefit", "do you have it?", "what it needs"], granted + refused),
    )


def _status(e: dict[str, Any]) -> str:
    st = str(e.get("status", ""))
    if e.get("corrected_by"):
        return (
            f"No: corrected at your request on {escape(str(e.get('corrected_at', ''))[:10])}; "
            f"the corrected record {escape(str(e['corrected_by']))} counts instead"
        )
    if st == "counts":
        return "Yes" + (
            f" (the corrected version of {escape(str(e['corrects']))})" if e.get("corrects") else ""
        )
    if "dispute" in st:
        return "No: under dispute, or removed after one (see your disputes)"
    if "retention ended" in st:
        return f"No: too old to count since {escape(st.rsplit(' ', 1)[-1][:10])}"
    if "burst" in st:
        return "No: held for a check (many records at once)"
    if "after as_of" in st or "not yet" in st:
        return "Not yet"
    return escape(st)


def _attributes(e: dict[str, Any]) -> str:
    attrs = e.get("attributes") or {}
    return escape(", ".join(f"{_words(k)} {v}" for k, v in sorted(attrs.items()))) or "-"


def records_section(data: dict[str, Any]) -> Section:
    p = plain_policy(data)
    rows = [
        [
            escape(str(e["occurred_at"])[:10]),
            escape(_type_label(p, e["type"])),
            escape(e["source"]),
            _attributes(e),
            _status(e),
            f"<code>{escape(e['event_id'])}</code>",
        ]
        for e in sorted(data["events"], key=lambda x: (x["occurred_at"], x["event_id"]))
    ]
    return Section(
        "records",
        "Records about you",
        "<p>Everything partners reported about you, oldest first. Use the record number to "
        "dispute a record.</p>"
        + _table(["date", "what", "from", "details", "counts today?", "record"], rows),
    )


def disputes_section(data: dict[str, Any]) -> Section:
    rows = [
        [
            f"{d['dispute_id']}",
            f"<code>{_e(d['event_id'])}</code>",
            _e(d["reason"]),
            escape(d["opened_at"][:10]),
            escape(d["deadline"][:10]),
            _e(d["status"]),
            _e(d.get("resolution")),
            _e(d.get("source_response")),
        ]
        for d in data["disputes"]
    ]
    corrections = "".join(f"<li>{escape(c['text'])}</li>" for c in data.get("corrections", []))
    return Section(
        "disputes",
        "Your disputes and corrections",
        _table(
            [
                "number",
                "record",
                "your reason",
                "opened",
                "deadline",
                "status",
                "outcome",
                "what the partner said",
            ],
            rows,
        )
        + (f"<h3>Corrections you asked for</h3><ul>{corrections}</ul>" if corrections else ""),
    )


def _about(p: Policy | None, kind: str, about: str) -> str:
    """What a review is about, in words: a tier's name, a perk's label, a partner."""
    if p is not None and kind == "perk" and any(k.name == about for k in p.perks):
        return "the benefit: " + perk_text(p, about).label
    if kind == "tier":
        return "your tier: " + _tier(p, about)
    return f"a decision by {about}" if kind == "partner" else f"{_words(kind)}: {_words(about)}"


def decisions_section(data: dict[str, Any]) -> Section:
    p = plain_policy(data)
    st = data.get("statement")
    statement = (
        f"<p>{escape(st['text'])}</p><p class=muted>Written {escape(st['at'][:10])}; every "
        "partner that reads your score receives it too. It never changes your score.</p>"
        if st
        else "<p>You have not written a statement. You may add one of up to 100 words; it is "
        "sent with your score to every partner that reads it.</p>"
    )
    reviews = _table(
        ["number", "about", "your point of view", "deadline", "outcome", "reasons"],
        [
            [
                f"{r['review_id']}",
                _e(_about(p, r["kind"], r["about"])),
                _e(r["point_of_view"]),
                escape(r["deadline"][:10]),
                _e(r["status"]),
                _e(r["reasons"]),
            ]
            for r in data.get("reviews", [])
        ],
    )
    adverse = _table(
        ["date", "partner", "what it did", "score", "main reasons"],
        [
            [
                escape(a["at"][:10]),
                escape(a["source"]),
                _e(a["action"]),
                f"{a['score']}",
                "; ".join(escape(f["text"]) for f in a["factors"]),
            ]
            for a in data.get("adverse_actions", [])
        ],
    )
    return Section(
        "decisions",
        "Your statement, reviews and partners' decisions",
        "<h3>Your statement</h3>"
        + statement
        + "<h3>Reviews by a person you asked for</h3>"
        + reviews
        + "<h3>Partners that acted on your score</h3>"
        + adverse,
    )


def changes_section(data: dict[str, Any]) -> Section:
    p = plain_policy(data)
    history = _table(
        ["date", "score", "tier"],
        [
            [escape(h["as_of"][:10]), f"{h['score']}", escape(_tier(p, h["tier"]))]
            for h in data["history"]
        ],
        (1,),
    )
    notices = _table(
        ["date", "from", "to", "why"],
        [
            [
                escape(n["at"][:10]),
                f"{n['old_score']}",
                f"{n['new_score']}",
                "<br>".join(escape(line) for line in n.get("lines", [])),
            ]
            for n in data["notices"]
        ],
        (1, 2),
    )
    return Section(
        "history",
        "Your score over time",
        "<h3>Scores kept</h3>" + history + "<h3>Each change and why</h3>" + notices,
    )


def _names(p: Policy | None) -> dict[str, str]:
    """Policy keys a log row may carry (features, perks, tiers) -> their plain words."""
    if p is None:
        return {}
    out = {f.name: feature_text(p, f.name).label for f in p.features}
    out.update({k.name: perk_text(p, k.name).label for k in p.perks})
    out.update({t.name: _tier(p, t.name) for t in p.tiers})
    return out


def audit_section(data: dict[str, Any]) -> Section:
    names = _names(plain_policy(data))

    def said(v: Any) -> str:
        return names.get(v, str(v)) if isinstance(v, str) else str(v)

    rows = [
        [
            f"{a['seq']}",
            escape(a["at"][:19].replace("T", " ")),
            escape(a["actor"]),
            escape(a["action"]),
            escape(
                ", ".join(
                    f"{k}: {said(v)}" for k, v in sorted(a["details"].items()) if k != "state"
                )
            ),
        ]
        for a in data["audit"]
    ]
    return Section(
        "audit",
        "For checking: the operator's log of your file",
        "<p class=muted>Each thing the operator did with your file, in the tamper-evident "
        "log. You do not need this to understand your score; it is here so that anyone can "
        "hold the operator to it.</p>"
        + _table(["entry", "when (UTC)", "by", "what", "details"], rows, (0,)),
    )
