"""Batch rescoring speed and single-subject latency, next to hand-written references.

    python bench/batch_score.py [--subjects 1000000] [--runs 3]
    python bench/batch_score.py --latency-only    # the explain latency alone, no population

Prepares (untimed, cached under bench/_data/) a generated population of ``--subjects``
subjects (~50 events each), a SQLite ledger holding it and its columnar mirror written
from the same Parquet (see ``_bulk_load.py``). Then, in the same run, medians of
``--runs``, as wall and CPU seconds:

* end to end: ``rescore`` of the whole population (mirror sync check, read, features,
  points, tiers, reasons, digests, and the score rows and cursors written back);
* the feature+points stage alone (``compute_features`` + ``score_frame``) on the events
  in memory, next to one hand-written DuckDB query and one hand-written polars query
  computing the same features and points on the same in-memory events (checked equal),
  by chunks of ``--compare-subjects`` subjects (100,000: one chunk at that size; the
  1M population's events would not fit in memory three times over);
* single-subject ``Scorer.explain`` latency (p50, p99, wall and CPU ms) for a subject
  with 500 events in a SQLite ledger, measured first, before the batch work.

Targets (issue #3): end to end under 60 s for 1,000,000 subjects; feature+points within
1.2x of the faster reference; explain p99 under 10 ms. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import pyarrow as pa

from _bulk_load import load_sqlite, write_mirror
from _reference import duckdb_scores, polars_scores
from glasscredit.features import attribute_event_types, compute_features
from glasscredit.policy import DAY_US, Policy, default_policy, from_us
from glasscredit.scoring import Scorer, rescore, score_frame
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, write_population
from glasscredit.store import Ledger, sqlite_url
from glasscredit.store._mirror import EventMirror

DATA = Path(__file__).parent / "_data"
EVENTS_PER_SUBJECT = 67.0  # the generator's knob; gives ~49 events per subject


def _parquet(subjects: int) -> Path:
    name = "pop1m.parquet" if subjects == 1_000_000 else f"pop{subjects}.parquet"
    return DATA / name


def _prepare(subjects: int) -> Path:
    """The cached SQLite ledger and its mirror for ``subjects`` subjects (built once)."""
    db = _prepare_sql(subjects)
    led = Ledger(sqlite_url(db), default_policy(), clock=lambda: 0, create=False)
    mirror = led.mirror
    led.close()
    assert mirror is not None
    if mirror.manifest()["total"] == 0:
        t0 = time.perf_counter()
        n = write_mirror(_parquet(subjects), db)
        print(
            f"setup (untimed): mirror of {n:,} events written from the Parquet in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    return db


def _prepare_sql(subjects: int) -> Path:
    DATA.mkdir(exist_ok=True)
    db = DATA / f"ledger{subjects}.v2.db"  # v2: events known from when they occurred
    if db.exists():
        return db
    parquet = _parquet(subjects)
    if not parquet.exists():
        print(f"generating {subjects:,} subjects -> {parquet}", flush=True)
        write_population(
            PopulationSpec(subjects=subjects, events_per_subject=EVENTS_PER_SUBJECT), parquet
        )
    print(f"bulk-loading {parquet} -> {db}", flush=True)
    tmp = db.with_suffix(".loading")
    tmp.unlink(missing_ok=True)
    load_sqlite(parquet, tmp)
    tmp.rename(db)
    return db


Figures = tuple[float, float]


def _compare(
    mirror: EventMirror, policy: Policy, t: int, everyone: list[str], runs: int, chunk: int
) -> tuple[int, Figures, Figures, Figures, Figures] | None:
    """Events read, then glasscredit / DuckDB / polars feature+points, chunk by chunk.

    The population is cut into ranges of ``chunk`` subjects (1M subjects' events do not
    fit in memory three times over); each engine runs ``runs`` times on each chunk and
    a run's time is its sum over the chunks: medians of those sums, as wall / CPU s.
    Scores are checked equal chunk by chunk; None (after saying so) when they differ.
    """
    attrs = attribute_event_types(policy)
    read = [0.0, 0.0]
    took = {name: [[0.0, 0.0] for _ in range(runs)] for name in ("ours", "duck", "polars")}
    n_events = 0
    for lo in range(0, len(everyone), chunk):
        part = everyone[lo : lo + chunk]
        t0, c0 = time.perf_counter(), time.process_time()
        events = mirror.scan(
            subject_range=(part[0], part[-1]), recorded_by_us=t, attribute_types=attrs
        )
        read[0] += time.perf_counter() - t0
        read[1] += time.process_time() - c0
        n_events += events.height
        out = _engines(events.to_arrow(), policy, t, took)
        del events
        mine = out["ours"].select("subject", "score")
        for name in ("duck", "polars"):
            diff = (
                mine.join(
                    out[name].with_columns(pl.col("score").cast(pl.Int64)), on="subject", how="full"
                )
                .filter(pl.col("score").ne_missing(pl.col("score_right")))
                .height
            )
            if diff:
                print(f"FAIL: {diff} subjects score differently in the {name} reference")
                return None

    def med(name: str) -> Figures:
        return (
            statistics.median(w for w, _ in took[name]),
            statistics.median(c for _, c in took[name]),
        )

    return n_events, (read[0], read[1]), med("ours"), med("duck"), med("polars")


def _engines(
    arrow: pa.Table, policy: Policy, t: int, took: dict[str, list[list[float]]]
) -> dict[str, pl.DataFrame]:
    """Run each engine once per run on one chunk; add wall / CPU s to ``took``."""
    out: dict[str, pl.DataFrame] = {}
    for name, runs in took.items():
        for acc in runs:
            t0, c0 = time.perf_counter(), time.process_time()
            if name == "ours":
                out[name] = score_frame(compute_features(arrow, policy, t), policy).frame
            elif name == "duck":
                out[name] = duckdb_scores(arrow, policy, t)
            else:
                out[name] = polars_scores(arrow, policy, t)
            acc[0] += time.perf_counter() - t0
            acc[1] += time.process_time() - c0
    return out


def _median(fn: object, runs: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``runs`` calls, and the last result."""
    times, cpus, out = [], [], None
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(times), statistics.median(cpus), out


def _latency(runs: int) -> tuple[float, float, float, float]:
    """p50 and p99 of ``Scorer.explain`` for a subject with 500 events: wall ms, CPU ms.

    CPU (``process_time``, polars' worker threads included) is quoted too: on a shared
    machine the wall tail mostly measures other jobs.
    """
    policy = default_policy()
    now = DEFAULT_END_US
    with tempfile.TemporaryDirectory() as tmp:
        led = Ledger(sqlite_url(Path(tmp) / "l.db"), policy, clock=lambda: now)
        kinds = [
            ("payment.on_time", {"amount": 12.5}),
            ("bill.paid", {"amount": 30, "kind": "phone"}),
            ("payment.late", {"amount": 20, "days_late": 9}),
            ("rental.returned", {"asset": "bike"}),
        ]
        recs = [
            {
                "event_id": f"lat-{i}",
                "subject": "s-lat",
                "source": "rentals" if kinds[i % 4][0].startswith("rental") else "bank",
                "type": kinds[i % 4][0],
                "attributes": kinds[i % 4][1],
                "occurred_at": from_us(now - (i * 3 + 1) * DAY_US)
                .isoformat()
                .replace("+00:00", "Z"),
            }
            for i in range(499)
        ]
        recs.append(
            {
                "event_id": "lat-id",
                "subject": "s-lat",
                "source": "bank",
                "type": "identity.verified",
                "attributes": {"level": 2},
                "occurred_at": from_us(now - DAY_US).isoformat().replace("+00:00", "Z"),
            }
        )
        # four years of history: loaded as an operator-approved backfill per source,
        # known as it happened (the shipped policy refuses it live: docs/clocks.md)
        first = now - 499 * 3 * DAY_US
        for source in ("bank", "rentals"):
            approval = led.backfills.approve(
                source=source,
                occurred_from_us=first,
                occurred_to_us=now,
                known_from_us=first,
                approved_by="bench",
                reason="the latency subject's history",
                at_us=now,
            )
            rep = led.ingest(
                [r for r in recs if r["source"] == source], backfill=approval.backfill_id
            )
            rep.check()
            assert rep.accepted == rep.input, rep.errors[:3]
        sc = Scorer(led)
        sc.explain("s-lat", now)  # warm-up
        ms, cpu = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            sc.explain("s-lat", now)
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        sc.close()
        led.close()
    ms.sort()
    cpu.sort()
    p99 = min(len(ms) - 1, int(0.99 * len(ms)))
    return statistics.median(ms), ms[p99], statistics.median(cpu), cpu[p99]


def _latency_line(runs: int) -> tuple[str, float]:
    """The explain line as printed, and the wall p99 it reports."""
    p50, p99, c50, c99 = _latency(runs)
    return (
        f"explain one subject with 500 events:   p50 {p50:.1f} ms, p99 {p99:.1f} ms wall; "
        f"p50 {c50:.1f} ms, p99 {c99:.1f} ms CPU (target p99 < 10 ms)"
    ), p99


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency-runs", type=int, default=200)
    ap.add_argument(
        "--compare-subjects",
        type=int,
        default=100_000,
        help="subjects held in memory at once by the feature+points comparison",
    )
    ap.add_argument(
        "--latency-only",
        action="store_true",
        help="measure only the single-subject explain latency",
    )
    args = ap.parse_args()
    if args.latency_only:
        line, p99 = _latency_line(args.latency_runs)
        print(f"{line} (load average {os.getloadavg()[0]:.1f})")
        return 0 if p99 < 10 else 1
    # first, in a fresh process as a service's would be: after the batch below (DuckDB's
    # and polars' pools busy, gigabytes freed) the tail measures that run, not explain
    latency, p99 = _latency_line(args.latency_runs)
    policy = default_policy()
    t = DEFAULT_END_US
    db = _prepare(args.subjects)
    led = Ledger(sqlite_url(db), policy, clock=lambda: t, create=False)
    sc = Scorer(led)

    e2e, e2e_cpu, report = _median(lambda: rescore(sc, t, t), args.runs)
    print(f"end-to-end rescore: {e2e:.2f} s wall, {e2e_cpu:.2f} s CPU", flush=True)
    n_subjects = report.subjects  # type: ignore[attr-defined]
    mirror = led.mirror
    assert mirror is not None
    cmp = _compare(mirror, policy, t, sc.all_subjects(), args.runs, args.compare_subjects)
    if cmp is None:
        return 1
    n_events, (read_s, read_cpu), (gc_s, gc_cpu), (duck_s, duck_cpu), (pol_s, pol_cpu) = cmp
    best = min(duck_s, pol_s)
    print(
        f"population: {n_subjects:,} subjects, {n_events:,} events (SQLite ledger {db.name}"
        f"; load average {os.getloadavg()[0]:.1f}); wall s / CPU s, medians of {args.runs}"
        f"; feature+points in chunks of {args.compare_subjects:,} subjects)"
    )
    print(f"read events from the mirror:            {read_s:7.2f} / {read_cpu:7.2f}")
    print(f"feature+points, glasscredit kernel:     {gc_s:7.2f} / {gc_cpu:7.2f}")
    print(
        f"feature+points, hand-written DuckDB:    {duck_s:7.2f} / {duck_cpu:7.2f}  "
        f"(glasscredit / DuckDB = {gc_s / duck_s:.2f}x wall, {gc_cpu / duck_cpu:.2f}x CPU)"
    )
    print(
        f"feature+points, hand-written polars:    {pol_s:7.2f} / {pol_cpu:7.2f}  "
        f"(glasscredit / polars = {gc_s / pol_s:.2f}x wall, {gc_cpu / pol_cpu:.2f}x CPU)"
    )
    print(
        f"end-to-end rescore (sync check, read, features, points, tiers, reasons, digests, "
        f"store): {e2e:.2f} / {e2e_cpu:.2f}"
    )
    print(latency)
    ratio = gc_s / best
    ok = e2e < 60 and ratio <= 1.2 and p99 < 10
    print(
        f"HEADLINE: end-to-end rescore of {n_subjects:,} subjects / {n_events:,} events "
        f"on SQLite: {e2e:.1f} s wall, {e2e_cpu:.1f} s CPU (target < 60 s for 1,000,000 "
        f"subjects); feature+points {ratio:.2f}x the faster hand-written query (target <= "
        f"1.2x); explain p99 {p99:.1f} ms (target < 10 ms)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
