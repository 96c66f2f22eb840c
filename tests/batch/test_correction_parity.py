"""A confirmed correction on both engines: the columnar read applies the supersession
(the original excluded from the confirmation on, the new version before it) exactly as
the single-subject path does, as of a time before and after the confirmation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from glasscredit.batch import run_batch
from glasscredit.rights import confirm_correction, open_dispute
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger
from tests._history import load_history
from tests.batch.conftest import STORED, rescored_rows
from tests.conftest import NOW_US, event

DAY = 86_400_000_000


def test_engines_apply_a_correction_as_the_ledger_does(
    ledger: Ledger, spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLASSCREDIT_MIRROR_DIR", str(tmp_path / "mirror"))  # PostgreSQL's
    load_history(  # months of the partners' records
        ledger,
        [
            event(f"{s}-{i}", subject=s, occurred_at=f"2026-0{1 + i}-02T10:00:00Z")
            for s in ("s1", "s2", "s3")
            for i in range(4)
        ]
        + [
            event("late-s1", subject="s1", type_="payment.late", days_late=70),
            event("late-s2", subject="s2", type_="payment.late", days_late=40),
        ],
    ).check()
    d = open_dispute(
        ledger, "s1", "late-s1", "7 days", now_us=NOW_US, actor="t", correct=("days_late", 7)
    )
    confirm_correction(ledger, d.dispute.dispute_id, "bank", now_us=NOW_US + DAY, actor="t")
    lake = tmp_path / "events.parquet"
    events = pl.from_arrow(ledger.event_table())
    assert isinstance(events, pl.DataFrame)
    assert "late-s1#c1" in events["event_id"].to_list()
    events.write_parquet(lake)
    scorer = Scorer(ledger)
    for as_of, days in ((NOW_US + DAY // 2, None), (NOW_US + 2 * DAY, 7.0)):
        rows = {}
        # the Parquet lake on both engines, and the ledger's columnar mirror
        for engine, lake_or_mirror in (("local", lake), ("spark", lake), ("mirror", None)):
            out = tmp_path / f"{engine}-{as_of}"
            run_batch(
                ledger,
                engine="local" if engine == "mirror" else engine,  # type: ignore[arg-type]
                as_of_us=as_of,
                computed_at_us=as_of,
                out=out,
                events=lake_or_mirror,
                spark=spark,  # type: ignore[arg-type]
            )
            rows[engine] = pl.read_parquet(str(out / "*.parquet")).sort("subject")
        assert rows["spark"].equals(rows["local"])
        assert rows["mirror"].equals(rows["local"])
        assert rescored_rows(ledger, as_of).equals(rows["spark"].select(STORED))
        one = scorer.explain("s1", as_of, ledger_us=NOW_US + 3 * DAY)
        assert {f.name: f.value for f in one.features}["max_days_late_24m"] == days
        s1 = rows["local"].filter(pl.col("subject") == "s1")
        assert s1["score"].item() == one.score
