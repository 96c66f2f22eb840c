"""The fairness audit as tables: one layout for the HTML report and the model card.

Each figure is shown with its confidence interval, the reference group with the rule
that chose it, and groups under the minimum size marked as such.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["attribute_notes", "attribute_rows", "fairness_html", "fairness_markdown"]


def _ci(value: float | None, ci: list[float] | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if not ci else f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def attribute_rows(a: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one attribute's table."""
    labelled = any("bad_rate" in r for r in a["groups"].values())
    header = ["group", "n", "approval rate", "adverse impact ratio"]
    if labelled:
        header += ["equal opportunity difference", "observed bad rate", "predicted", "AUC"]
    rows = []
    for g, r in a["groups"].items():
        row = [
            g + ("" if r["sufficient_size"] else " (small)"),
            str(r["n"]),
            _ci(r["approval_rate"], r["approval_rate_ci"]),
            _ci(r["adverse_impact_ratio"], r["adverse_impact_ratio_ci"]),
        ]
        if labelled:
            pred = r.get("mean_predicted_bad_rate")
            flag = " (outside)" if r.get("calibrated") is False else ""
            row += [
                _ci(
                    r.get("equal_opportunity_difference"), r.get("equal_opportunity_difference_ci")
                ),
                _ci(r.get("bad_rate"), r.get("bad_rate_ci")),
                "n/a" if pred is None else f"{pred:.3f}{flag}",
                "n/a" if r.get("auc") is None else f"{r['auc']:.3f}",
            ]
        rows.append(row)
    return header, rows


def attribute_notes(a: dict[str, Any]) -> list[str]:
    """The reference and why, small groups, the worst ratio and the flags, in sentences."""
    ref = a["reference_group"]
    notes = [f"Reference group: {'none' if ref is None else ref} ({a['reference_rule']})."]
    if a["small_groups"]:
        notes.append(
            f"Groups under {a['min_group_size']} members, reported but never the reference "
            f"nor flagged: {', '.join(a['small_groups'])}."
        )
    if a["min_adverse_impact_ratio"] is not None:
        verdict = (
            "below four-fifths, upper bound too"
            if a["four_fifths_flag_confident"]
            else "below four-fifths (a screening signal, not a verdict)"
            if a["four_fifths_flag"]
            else "at or above four-fifths"
        )
        notes.append(
            f"Worst adverse impact ratio: {a['worst_group']} "
            f"{_ci(a['min_adverse_impact_ratio'], a['min_adverse_impact_ratio_ci'])}, {verdict}."
        )
    if a.get("miscalibrated_groups"):
        notes.append(
            "Predicted bad rate outside the observed rate's interval: "
            + ", ".join(a["miscalibrated_groups"])
            + "."
        )
    return notes


def _methods(fairness: dict[str, Any]) -> str:
    m = fairness.get("interval_methods", {})
    return f"{fairness.get('confidence', 0.95):.0%} intervals: " + "; ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in m.items()
    )


def fairness_markdown(fairness: dict[str, Any]) -> list[str]:
    """Markdown lines: per attribute a table, then its notes; the interval methods last."""
    lines = [
        f"Cut-off {fairness['cutoff']:g}: overall approval rate {fairness['approval_rate']:.3f}."
    ]
    for attr, a in fairness["attributes"].items():
        header, rows = attribute_rows(a)
        lines += ["", f"### {attr}", ""]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        lines += [""] + [f"- {n}" for n in attribute_notes(a)]
    return [*lines, "", _methods(fairness) + "."]


def fairness_html(fairness: dict[str, Any]) -> str:
    """The same tables as HTML (every value escaped)."""
    parts = [
        "<h2>Fairness</h2>",
        f"<p>Cut-off {fairness['cutoff']:g}: overall approval rate "
        f"{fairness['approval_rate']:.3f}.</p>",
    ]
    for attr, a in fairness["attributes"].items():
        header, rows = attribute_rows(a)
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        notes = "".join(f"<li>{escape(n)}</li>" for n in attribute_notes(a))
        parts.append(f"<h3>{escape(attr)}</h3><table><tr>{head}</tr>{body}</table><ul>{notes}</ul>")
    parts.append(f"<p>{escape(_methods(fairness))}.</p>")
    return "".join(parts)
