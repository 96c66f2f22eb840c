"""Spark in local mode next to the local engine, on the same events, in the same run.

    python bench/spark.py [--subjects 1000000] [--partitions N] [--events-per-subject 54]

Prepares (untimed, cached under ``bench/_data/lake<N>/``) a generated population as an
operator's lake: Parquet files of the ledger's event columns, about 4M events each,
subjects in order (as the mirror's segments are), every event recorded at the
generation time. The ledger beside it is empty (no subjects, exclusions or snapshots),
so both engines score the subjects the files hold.

Then, wall seconds per stage:

* the local engine (``glasscredit batch --engine local``): subjects, reading the events
  (what the read-ahead does not hide), the kernel, the rows and their write;
* Spark (``--engine spark``, ``local[*]`` unless ``GLASSCREDIT_SPARK_MASTER`` says
  otherwise): the session start, a scan of the filtered events (a separate job that
  measures reading alone), and the scoring job (read, shuffle by subject, the kernel on
  each partition via ``mapInArrow``, the Parquet write);
* both outputs compared row by row (every column).

The last line is the headline: Spark's scoring job over the local engine's scoring (the
session start is reported, not counted), target within 4x on one machine, and identical
rows. Exits 1 when either is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from _bulk_load import stored_columns
from glasscredit.batch import SparkSettings, event_source, run_batch, spark_session
from glasscredit.batch._inputs import LedgerInputs
from glasscredit.batch._spark import spark_events
from glasscredit.policy import default_policy
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, generate_population
from glasscredit.store import Ledger, sqlite_url

DATA = Path(__file__).parent / "_data"
ROWS_PER_FILE = 4_000_000


def _lake(subjects: int, per_subject: float) -> Path:
    """The cached lake for ``subjects`` (written once; ``_DONE`` marks a complete one)."""
    lake = DATA / f"lake{subjects}-{per_subject:g}"
    if (lake / "_DONE").exists():
        return lake
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    t0 = time.perf_counter()
    spec = PopulationSpec(subjects=subjects, events_per_subject=per_subject)
    pending: list[pl.DataFrame] = []
    rows = seq = files = 0
    for table in generate_population(spec):
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        df = df.select(stored_columns(seq + 1))
        seq += df.height
        pending.append(df)
        rows += df.height
        if rows >= ROWS_PER_FILE:
            pl.concat(pending).write_parquet(lake / f"part-{files:05d}.parquet")
            pending, rows, files = [], 0, files + 1
    if pending:
        pl.concat(pending).write_parquet(lake / f"part-{files:05d}.parquet")
    (lake / "_DONE").write_text(f"{seq}\n")
    print(f"setup (untimed): {seq:,} events written to {lake} in {time.perf_counter() - t0:.0f} s")
    return lake


def _line(name: str, seconds: float) -> str:
    return f"  {name:<44}{seconds:8.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--events-per-subject", type=float, default=54.0)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--driver-memory", default="6g")
    args = ap.parse_args()
    lake = _lake(args.subjects, args.events_per_subject)
    events = int((lake / "_DONE").read_text())
    t = DEFAULT_END_US
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        led = Ledger(sqlite_url(work / "ledger.db"), default_policy(), clock=lambda: t)
        print(
            f"population: {args.subjects:,} subjects, {events:,} events in "
            f"{len(list(lake.glob('*.parquet')))} files (load average "
            f"{os.getloadavg()[0]:.1f}); wall s",
            flush=True,
        )
        t0 = time.perf_counter()
        local = run_batch(
            led, engine="local", as_of_us=t, computed_at_us=t, out=work / "local", events=lake
        )
        local_s = time.perf_counter() - t0
        print("local engine:")
        for name, s in local.stages.items():
            print(_line(name, s))
        print(_line("total", local_s), flush=True)

        t0 = time.perf_counter()
        settings = SparkSettings(driver_memory=args.driver_memory, partitions=args.partitions)
        spark = spark_session(settings)
        spark.sparkContext.setLogLevel("ERROR")
        start_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        inputs = LedgerInputs(t, [], pl.DataFrame(), None, frozenset())
        scanned = spark_events(spark, led.policy, event_source(lake), inputs).count()
        scan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        on_spark = run_batch(
            led,
            engine="spark",
            as_of_us=t,
            computed_at_us=t,
            out=work / "spark",
            events=lake,
            spark=spark,
            spark_settings=settings,
        )
        spark_s = time.perf_counter() - t0
        print(
            f"spark ({spark.sparkContext.master}, {spark.sparkContext.defaultParallelism} cores):"
        )
        print(_line("session start (not counted)", start_s))
        print(_line(f"scan alone ({scanned:,} events; not counted)", scan_s))
        for name, s in on_spark.stages.items():
            print(_line(f"{name} (read, shuffle, kernel, write)" if name == "score" else name, s))
        print(_line("total", spark_s), flush=True)
        spark.stop()
        led.close()

        a = pl.read_parquet(str(work / "local" / "*.parquet")).sort("subject")
        b = pl.read_parquet(str(work / "spark" / "*.parquet")).sort("subject")
        same = a.equals(b)
        print(f"rows: local {a.height:,}, spark {b.height:,}; identical (every column): {same}")
    ratio = spark_s / local_s
    ok = same and ratio <= 4.0
    print(
        f"HEADLINE: {args.subjects:,} subjects / {events:,} events: Spark local "
        f"{spark_s:.1f} s vs local engine {local_s:.1f} s = {ratio:.2f}x (target <= 4x on one "
        f"machine); scores, reasons and digests identical: {'yes' if same else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
