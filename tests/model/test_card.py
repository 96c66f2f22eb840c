"""The model card: rendered Markdown, figures labelled by sample, plots, real commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit import app
from glasscredit.cli import app as cli_app
from glasscredit.model import card_html, card_markdown, load_german_credit, load_model

DROP = ["personal_status_and_sex", "age_in_years", "foreign_worker"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("card") / "model.json"
    app.train_model("builtin:german", target="creditability", bad="bad", out=out, drop=DROP)
    return out


def test_training_records_in_and_out_of_sample_figures(model: Path) -> None:
    perf = load_model(model).doc["performance"]
    assert perf["in_sample"]["n"] == 1000
    cv = perf["cross_validated"]
    assert cv["folds"] == 5 and 0.7 < cv["auc"] < perf["in_sample"]["auc"]  # optimism shows
    text = card_markdown(load_model(model))
    assert "**In sample** (the 1000 training rows, optimistic)" in text
    assert "**Out of sample** (5-fold cross-validation" in text


def test_evaluation_is_labelled_in_sample_or_out_of_sample(model: Path, tmp_path: Path) -> None:
    same = app.model_card(model, data="builtin:german", target="creditability", bad="bad")
    assert "### On builtin:german (in sample: these are the training rows" in same.text
    other = tmp_path / "holdout.csv"
    load_german_credit().tail(300).write_csv(other)
    text = app.model_card(model, data=str(other), target="creditability", bad="bad").text
    assert f"### On {other} (out of sample: not the training data)" in text


def test_html_is_rendered_by_markdown_it_with_the_plots(model: Path) -> None:
    card = app.model_card(
        model,
        html=True,
        data="builtin:german",
        target="creditability",
        bad="bad",
        protected=["foreign_worker", "age_in_years"],
        cutoff=520,
    )
    html = card.text
    assert "**" not in html and "<strong>In sample</strong>" in html
    assert html.count("<table>") >= 3 and "<th>adverse impact ratio</th>" in html
    labels = re.findall(r'<svg [^>]*aria-label="([^"]+)"', html)
    assert labels[:4] == ["ROC", "KS " + labels[1][3:], "calibration", "score by outcome"]
    assert "score by foreign_worker" in labels and "score by age_in_years" in labels
    assert html.index("<h2>Plots</h2>") < html.index("<h2>Limitations</h2>")
    # the audit's intervals and rule are in the card
    assert "Reference group: no (most favoured group with at least 30 members)" in html
    assert "Katz log interval" in html


def test_data_is_escaped_not_rendered_as_html(model: Path) -> None:
    md = card_markdown(
        load_model(model),
        fairness={
            "cutoff": 1.0,
            "approval_rate": 0.5,
            "attributes": {
                "<b>grp</b>": {
                    "reference_group": None,
                    "reference_rule": "none",
                    "min_group_size": 30,
                    "groups": {},
                    "small_groups": ["<script>x</script>"],
                    "min_adverse_impact_ratio": None,
                }
            },
        },
    )
    html = card_html(md)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>grp" not in html


def test_every_recommended_command_exists(model: Path) -> None:
    texts = [card_markdown(load_model(model)), card_markdown(load_model(model), {}, {})]
    commands = {c for t in texts for c in re.findall(r"`(glasscredit [^`]+)`", t)}
    assert commands  # the card without data recommends how to add it
    for command in commands:
        words = command.split()[1:]
        path = [w for w in words[:2] if w.islower() and not w.startswith("-")]
        r = CliRunner().invoke(cli_app, [*path, "--help"], terminal_width=200)
        assert r.exit_code == 0, (command, r.output)
        for option in (w for w in words if w.startswith("--")):
            assert option in r.output, (command, option)


def test_a_copy_of_the_training_data_is_still_in_sample(model: Path, tmp_path: Path) -> None:
    # the sample is told by the rows (an order-free fingerprint), not only by the path
    copy = tmp_path / "german.csv"
    load_german_credit().sample(fraction=1.0, shuffle=True, seed=3).write_csv(copy)
    text = app.model_card(model, data=str(copy), target="creditability", bad="bad").text
    assert f"### On {copy} (in sample: these are the training rows" in text


def test_the_html_report_carries_the_audit_with_intervals(model: Path) -> None:
    ev = app.evaluate_model(
        model,
        "builtin:german",
        target="creditability",
        bad="bad",
        with_report=True,
        protected=["age_in_years"],
        cutoff=520,
    )
    html = ev.report_html or ""
    assert "<h2>Fairness</h2>" in html and "<h3>age_in_years</h3>" in html
    assert re.search(r"<td>\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]</td>", html)
    assert "Newcombe hybrid score interval" in html
    assert 'aria-label="calibration"' in html


def test_a_table_steered_by_the_group_gap_penalty_says_so(tmp_path: Path) -> None:
    import numpy as np

    from glasscredit.model import ScorecardClassifier, save_model

    df = load_german_credit()
    y = (df["creditability"] == "bad").to_numpy().astype(int)
    age = np.where(df["age_in_years"].to_numpy() < 25, "under 25", "25 and over")
    X = df.drop(["creditability", *DROP])
    est = ScorecardClassifier(random_state=0, group_gap=0.3).fit(X, y, groups={"age": age})
    out = tmp_path / "fair.json"
    save_model(est, out, data={"protected_steering_only": ["age"]})
    text = card_markdown(load_model(out))
    assert "group-gap penalty at 0.3 (protected groups: age; groups of at least 30 rows)" in text
    assert "are not an input" in text
    n_young = int((age == "under 25").sum())
    assert (
        f"Steered by: age=25 and over ({1000 - n_young} rows), age=under 25 ({n_young} rows)."
        in text
    )
    plain = tmp_path / "plain.json"
    save_model(ScorecardClassifier(random_state=0).fit(X, y), plain)
    assert "group-gap" not in card_markdown(load_model(plain))
