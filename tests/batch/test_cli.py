"""``glasscredit batch``: both engines from the command line, the same rows; refusals."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from glasscredit.cli import app
from glasscredit.policy import from_us
from tests.batch.conftest import NOW, World

runner = CliRunner()


def _iso(us: int) -> str:
    return from_us(us).isoformat().replace("+00:00", "Z")


def test_batch_command_runs_both_engines_to_the_same_rows(
    world: World, spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLASSCREDIT_SPARK_MASTER", "local[2]")
    rows = {}
    for engine in ("local", "spark"):
        out = tmp_path / engine
        res = runner.invoke(
            app,
            [
                "batch",
                "--engine",
                engine,
                "--events",
                str(world.lake),
                "--as-of",
                _iso(NOW),
                "--out",
                str(out),
                "--db",
                f"sqlite:///{world.db}",
                "--json",
            ],
        )
        assert res.exit_code == 0, res.output
        report = json.loads(res.output)
        assert report["engine"] == engine and report["subjects"] == 239
        rows[engine] = pl.read_parquet(str(out / "*.parquet")).sort("subject")
    assert rows["spark"].equals(rows["local"])


def test_batch_command_refuses_what_it_cannot_do(world: World, tmp_path: Path) -> None:
    common = ["batch", "--out", str(tmp_path / "out"), "--db", f"sqlite:///{world.db}"]
    for extra, said in (
        (["--engine", "flink"], "unknown engine 'flink'"),
        (["--store", "--as-of", _iso(NOW)], "no notion of a historical score"),
        (["--events", str(tmp_path / "none")], "holds no Parquet file"),
    ):
        res = runner.invoke(app, [*common, *extra])
        assert res.exit_code == 3 and said in " ".join(res.output.split()), res.output
    assert not (tmp_path / "out").exists()
