"""The command line end to end on a real SQLite file: demo, ingest, explain, what-if, history."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import iso
from tests.conftest import event

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--subjects", "300", "--db", db])
    assert result.exit_code == 0, result.output
    assert "audit chain: verifies" in result.output
    assert "score distribution by tier (300 subjects)" in result.output
    assert "base + sum = score" in result.output
    return db


def test_demo_twice_stores_nothing_twice(demo_db: str) -> None:
    result = runner.invoke(app, ["demo", "--subjects", "300", "--db", demo_db])
    assert result.exit_code == 0, result.output
    assert "no new events: scores are up to date" in result.output
    counts = json.loads(runner.invoke(app, ["audit", "verify", "--json", "--db", demo_db]).output)
    assert counts["ok"] and counts["rows"] >= 1


def test_explain_json_contract(demo_db: str) -> None:
    result = runner.invoke(app, ["explain", "s0000007", "--json", "--db", demo_db])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert {
        "subject",
        "as_of",
        "score",
        "tier",
        "base_points",
        "policy_hash",
        "model_hash",
        "dimensions",
        "features",
        "reasons",
        "perks",
    } <= set(d)
    assert d["score"] == d["base_points"] + sum(f["points"] for f in d["features"])
    assert set(d["dimensions"]) == {
        "payment_history",
        "fulfilment",
        "identity",
        "tenure",
        "connections",
    }
    assert all({"points", "percent"} == set(v) for v in d["dimensions"].values())
    assert all(
        {"name", "dimension", "value", "bin", "points", "max_points"} <= set(f)
        for f in d["features"]
    )
    assert len(d["reasons"]) <= 4
    assert all(
        {"code", "text", "points_below_max", "feature", "events"} <= set(r) for r in d["reasons"]
    )
    losses = [r["points_below_max"] for r in d["reasons"]]
    assert losses == sorted(losses, reverse=True)


def test_whatif_next_tier_history_verify(demo_db: str) -> None:
    w = json.loads(
        runner.invoke(
            app, ["whatif", "s0000007", "--set", "identity_level=3", "--json", "--db", demo_db]
        ).output
    )
    assert w["after"]["score"] - w["before"]["score"] == w["delta"]
    assert any(c["feature"] == "identity_level" for c in w["changes"]) or w["delta"] == 0
    nt = runner.invoke(app, ["next-tier", "s0000007", "--json", "--db", demo_db])
    assert nt.exit_code == 0, nt.output
    h = json.loads(runner.invoke(app, ["history", "s0000007", "--json", "--db", demo_db]).output)
    sid = h["scores"][0]["score_id"]
    v = runner.invoke(app, ["verify-score", str(sid), "--json", "--db", demo_db])
    assert v.exit_code == 0 and json.loads(v.output)["identical"]


def test_explain_table_reads_in_plain_words(demo_db: str) -> None:
    """The printed explanation names dimensions and the tier by the policy's labels
    (a person reads "Payment history", not ``payment_history``); --json keeps the keys."""
    result = runner.invoke(app, ["explain", "s0000007", "--db", demo_db], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "payment_history" not in out
    dims = " ".join(out[out.index("dimensions:") :].split("key factors")[0].split())
    for label in ("Payment history", "Fulfilment and capacity", "Identity", "Tenure and"):
        assert label in dims, dims
    assert "tenure " not in dims and "connections " not in dims
    first = out.splitlines()[0]
    tier = json.loads(
        runner.invoke(app, ["explain", "s0000007", "--json", "--db", demo_db]).output
    )["tier"]
    assert "on a scale of 350 to 950" in first
    assert "_" not in tier or tier not in first


def test_errors_map_to_exit_codes(demo_db: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["events", "nobody", "--db", demo_db]).exit_code == 4
    assert (
        runner.invoke(
            app, ["explain", "s0000007", "--as-of", "yesterday", "--db", demo_db]
        ).exit_code
        == 3
    )
    assert (
        runner.invoke(app, ["whatif", "s0000007", "--set", "nope=1", "--db", demo_db]).exit_code
        == 3
    )
    assert runner.invoke(app, ["verify-score", "999999999", "--db", demo_db]).exit_code == 4


def test_ingest_reports_rejected_rows(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'i.db'}"
    f = tmp_path / "e.jsonl"
    yesterday = iso(int((time.time() - 86_400) * 1_000_000))  # live: the CLI's clock is real
    good = event("g1", occurred_at=yesterday)
    bad = event("b1", occurred_at=yesterday, religion="x")
    f.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    result = runner.invoke(app, ["ingest", str(f), "--json", "--db", db])
    assert result.exit_code == 3
    rep = json.loads(result.output)
    assert (rep["input"], rep["accepted"], rep["rejected"]) == (2, 1, 1)
    assert rep["errors"][0]["row"] == 2 and rep["errors"][0]["field"] == "attributes.religion"
    again = json.loads(runner.invoke(app, ["ingest", str(f), "--json", "--db", db]).output)
    assert (again["accepted"], again["duplicates"]) == (0, 1)
