"""The learned scorecard's use cases on the German credit data: typed results."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from glasscredit import app
from glasscredit.exceptions import ValidationError
from glasscredit.model import load_german_credit, load_model, score_table

DROP = ["personal_status_and_sex", "age_in_years", "foreign_worker"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> app.TrainedModel:
    out = tmp_path_factory.mktemp("model") / "model.json"
    return app.train_model("builtin:german", target="creditability", out=out, drop=DROP)


def test_train_infers_bad_from_good_bad_and_reports_the_fit(trained: app.TrainedModel) -> None:
    assert isinstance(trained, app.TrainedModel)
    assert trained.rows == 1000 and trained.bad_rate == pytest.approx(0.3)
    assert trained.min_score < trained.max_score and trained.features >= 5
    doc = json.loads(Path(trained.path).read_text())
    assert doc["data"]["left_out_by_operator"] == DROP
    assert json.loads(json.dumps(trained.as_json()))["rows"] == 1000


def test_a_swapped_coding_is_refused_unless_named(tmp_path: Path) -> None:
    df = load_german_credit().with_columns(
        pl.when(pl.col("creditability") == "bad").then(2).otherwise(1).alias("creditability")
    )
    data = tmp_path / "coded.csv"
    df.write_csv(data)
    with pytest.raises(ValidationError) as err:
        app.train_model(str(data), target="creditability", out=tmp_path / "m.json", drop=DROP)
    assert err.value.errors[0].rule == "bad_value"
    res = app.train_model(
        str(data), target="creditability", bad="2", out=tmp_path / "m.json", drop=DROP
    )
    assert res.bad_rate == pytest.approx(0.3)


def test_evaluate_audit_export_card(trained: app.TrainedModel) -> None:
    model = Path(trained.path)
    ev = app.evaluate_model(
        model, "builtin:german", target="creditability", compare="builtin:german", with_report=True
    )
    assert isinstance(ev, app.ModelEvaluation) and 0.75 < ev.auc < 1
    assert ev.gini == pytest.approx(2 * ev.auc - 1)
    assert sum(b.n for b in ev.calibration) == 1000
    assert ev.stability is not None and ev.stability.psi == pytest.approx(0.0)
    assert ev.report_html is not None and ev.report_html.startswith("<!doctype html>")
    doc = ev.metrics_document()
    assert set(doc) == {"evaluation", "stability"}
    fair = app.audit_model(
        model, "builtin:german", protected=["foreign_worker"], cutoff=520, target="creditability"
    )
    groups = fair.attributes["foreign_worker"].groups
    assert sum(g.n for g in groups.values()) == 1000
    assert max(g.adverse_impact_ratio or 0 for g in groups.values()) == pytest.approx(1.0)
    with pytest.raises(ValidationError) as err:
        app.audit_model(model, "builtin:german", protected=["nope"], cutoff=520)
    assert err.value.errors[0].rule == "column_present"
    sql = app.export_model(model, fmt="sql", table="t")
    con = sqlite3.connect(":memory:")
    df = load_german_credit()
    df.to_pandas().to_sql("t", con)
    got = [r[0] for r in con.execute(sql.text.rstrip(";"))]
    assert got == score_table(load_model(model).table, df).tolist()
    with pytest.raises(ValidationError):
        app.export_model(model, fmt="xml")
    card = app.model_card(model, html=True)
    assert card.format == "html" and card.text.startswith("<!doctype html>")
