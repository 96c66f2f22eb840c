"""Both engines over a ledger on SQLite and PostgreSQL; the package's public surface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl

import glasscredit.batch
from glasscredit.batch import run_batch
from glasscredit.rights import erase_subject, open_dispute
from glasscredit.store import Ledger
from tests._history import load_history
from tests.batch.conftest import STORED, rescored_rows
from tests.conftest import NOW_US, event


def test_engines_equal_the_ledgers_scores(ledger: Ledger, spark: object, tmp_path: Path) -> None:
    load_history(  # months of the partners' records
        ledger,
        [
            event(f"{s}-{i}", subject=s, occurred_at=f"2026-0{1 + i}-02T10:00:00Z")
            for s in ("s1", "s2", "s3", "s4")
            for i in range(4)
        ]
        + [
            event("late-s2", subject="s2", type_="payment.late", days_late=40),
            event("e-s3", subject="s3", type_="endorsement", endorser="s4"),
        ],
    ).check()
    open_dispute(ledger, "s2", "late-s2", "paid on time", now_us=NOW_US, actor="t")
    erase_subject(ledger, "s4", now_us=NOW_US, actor="t")  # also takes s3's endorsement
    lake = tmp_path / "events.parquet"
    events = pl.from_arrow(ledger.event_table())
    assert isinstance(events, pl.DataFrame)
    events.write_parquet(lake)
    rows = {}
    for engine in ("local", "spark"):
        run_batch(
            ledger,
            engine=engine,  # type: ignore[arg-type]
            as_of_us=NOW_US,
            computed_at_us=NOW_US,
            out=tmp_path / engine,
            events=lake,
            spark=spark,  # type: ignore[arg-type]
        )
        rows[engine] = pl.read_parquet(str(tmp_path / engine / "*.parquet")).sort("subject")
    assert rows["spark"].equals(rows["local"])
    assert rows["local"]["subject"].to_list() == ["s1", "s2", "s3"]
    assert rescored_rows(ledger, NOW_US).equals(rows["spark"].select(STORED))


def test_public_surface_resolves_and_loads_no_pyspark() -> None:
    for name in glasscredit.batch.__all__:
        assert getattr(glasscredit.batch, name) is not None, name
    code = "import sys, glasscredit.batch; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # --engine local needs no Spark
