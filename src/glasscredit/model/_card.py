"""Model card: what the model is, what it saw, what it refused, how well and how fairly it does.

Written from the model document plus optional evaluation and audit results, as Markdown
(readable in a repository) and as HTML (the same Markdown rendered by markdown-it-py,
CommonMark with tables, raw HTML off, plus the inline SVG plots). Every figure says
whether it was measured in sample (on the rows the model was fitted on: optimistic) or
out of sample, and every command the card recommends exists (tested).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from markdown_it import MarkdownIt

from glasscredit.model._artifact import ModelDocument
from glasscredit.model._fairness_view import fairness_markdown
from glasscredit.model._plots import (
    calibration_plot,
    ks_plot,
    roc_plot,
    score_distribution_plot,
)
from glasscredit.policy._forbidden import PROTECTED_BASES, SPECIAL_CATEGORIES

__all__ = ["card_html", "card_markdown", "card_plots"]

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
    *,
    evaluated_on: str | None = None,
    in_sample: bool | None = None,
) -> str:
    """The card as Markdown.

    ``evaluated_on`` names the data of ``evaluation`` and ``in_sample`` says whether the
    model was fitted on it (None: not known, and the card says so).
    """
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
    if params.get("group_gap"):
        steering = ", ".join(data.get("protected_steering_only") or []) or "not recorded"
        steered = training.get("group_gap_groups")
        by = (
            "not recorded"
            if steered is None
            else ", ".join(f"{k} ({v:g} rows)" for k, v in steered.items())
            or "none: no group reached the floor, so the fit was the plain fit"
        )
        lines += [
            f"Steered while fitting by the group-gap penalty at {params['group_gap']:g} "
            f"(protected groups: {steering}; groups of at least "
            f"{params.get('group_gap_min_size')} rows): the groups narrowed the gap between "
            "their mean scores and everyone's during the fit, and are not an input; the "
            "table reads the features below alone. Steered by: " + by + ".",
            "",
        ]
    lines += ["## Data"]
    lines += [f"- {k}: {v}" for k, v in data.items()] or ["- not recorded"]
    lines += ["", "## Features and their points"]
    iv = training.get("iv", {})
    for fname, fp in t.features.items():
        learned = (
            f" (IV {iv[fname]:.3f}, trend: {training.get('trends', {}).get(fname, 'n/a')})"
            if fname in iv
            else ""  # a hand-made row has no information value or trend to report
        )
        lines += ["", f"### {fname}{learned}"]
        if fp.rationale:
            lines += ["", f"Why: {fp.rationale}"]
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
    lines += ["", "## Performance", *_recorded(doc.get("performance"))]
    lines += _evaluated(evaluation, evaluated_on, in_sample)
    lines += ["", "## Fairness", ""]
    if fairness:
        lines += fairness_markdown(fairness)
    else:
        lines.append(
            f"Not audited here: `{CARD_COMMAND} --protected COLUMN --cutoff SCORE` adds "
            "the audit to this card; `glasscredit model audit MODEL DATA --protected COLUMN "
            "--cutoff SCORE` prints it."
        )
    lines += ["", "## Limitations"] + [f"- {x}" for x in LIMITATIONS]
    return "\n".join(lines) + "\n"


CARD_COMMAND = "glasscredit model card MODEL --data DATA --target COLUMN"


def _recorded(perf: Mapping[str, Any] | None) -> list[str]:
    """The figures recorded when the model was trained, each labelled by its sample."""
    if not perf:
        return ["", "No figures were recorded at training."]
    out = [""]
    ins = perf.get("in_sample")
    if ins:
        out.append(
            f"- **In sample** (the {ins['n']} training rows, optimistic): AUC "
            f"{ins['auc']:.4f}, KS {ins['ks']:.4f}."
        )
    cv = perf.get("cross_validated")
    if cv:
        out.append(
            f"- **Out of sample** ({cv['folds']}-fold cross-validation of the same "
            f"settings, seed {cv['random_state']}): AUC {cv['auc']:.4f} (sd "
            f"{cv['auc_sd']:.4f} over folds), KS {cv['ks']:.4f}."
        )
    return out


def _evaluated(
    evaluation: Mapping[str, Any] | None, evaluated_on: str | None, in_sample: bool | None
) -> list[str]:
    if not evaluation:
        return ["", f"Not evaluated on other data here: `{CARD_COMMAND}` adds those figures."]
    label = {
        True: "in sample: these are the training rows, so the figures are optimistic",
        False: "out of sample: not the training data",
        None: "not recorded whether the model was fitted on these rows",
    }[in_sample]
    lines = [
        "",
        f"### On {evaluated_on or 'the given data'} ({label})",
        "",
        f"{evaluation['n']} rows, bad rate {evaluation['bad_rate']:.3f}: "
        f"AUC {evaluation['auc']:.4f}, Gini {evaluation['gini']:.4f}, KS {evaluation['ks']:.4f}.",
        "",
    ]
    return lines + _md_table(
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


def card_plots(
    evaluation: Mapping[str, Any], groups: Mapping[str, npt.ArrayLike] | None = None
) -> list[str]:
    """ROC, KS, calibration and the score distribution by outcome and by each group.

    ``groups`` maps a protected attribute to the group label of each evaluated row.
    """
    y = np.asarray(evaluation["y"])
    score = np.asarray(evaluation["score"], dtype=np.float64)
    plots = [
        roc_plot(y, score, evaluation["auc"]),
        ks_plot(y, score, evaluation["ks"]),
        calibration_plot(evaluation["calibration"]),
        score_distribution_plot("score by outcome", score, np.where(y == 1, "bads", "goods")),
    ]
    for attr, labels in (groups or {}).items():
        plots.append(score_distribution_plot(f"score by {attr}", score, labels))
    return plots


def card_html(markdown: str, plots: Sequence[str] = ()) -> str:
    """The Markdown card as standalone HTML, with the plots before the limitations.

    Raw HTML in the Markdown is escaped (group and category names come from data); the
    plots are glasscredit's own SVG, inserted after rendering.
    """
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    if plots:
        figures = "<h2>Plots</h2><div class='plots'>" + "".join(plots) + "</div>"
        marker = "<h2>Limitations</h2>"
        body = body.replace(marker, figures + marker, 1) if marker in body else body + figures
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1400px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        ".plots svg{margin:4px;border:1px solid #eee}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Model card</title>"
        f"<style>{style}</style></head><body>{body}</body></html>\n"
    )
