"""Evaluate a points table on labelled data, compare populations, and write the HTML report.

Everything is computed from the points table (not the estimator), so a model loaded
from JSON is evaluated exactly as it scores.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from glasscredit.model._artifact import ModelDocument
from glasscredit.model._binning import assign
from glasscredit.model._estimator import ScorecardClassifier
from glasscredit.model._fairness_view import fairness_html
from glasscredit.model._frame import as_frame
from glasscredit.model._metrics import (
    auc_gini_ks,
    calibration_table,
    characteristic_stability,
    score_psi,
)
from glasscredit.model._plots import calibration_plot, ks_plot, roc_plot, score_distribution_plot
from glasscredit.model._svg import bar_chart
from glasscredit.model._table import bins_of, feature_column, table_points
from glasscredit.model._woe import iv_strength, slot_stats

__all__ = ["evaluate", "fit_performance", "report_html", "stability"]


def _bin_labels(model: ModelDocument, name: str) -> list[str]:
    fp = model.table.features[name]
    if fp.kind == "categorical":
        return [fp.group_label(i) for i in range(len(fp.groups))] + ["missing", "other"]
    return (
        [fp.bin_label(i) for i in range(len(fp.points))]
        + ["missing"]
        + [sp.label or f"special {v:g}" for sp in fp.specials for v in sp.values]
    )


def evaluate(model: ModelDocument, X: Any, y_bad: npt.ArrayLike) -> dict[str, Any]:
    """AUC, Gini, KS, calibration by score band, and WoE/IV per feature on this data."""
    frame = as_frame(X)[0]
    y = np.asarray(y_bad, dtype=np.int64)
    score, _ = table_points(model.table, frame)
    pd_bad = model.pd_bad(score)
    features: dict[str, Any] = {}
    for name, fp in model.table.features.items():
        b = bins_of(name, fp)
        st = slot_stats(assign(b, feature_column(fp, frame, name)), y.astype(np.float64), b.n_slots)
        iv = float(st.iv.sum())
        features[name] = {
            **st.as_dict(),
            "iv_by_bin": st.iv.tolist(),
            "iv": iv,
            "strength": iv_strength(iv),
            "bins": _bin_labels(model, name),
        }
    return {
        "n": int(y.size),
        "bad_rate": float(y.mean()),
        **auc_gini_ks(y, score),
        "calibration": calibration_table(y, score, pd_bad),
        "features": features,
        "score": score.tolist(),
        "y": y.tolist(),
    }


def fit_performance(
    est: ScorecardClassifier, X: Any, y: Any, folds: int = 5, random_state: int = 0
) -> dict[str, Any]:
    """A fitted model's figures on its own training rows (in sample, optimistic) and by
    stratified ``folds``-fold cross-validation of the same settings (out of sample)."""
    frame = as_frame(X)[0]
    labels = np.asarray(y)
    bad = np.asarray(labels == est.bad_class_, dtype=np.int64)
    out: dict[str, Any] = {
        "in_sample": {"n": int(bad.size), **_auc_ks(bad, est.predict_score(frame))}
    }
    if folds >= 2:
        runs = []
        split = StratifiedKFold(folds, shuffle=True, random_state=random_state)
        for train, test in split.split(np.zeros(bad.size), bad):
            m = clone(est).fit(frame[train], labels[train])
            runs.append(_auc_ks(bad[test], m.predict_score(frame[test])))
        aucs = [r["auc"] for r in runs]
        out["cross_validated"] = {
            "folds": folds,
            "random_state": random_state,
            "auc": float(np.mean(aucs)),
            "auc_sd": float(np.std(aucs)),
            "ks": float(np.mean([r["ks"] for r in runs])),
        }
    return out


def _auc_ks(bad: npt.NDArray[np.int64], score: npt.NDArray[np.int64]) -> dict[str, float]:
    m = auc_gini_ks(bad, score)
    return {"auc": m["auc"], "ks": m["ks"]}


def stability(model: ModelDocument, expected: Any, actual: Any) -> dict[str, Any]:
    """Score PSI and per-feature characteristic stability between two populations."""
    se, pe = table_points(model.table, as_frame(expected)[0])
    sa, pa = table_points(model.table, as_frame(actual)[0])
    return {
        "score": score_psi(se, sa),
        "features": {n: characteristic_stability(pe[n], pa[n]) for n in pe},
    }


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{v:.4g}</td>" if isinstance(v, float) else f"<td>{escape(str(v))}</td>"
            for v in r.values()
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(
    model: ModelDocument,
    ev: dict[str, Any],
    title: str = "Scorecard report",
    stab: dict[str, Any] | None = None,
    fairness: dict[str, Any] | None = None,
) -> str:
    """A self-contained HTML report: metrics, ROC, KS, score distribution, calibration,
    the fairness audit with its intervals (when given), WoE per feature."""
    y = np.asarray(ev["y"])
    score = np.asarray(ev["score"], dtype=np.float64)
    roc = roc_plot(y, score, ev["auc"])
    ks = ks_plot(y, score, ev["ks"])
    dist = score_distribution_plot("score distribution", score, np.where(y == 1, "bads", "goods"))
    calib = calibration_plot(ev["calibration"])
    feats = sorted(ev["features"].items(), key=lambda kv: -kv[1]["iv"])
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{ev['n']} rows, bad rate {ev['bad_rate']:.3f}. AUC {ev['auc']:.4f}, "
        f"Gini {ev['gini']:.4f}, KS {ev['ks']:.4f}.</p>",
        f"<div class='plots'>{roc}{ks}{dist}{calib}</div>",
        "<h2>Calibration by score band</h2>",
        _table(ev["calibration"]),
        "<h2>Information value</h2>",
        _table([{"feature": n, "iv": f["iv"], "strength": f["strength"]} for n, f in feats]),
    ]
    if fairness is not None:
        parts.append(fairness_html(fairness))
    if stab is not None:
        parts += [
            f"<h2>Stability</h2><p>score PSI {stab['score']['psi']:.4f} "
            f"({escape(stab['score']['reading'])})</p>",
            _table([{"feature": n, **v} for n, v in stab["features"].items()]),
        ]
    parts.append("<h2>Weight of evidence by bin</h2><div class='plots'>")
    for name, f in feats:
        used = [i for i, c in enumerate(f["count"]) if c > 0]
        parts.append(
            bar_chart(
                name, [f["bins"][i] for i in used], [("WoE", [f["woe"][i] for i in used])], "WoE"
            )
        )
    parts.append("</div>")
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1400px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        ".plots svg{margin:4px;border:1px solid #eee}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
