"""One SparkSession and one generated ledger for the whole test session.

The ledger is a small generated population ingested in two rounds (a past time and
now; each round the partners' records, in approved backfills), with a trust and a report
snapshot at each, open and resolved disputes, a held burst and an erased subject, and a
copy of its events taken before the erasure and partitioned by day: an operator's lake
that still holds the erased subject's records.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from glasscredit.batch import SparkSettings, spark_session
from glasscredit.policy import DAY_US, default_policy, iso
from glasscredit.rights import erase_subject, open_dispute, resolve_dispute
from glasscredit.scoring import Scorer, rescore
from glasscredit.simulate import DEFAULT_END_US, PopulationSpec, write_population
from glasscredit.store import Ledger, sqlite_url
from glasscredit.trust import Burst, compute_reports, compute_trust, hold_bursts
from tests._history import approve_history

STORED = ("subject", "score", "tier", "inputs_digest", "detail")
NOW = DEFAULT_END_US
PAST = NOW - 120 * DAY_US


def rescored_rows(led: Ledger, as_of_us: int) -> pl.DataFrame:
    """What the ledger's own ``rescore`` stores as of ``as_of_us`` (the columns the
    batch rows share with it), by subject."""
    before = led.execute_sql("SELECT coalesce(max(score_id), 0) FROM scores")[0][0]
    rescore(Scorer(led), as_of_us, as_of_us)
    sql = f"SELECT {', '.join(STORED)} FROM scores WHERE score_id > :n"
    stored = pl.DataFrame(
        [tuple(r) for r in led.execute_sql(sql, {"n": before})],
        schema=list(STORED),
        orient="row",
    ).sort("subject")
    # the store pins what the score read ("v": snapshot versions, "q": the newest event
    # seq) at the end of the detail: a record of the read, not part of the score, which
    # the engines' rows do not carry; everything before it must be identical
    unpinned = pl.col("detail").str.replace(r',"v":\{[^}]*\}', "").str.replace(r',"q":\d+\}$', "}")
    assert stored["detail"].str.contains(r',"q":\d+\}$').all()
    return stored.with_columns(unpinned)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """Spark in local mode on two cores, few shuffle partitions: small data, fast."""
    session = spark_session(
        SparkSettings(master="local[2]", partitions=4, driver_memory="1g", executor_memory="1g")
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@dataclass
class World:
    """The generated ledger: its file, the lake copy, and what was done to it."""

    db: Path
    lake: Path
    erased: str
    disputed: list[str]
    held: list[str]

    def ledger(self, clock: Clock | None = None) -> Ledger:
        return Ledger(sqlite_url(self.db), default_policy(), clock=clock or Clock(NOW))

    def copy(self, where: Path) -> World:
        """The same world in another folder (for tests that store scores)."""
        where.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.db, where / self.db.name)
        mirror = Path(f"{self.db}.columns")
        if mirror.exists():
            shutil.copytree(mirror, where / f"{self.db.name}.columns")
        return World(where / self.db.name, self.lake, self.erased, self.disputed, self.held)


def _ingest_until(led: Ledger, pop: Path, lo: int, hi: int, work: Path) -> None:
    """The population's events dated in ``(lo, hi]``, loaded as production loads a
    partner's records: one approved backfill per source, known as they happened."""
    occurred = pl.col("occurred_at").str.to_datetime(time_unit="us", time_zone="UTC").dt.epoch("us")
    rows = pl.read_parquet(pop).filter((occurred > lo) & (occurred <= hi))
    for source in sorted(rows["source"].unique().to_list()):
        mine = rows.filter(pl.col("source") == source)
        part = work / f"part-{lo}-{source}.parquet"
        mine.write_parquet(part)
        backfill = approve_history(led, source, int(mine.select(occurred.min()).item()))
        led.ingest_file(part, backfill=backfill).check()


def build_world(root: Path, subjects: int = 240) -> World:
    root.mkdir(parents=True, exist_ok=True)
    pop = root / "pop.parquet"
    write_population(PopulationSpec(subjects=subjects, seed=7, events_per_subject=30), pop)
    clock = Clock(PAST)
    db = root / "ledger.db"
    led = Ledger(sqlite_url(db), default_policy(), clock=clock)
    _ingest_until(led, pop, 0, PAST, root)
    compute_trust(led, PAST)
    compute_reports(led, PAST)
    ids = led.execute_sql(
        "SELECT event_id, subject, type FROM events WHERE type IN "
        "('payment.late', 'bill.missed', 'loan.defaulted', 'payment.on_time') ORDER BY event_id"
    )
    negatives = [r for r in ids if r[2] != "payment.on_time"]
    # a dispute opened in the past and resolved as removed since; two still open
    clock.now = PAST + DAY_US
    first = open_dispute(
        led, negatives[0][1], negatives[0][0], "not mine", now_us=clock.now, actor="t"
    )
    clock.now = PAST + 30 * DAY_US
    resolve_dispute(led, first.dispute.dispute_id, "removed", now_us=clock.now, actor="t")
    for eid, subj, _ in negatives[1:3]:
        open_dispute(led, subj, eid, "never happened", now_us=clock.now, actor="t")
    clock.now = NOW
    _ingest_until(led, pop, PAST, NOW, root)
    # id squatting: rentals sends the id of a disputed bank record about the same person;
    # ids are per source, so it is stored, and only the bank's record is under dispute:
    # every engine must count the rentals one (the exclusion join is on source and id)
    eid, subj, _ = negatives[1]
    squat = {
        "event_id": eid,
        "subject": subj,
        "source": "rentals",
        "type": "rental.returned_late",
        "occurred_at": iso(NOW - 10 * DAY_US),
        "attributes": {"asset": "bike", "days_late": 2},
    }
    assert led.ingest([squat]).accepted == 1
    on_time = [r for r in ids if r[2] == "payment.on_time"][:6]
    hold_bursts(led, [Burst("bank", NOW - DAY_US, 3, len(on_time), [r[0] for r in on_time])], NOW)
    compute_trust(led, NOW)
    compute_reports(led, NOW)
    # the lake: every event before the erasure, partitioned by day of recording
    lake = root / "lake"
    events = pl.from_arrow(led.event_table())
    assert isinstance(events, pl.DataFrame)
    events.with_columns(
        day=pl.from_epoch("recorded_at_us", time_unit="us").dt.strftime("%Y-%m-%d")
    ).write_parquet(lake, partition_by="day")
    endorsers = led.execute_sql(
        "SELECT json_extract(attributes, '$.endorser') AS e FROM events "
        "WHERE type = 'endorsement' ORDER BY e LIMIT 1"
    )
    erased = str(endorsers[0][0])
    erase_subject(led, erased, now_us=NOW, actor="t")
    led.close()
    return World(
        db,
        lake,
        erased,
        [r[0] for r in negatives[:3]],
        [r[0] for r in on_time],
    )


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("world"))
