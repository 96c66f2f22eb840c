"""Model card: what the model is, what it saw, what it refused, how well and how fairly it does.

Written from the model document plus optional evaluation and audit results, as Markdown
(readable in a repository) and as HTML (the same text, converted by a tiny renderer of
the subset of Markdown used here).
"""

from __future__ import annotations

from html import escape
from typing import Any

from glasscredit.model._artifact import ModelDocument
from glasscredit.policy._forbidden import PROTECTED_BASES, SPECIAL_CATEGORIES

__all__ = ["card_html", "card_markdown"]

LIMITATIONS = (
    "Trained on the outcomes of applicants who were accepted in the past; people who were "
    "refused have no outcome, so the model has not seen them (reject inference is not done).",
    "Points are additive: no interaction between features is modelled.",
    "A category never seen in training scores the feature's least favourable points and is "
    "flagged in the explanation; a missing value never seen in training does the same.",
    "Protected attributes are excluded from the fit, but other features may still act as "
    "proxies for them: the fairness audit measures outcomes per group and must be read.",
    "The adverse impact ratio is a screening signal (four-fifths rule), not a legal verdict.",
    "Performance figures hold for the population they were measured on; monitor PSI and "
    "characteristic stability on new populations.",
)


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append(
            "| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r) + " |"
        )
    return out


def card_markdown(
    model: ModelDocument,
    evaluation: dict[str, Any] | None = None,
    fairness: dict[str, Any] | None = None,
    name: str = "scorecard",
) -> str:
    """The card as Markdown."""
    t, doc = model.table, model.doc
    data = doc.get("data", {})
    training = doc.get("training", {})
    lines = [
        f"# Model card: {name}",
        "",
        "## Model",
        f"An additive points table: score = {t.base} (base) + points of each of "
        f"{len(t.features)} features; scores run from {t.min_total} to {t.max_total}. "
        "Every score decomposes exactly into these points.",
        "",
    ]
    if t.scaling:
        s = t.scaling
        lines += [
            f"Scaling: {s['base_score']:.0f} points at odds {s['base_odds']:g}:1 "
            f"(good:bad), {s['pdo']:.2f} points to double the odds.",
            "",
        ]
    params = doc.get("params", {})
    if params:
        lines += [f"Method: `{params.get('method')}`; parameters recorded in the model JSON.", ""]
    lines += ["## Data"]
    lines += [f"- {k}: {v}" for k, v in data.items()] or ["- not recorded"]
    lines += ["", "## Features and their points"]
    iv = training.get("iv", {})
    for fname, fp in t.features.items():
        lines += [
            "",
            f"### {fname} (IV {iv.get(fname, float('nan')):.3f}, "
            f"trend: {training.get('trends', {}).get(fname, 'n/a')})",
        ]
        rows: list[list[Any]] = []
        if fp.kind == "categorical":
            rows += [[fp.group_label(i), p] for i, p in enumerate(fp.points)]
            rows.append(["other (unseen)", fp.other_points])
        else:
            rows += [[fp.bin_label(i), p] for i, p in enumerate(fp.points)]
            rows += [[sp.label or "special", sp.points] for sp in fp.specials]
        rows.append(["missing", fp.missing])
        lines += _md_table(["bin", "points"], rows)
    lines += [
        "",
        "## Data categories excluded by design",
        "Refused as inputs whatever the operator asks (GDPR Art. 9 and free text): "
        + ", ".join(c.replace("_", " ") for c in SPECIAL_CATEGORIES)
        + ".",
        "Protected bases, allowed in the fairness audit only: "
        + ", ".join(c.replace("_", " ") for c in PROTECTED_BASES)
        + ".",
    ]
    excluded = training.get("excluded", {})
    lines += [f"- `{k}`: {v}" for k, v in excluded.items()]
    refused = data.get("refused_columns")
    if refused:
        lines.append(f"- refused at training (protected or forbidden): {refused}")
    lines += ["", "## Performance"]
    if evaluation:
        lines += [
            f"On {evaluation['n']} rows (bad rate {evaluation['bad_rate']:.3f}): "
            f"AUC {evaluation['auc']:.4f}, Gini {evaluation['gini']:.4f}, "
            f"KS {evaluation['ks']:.4f}.",
            "",
        ]
        lines += _md_table(
            ["band", "scores", "n", "observed bad rate", "predicted bad rate"],
            [
                [
                    c["band"],
                    f"{c['score_min']:.0f}-{c['score_max']:.0f}",
                    c["n"],
                    c["observed_bad_rate"],
                    c["predicted_bad_rate"],
                ]
                for c in evaluation["calibration"]
            ],
        )
    else:
        lines.append("Not evaluated: run `glasscredit evaluate` and pass the result.")
    lines += ["", "## Fairness"]
    if fairness:
        lines.append(
            f"Cut-off {fairness['cutoff']}: overall approval rate {fairness['approval_rate']:.3f}."
        )
        for attr, a in fairness["attributes"].items():
            flag = " **below four-fifths**" if a["four_fifths_flag"] else ""
            lines += [
                "",
                f"### {attr} (reference group {a['reference_group']}; min adverse "
                f"impact ratio {a['min_adverse_impact_ratio']}{flag}; equal "
                f"opportunity difference {a.get('equal_opportunity_difference')})",
            ]
            lines += _md_table(
                ["group", "n", "approval rate", "AIR", "AUC"],
                [
                    [g, r["n"], r["approval_rate"], r["adverse_impact_ratio"], r.get("auc")]
                    for g, r in a["groups"].items()
                ],
            )
    else:
        lines.append("Not audited: run `glasscredit audit --protected ...` and pass the result.")
    lines += ["", "## Limitations"] + [f"- {x}" for x in LIMITATIONS]
    return "\n".join(lines) + "\n"


def card_html(markdown: str) -> str:
    """The Markdown card as standalone HTML (headings, lists, tables, paragraphs)."""
    out: list[str] = []
    in_table = False
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= {"-"} for c in cells):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{escape(line[level:].strip())}</h{level}>")
        elif line.startswith("- "):
            out.append(f"<li>{escape(line[2:])}</li>")
        elif line.strip():
            out.append(f"<p>{escape(line)}</p>")
    if in_table:
        out.append("</table>")
    style = "body{font-family:sans-serif;margin:2em}td{border:1px solid #ccc;padding:2px 6px}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Model card</title>"
        f"<style>{style}</style></head><body>{''.join(out)}</body></html>\n"
    )
