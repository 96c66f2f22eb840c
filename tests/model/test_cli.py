"""The model commands end to end through Typer's CliRunner on the German credit data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from glasscredit.cli._model import register
from glasscredit.model import load_german_credit, load_model, score_table

DROP = ["--drop", "personal_status_and_sex", "--drop", "age_in_years", "--drop", "foreign_worker"]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


@pytest.fixture(scope="module")
def model_path(app: typer.Typer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "model.json"
    r = CliRunner().invoke(
        app,
        [
            "train",
            "builtin:german",
            "--target",
            "creditability",
            "--bad",
            "bad",
            "--out",
            str(out),
            *DROP,
        ],
    )
    assert r.exit_code == 0, r.output
    return out


def test_train_refuses_protected_columns(app: typer.Typer, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        [
            "train",
            "builtin:german",
            "--target",
            "creditability",
            "--bad",
            "bad",
            "--out",
            str(tmp_path / "m.json"),
        ],
    )
    assert r.exit_code == 3
    assert "personal_status_and_sex" in r.output and "protected_basis" in r.output
    assert not (tmp_path / "m.json").exists()


def test_train_writes_a_json_points_table(model_path: Path) -> None:
    doc = json.loads(model_path.read_text())
    assert doc["format"] == "glasscredit-scorecard/1"
    m = load_model(model_path)
    assert "age_in_years" not in m.table.features
    assert m.table.min_total >= 350 and m.table.max_total <= 950


def test_evaluate_prints_metrics_and_writes_the_report(
    app: typer.Typer, model_path: Path, tmp_path: Path
) -> None:
    report, out = tmp_path / "r.html", tmp_path / "ev.json"
    r = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(model_path),
            "builtin:german",
            "--target",
            "creditability",
            "--bad",
            "bad",
            "--report",
            str(report),
            "--compare",
            "builtin:german",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    html = report.read_text()
    assert html.count("<svg") >= 4 and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", ""
    )
    ev = json.loads(out.read_text())
    assert 0.75 < ev["evaluation"]["auc"] < 1
    dur = ev["evaluation"]["features"]["duration_in_month"]
    assert dur["iv"] == pytest.approx(sum(dur["iv_by_bin"])) and dur["iv"] > 0.1
    assert sum(dur["count"]) == 1000
    assert ev["stability"]["score"]["psi"] == pytest.approx(0.0)


def test_audit_reports_adverse_impact_by_group_and_month(
    app: typer.Typer, model_path: Path, tmp_path: Path
) -> None:
    df = load_german_credit().with_row_index("i")
    months = df.with_columns(month=(df["i"] % 3).cast(str).str.replace(r"^", "2026-0"))
    data = tmp_path / "pop.csv"
    months.drop("i").write_csv(data)
    out = tmp_path / "audit.json"
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(model_path),
            str(data),
            "--protected",
            "foreign_worker",
            "--protected",
            "age_in_years",
            "--cutoff",
            "520",
            "--target",
            "creditability",
            "--bad",
            "bad",
            "--period",
            "month",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert [row["period"] for row in doc["over_time"]] == ["2026-00", "2026-01", "2026-02"]
    assert "foreign_worker" in doc["audit"]["attributes"]


def test_audit_table_shows_intervals_reference_rule_and_small_groups(
    app: typer.Typer, model_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "audit.json"
    args = ["audit", str(model_path), "builtin:german", "--protected", "foreign_worker"]
    args += ["--cutoff", "520", "--target", "creditability", "--bad", "bad"]
    r = CliRunner().invoke(app, [*args, "--min-group-size", "40", "--out", str(out)])
    assert r.exit_code == 0, r.output
    # 37 applicants are not foreign workers: under 40 they are reported, never the reference
    assert "(small)" in r.output and "reference: yes (most favoured group" in r.output
    assert "Katz log interval" in r.output and "Wilson score interval" in r.output
    doc = json.loads(out.read_text())["audit"]["attributes"]["foreign_worker"]
    no = doc["groups"]["no"]
    lo, hi = no["adverse_impact_ratio_ci"]
    assert lo < no["adverse_impact_ratio"] < hi
    assert f"{no['adverse_impact_ratio']:.3f}" in r.output
    r = CliRunner().invoke(app, [*args, "--reference", "foreign_worker=no"])
    assert r.exit_code == 0, r.output
    assert "reference: no (declared)" in r.output
    r = CliRunner().invoke(app, [*args, "--reference", "foreign_worker=maybe"])
    assert r.exit_code == 3 and "reference_group_present" in r.output


def test_export_sql_runs_in_sqlite_and_matches(app: typer.Typer, model_path: Path) -> None:
    r = CliRunner().invoke(app, ["export", str(model_path), "--format", "sql", "--table", "t"])
    assert r.exit_code == 0, r.output
    df = load_german_credit()
    con = sqlite3.connect(":memory:")
    df.to_pandas().to_sql("t", con)
    got = [row[0] for row in con.execute(r.output.strip().rstrip(";"))]
    assert got == score_table(load_model(model_path).table, df).tolist()


def test_export_rejects_unknown_format(app: typer.Typer, model_path: Path) -> None:
    r = CliRunner().invoke(app, ["export", str(model_path), "--format", "xml"])
    assert r.exit_code == 3 and "export_format" in r.output


def test_card_writes_markdown_and_html(app: typer.Typer, model_path: Path, tmp_path: Path) -> None:
    md, html = tmp_path / "card.md", tmp_path / "card.html"
    args = [
        "--data",
        "builtin:german",
        "--target",
        "creditability",
        "--bad",
        "bad",
        "--protected",
        "foreign_worker",
        "--cutoff",
        "520",
    ]
    assert (
        CliRunner().invoke(app, ["card", str(model_path), "--out", str(md), *args]).exit_code == 0
    )
    text = md.read_text()
    for section in (
        "## Data",
        "## Features and their points",
        "excluded by design",
        "## Performance",
        "## Fairness",
        "## Limitations",
    ):
        assert section in text
    assert "AUC 0." in text and "foreign_worker" in text
    assert CliRunner().invoke(app, ["card", str(model_path), "--out", str(html)]).exit_code == 0
    assert html.read_text().startswith("<!doctype html>")


def test_train_takes_monotonic_constraints_and_a_weight_column(
    app: typer.Typer, tmp_path: Path
) -> None:
    base = ["train", "builtin:german", "--target", "creditability", "--bad", "bad", *DROP]
    out = tmp_path / "m.json"
    r = CliRunner().invoke(
        app, [*base, "--out", str(out), "--monotonic", "credit_amount=ascending", "--cv-folds", "0"]
    )
    assert r.exit_code == 0, r.output
    doc = load_model(out).doc
    assert doc["training"]["trends"]["credit_amount"] == "ascending"
    assert "cross_validated" not in doc["performance"] and "in_sample" in doc["performance"]
    r = CliRunner().invoke(app, [*base, "--out", str(out), "--monotonic", "purpose=ascending"])
    assert r.exit_code == 3 and "monotonic_numeric" in r.output
    r = CliRunner().invoke(app, [*base, "--out", str(out), "--monotonic", "credit_amount"])
    assert r.exit_code == 3 and "key_value" in r.output
    df = load_german_credit()
    weighted = tmp_path / "weighted.csv"
    df.with_columns(w=(df["age_in_years"] < 25).cast(int) * 3 + 1).write_csv(weighted)
    wargs = ["train", str(weighted), "--target", "creditability", "--bad", "bad", *DROP]
    r = CliRunner().invoke(app, [*wargs, "--out", str(out), "--sample-weight", "w"])
    assert r.exit_code == 0, r.output
    m = load_model(out)
    assert "w" not in m.table.features and m.doc["data"]["sample_weight"] == "w"
    plain = tmp_path / "plain.json"
    assert CliRunner().invoke(app, [*wargs, "--out", str(plain), "--drop", "w"]).exit_code == 0
    assert load_model(plain).table != m.table
