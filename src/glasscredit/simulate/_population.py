"""A seeded, realistic demo population, generated in columnar chunks.

Each subject has a hidden quality ``q`` (most people pay; a minority struggle) that
drives late payments, defaults, breaches and damage. Events follow the default policy's
public contract. Subjects are generated a chunk at a time and each chunk is an Arrow
table, so 1,000,000 subjects / 50,000,000 events stream to Parquet or JSON Lines in
bounded memory. The same seed gives the same population, byte for byte.

``q`` is also returned per subject (:func:`population_truth`) so benchmarks can check
that scores separate good and bad payers; it is never written to the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from glasscredit.policy import DAY_US, MONTH_US
from glasscredit.simulate._scenarios import _region_edges

__all__ = [
    "DEFAULT_END_US",
    "PopulationSpec",
    "generate_population",
    "history_start",
    "iter_event_dicts",
    "iter_source_batches",
    "population_truth",
    "write_population",
]


DEFAULT_END_US = 1_790_000_000_000_000  # 2026-09-21T14:13:20Z: generation "now"


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    """Size, seed and time span of a generated population."""

    subjects: int = 10_000
    seed: int = 42
    end_us: int = DEFAULT_END_US
    years: int = 6
    chunk_subjects: int = 20_000
    events_per_subject: float = 50.0  # approximate mean; scales every activity rate
    prefix: str = "s"
    #: mean number of mutual endorsement partners (Chung-Lu, heavy-tailed, communities of
    #: ``community_size``); 0 gives the first round's sparse one-sided endorsements
    mean_degree: float = 10.0
    community_size: int = 500


def _subject_ids(spec: PopulationSpec, lo: int, hi: int) -> np.ndarray:
    width = max(7, len(str(spec.subjects)))
    return np.array([f"{spec.prefix}{i:0{width}d}" for i in range(lo, hi)], dtype=object)


def _quality(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.beta(5.0, 1.6, n)


def population_truth(spec: PopulationSpec) -> pl.DataFrame:
    """Hidden quality per subject (for benchmarks only; never ingested)."""
    frames = []
    for lo in range(0, spec.subjects, spec.chunk_subjects):
        hi = min(spec.subjects, lo + spec.chunk_subjects)
        rng = np.random.default_rng([spec.seed, lo])
        frames.append(
            pl.DataFrame(
                {"subject": _subject_ids(spec, lo, hi).tolist(), "quality": _quality(rng, hi - lo)}
            )
        )
    return pl.concat(frames)


class _Chunk:
    """Collects one chunk's events as columns before they become an Arrow table."""

    def __init__(
        self, rng: np.random.Generator, ids: np.ndarray, start: np.ndarray, end_us: int
    ) -> None:
        self.rng, self.ids, self.start, self.end_us = rng, ids, start, end_us
        self.frames: list[pl.DataFrame] = []

    def add(
        self,
        who: np.ndarray,
        type_: str,
        source: str | np.ndarray,
        attrs: pl.Expr | str,
        extra: dict[str, Any] | None = None,
        times: np.ndarray | None = None,
    ) -> None:
        """Add events of one type; ``source`` is one name or one name per event."""
        if len(who) == 0:
            return
        if times is None:
            span = self.end_us - self.start[who]
            times = self.start[who] + (self.rng.random(len(who)) * span).astype(np.int64)
        times = (times // 1_000_000) * 1_000_000  # whole seconds
        rand = self.rng.integers(0, 2**62, len(who))
        src = np.full(len(who), source, dtype=object) if isinstance(source, str) else source
        df = pl.DataFrame(
            {"_who": who, "_t": times, "_rand": rand, "_src": src.astype(str), **(extra or {})}
        )
        df = df.with_columns(
            event_id=pl.concat_str([pl.col("_src"), pl.lit("-"), pl.col("_rand").cast(pl.String)]),
            source=pl.col("_src"),
            type=pl.lit(type_),
            occurred_at=pl.from_epoch("_t", time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            attributes=attrs if isinstance(attrs, pl.Expr) else pl.lit(attrs),
        )
        self.frames.append(
            df.select("_who", "event_id", "source", "type", "occurred_at", "attributes")
        )

    def table(self) -> pa.Table:
        df = pl.concat(self.frames)
        subj = pl.Series("subject", self.ids.tolist(), dtype=pl.String)
        df = df.with_columns(subject=subj.gather(df["_who"]))
        return df.select(
            "event_id", "subject", "source", "type", "occurred_at", "attributes"
        ).to_arrow()


def _money(expr: pl.Expr) -> pl.Expr:
    return expr.round(2).cast(pl.String)


BANKS = ("bank", "lender", "credit_union")
PLATFORMS = ("rentals", "marketplace")
COMMUNITIES = ("community", "forum")


class _Sources:
    """Which partners know each subject: a main and a second bank, a main platform, and
    the community of the subject's neighbourhood (contiguous id ranges)."""

    def __init__(self, rng: np.random.Generator, n: int, spec: PopulationSpec) -> None:
        self.rng = rng
        banks = np.array(BANKS, dtype=object)
        main = rng.choice(len(BANKS), n, p=[0.5, 0.3, 0.2])
        self.bank = banks[main]
        self.second_bank = banks[(main + rng.integers(1, len(BANKS), n)) % len(BANKS)]
        plats = np.array(PLATFORMS, dtype=object)
        pmain = rng.choice(len(PLATFORMS), n, p=[0.6, 0.4])
        self.platform = plats[pmain]
        self.second_platform = plats[(pmain + 1) % len(PLATFORMS)]
        block = np.arange(n) // max(1, spec.community_size)
        self.community = np.array(COMMUNITIES, dtype=object)[block % len(COMMUNITIES)]

    def banks_of(self, who: np.ndarray, main_share: float) -> np.ndarray:
        """One bank per event: the subject's main bank with ``main_share``, else the second."""
        main = self.rng.random(len(who)) < main_share
        out: np.ndarray = np.where(main, self.bank[who], self.second_bank[who])
        return out

    def platforms_of(self, who: np.ndarray, main_share: float) -> np.ndarray:
        main = self.rng.random(len(who)) < main_share
        out: np.ndarray = np.where(main, self.platform[who], self.second_platform[who])
        return out


def _graph_edges(
    rng: np.random.Generator, spec: PopulationSpec, start: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mutual endorsements of a heavy-tailed graph with communities (both directions).

    Chung-Lu degrees with Pareto weights (exponent 2.5), communities of
    ``community_size`` contiguous subjects, 5% of edges across communities; each pair
    endorses both ways, the second within 30 days, after both were known.
    Returns (endorsed, endorser, occurred_at_us) indices and times.
    """
    sizes = np.full(max(1, n // max(1, spec.community_size)), 0, dtype=np.int64)
    base, extra = divmod(n, len(sizes))
    sizes[:] = base
    sizes[:extra] += 1
    # 6% more draws than edges: self-pairs and repeats are removed below
    m = round(n * spec.mean_degree / 2 * 1.06)
    a, b = _region_edges(rng, 0, sizes, m, 0.05, 2.5)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keys = np.unique(lo[lo != hi] * n + hi[lo != hi])
    a, b = keys // n, keys % n
    known = np.maximum(start[a], start[b])
    t1 = known + (rng.random(len(a)) * (spec.end_us - known)).astype(np.int64)
    t2 = np.minimum(t1 + rng.integers(0, 30 * DAY_US, len(a)), spec.end_us)
    first = rng.random(len(a)) < 0.5  # who vouches first
    x, y = np.where(first, a, b), np.where(first, b, a)
    return np.concatenate([y, x]), np.concatenate([x, y]), np.concatenate([t1, t2])


def _sparse_edges(
    rng: np.random.Generator, q: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, None]:
    """The first round's endorsements: a few picks among nearby ids, 70% returned."""
    k_end = rng.poisson(2.0 * q, n)
    who = np.repeat(np.arange(n), k_end)
    offs = rng.integers(1, 200, len(who)) * rng.choice([-1, 1], len(who))
    endorser = np.clip(who + offs, 0, n - 1)
    ok = endorser != who
    back = ok & (rng.random(len(who)) < 0.7)
    endorsed = np.concatenate([who[ok], endorser[back]])
    vouching = np.concatenate([endorser[ok], who[back]])
    return endorsed, vouching, None


def _gen_chunk(spec: PopulationSpec, lo: int, hi: int) -> pa.Table:
    rng = np.random.default_rng([spec.seed, lo])
    n = hi - lo
    q = _quality(rng, n)
    ids = _subject_ids(spec, lo, hi)
    rate = spec.events_per_subject / 50.0
    tenure = rng.integers(3, spec.years * 12, n) * MONTH_US
    start = spec.end_us - tenure
    c = _Chunk(rng, ids, start, spec.end_us)
    idx = np.arange(n)
    src = _Sources(rng, n, spec)
    # account opened: at the start of the tenure
    c.add(
        idx,
        "account.opened",
        src.bank[idx],
        pl.concat_str([pl.lit('{"kind":"'), pl.col("k"), pl.lit('"}')]),
        extra={"k": rng.choice(["current", "savings", "credit"], n)},
        times=start,
    )
    # monthly payments over the last up-to-24 months, late with probability by quality
    months = np.minimum(tenure // MONTH_US, 24)
    k_pay = rng.binomial(np.maximum(months, 0).astype(np.int64), min(1.0, 0.9 * rate))
    who = np.repeat(idx, k_pay)
    p_late = 0.02 + 0.45 * (1 - q[who]) ** 2
    late = rng.random(len(who)) < p_late
    amt = np.round(rng.lognormal(4.5, 0.8, len(who)), 2)
    pay_src = src.banks_of(who, 0.7)
    c.add(
        who[~late],
        "payment.on_time",
        pay_src[~late],
        pl.concat_str([pl.lit('{"amount":'), _money(pl.col("a")), pl.lit("}")]),
        extra={"a": amt[~late]},
    )
    days = np.clip(rng.geometric(1 / (5 + 60 * (1 - q[who[late]])), late.sum()), 1, 400)
    c.add(
        who[late],
        "payment.late",
        pay_src[late],
        pl.concat_str(
            [
                pl.lit('{"amount":'),
                _money(pl.col("a")),
                pl.lit(',"days_late":'),
                pl.col("d").cast(pl.String),
                pl.lit("}"),
            ]
        ),
        extra={"a": amt[late], "d": days},
    )
    # bills
    k_bill = rng.poisson(12 * rate, n)
    who = np.repeat(idx, k_bill)
    missed = rng.random(len(who)) < 0.01 + 0.25 * (1 - q[who]) ** 2
    kinds = rng.choice(["utility", "phone", "internet", "rent", "insurance"], len(who))
    amt = np.round(rng.lognormal(3.8, 0.6, len(who)), 2)
    bill = pl.concat_str(
        [pl.lit('{"amount":'), _money(pl.col("a")), pl.lit(',"kind":"'), pl.col("k"), pl.lit('"}')]
    )
    bill_src = src.bank[who]
    c.add(
        who[~missed],
        "bill.paid",
        bill_src[~missed],
        bill,
        extra={"a": amt[~missed], "k": kinds[~missed]},
    )
    c.add(
        who[missed],
        "bill.missed",
        bill_src[missed],
        bill,
        extra={"a": amt[missed], "k": kinds[missed]},
    )
    # loans: opened, then repaid or defaulted
    k_loan = rng.poisson(1.6 * rate, n)
    who = np.repeat(idx, k_loan)
    amt = np.round(rng.lognormal(7.5, 1.0, len(who)), 2)
    span = spec.end_us - start[who]
    t_open = start[who] + (rng.random(len(who)) * span * 0.7).astype(np.int64)
    loan = pl.concat_str([pl.lit('{"amount":'), _money(pl.col("a")), pl.lit("}")])
    lender = src.banks_of(who, 0.6)
    c.add(who, "loan.opened", lender, loan, extra={"a": amt}, times=t_open)
    outcome = rng.random(len(who))
    p_def = 0.01 + 0.35 * (1 - q[who]) ** 3
    t_close = np.minimum(t_open + rng.integers(3, 36, len(who)) * MONTH_US, spec.end_us)
    done = t_close < spec.end_us
    defaulted = done & (outcome < p_def)
    repaid = done & ~defaulted
    c.add(
        who[repaid],
        "loan.repaid",
        lender[repaid],
        loan,
        extra={"a": amt[repaid]},
        times=t_close[repaid],
    )
    c.add(
        who[defaulted],
        "loan.defaulted",
        lender[defaulted],
        loan,
        extra={"a": amt[defaulted]},
        times=t_close[defaulted],
    )
    # rentals: started, then returned (maybe late), sometimes damaged
    k_rent = rng.poisson(4.5 * rate, n)
    who = np.repeat(idx, k_rent)
    asset = rng.choice(
        ["bike", "scooter", "car", "home", "equipment"], len(who), p=[0.4, 0.25, 0.2, 0.05, 0.1]
    )
    t0 = start[who] + (rng.random(len(who)) * (spec.end_us - start[who])).astype(np.int64)
    t1 = np.minimum(t0 + rng.integers(1, 15, len(who)) * DAY_US, spec.end_us)
    a_asset = pl.concat_str([pl.lit('{"asset":"'), pl.col("s"), pl.lit('"}')])
    platform = src.platforms_of(who, 0.8)
    c.add(who, "rental.started", platform, a_asset, extra={"s": asset}, times=t0)
    late = rng.random(len(who)) < 0.02 + 0.3 * (1 - q[who]) ** 2
    c.add(
        who[~late],
        "rental.returned",
        platform[~late],
        a_asset,
        extra={"s": asset[~late]},
        times=t1[~late],
    )
    c.add(
        who[late],
        "rental.returned_late",
        platform[late],
        pl.concat_str(
            [
                pl.lit('{"asset":"'),
                pl.col("s"),
                pl.lit('","days_late":'),
                pl.col("d").cast(pl.String),
                pl.lit("}"),
            ]
        ),
        extra={"s": asset[late], "d": rng.integers(1, 20, int(late.sum()))},
        times=t1[late],
    )
    dmg = rng.random(len(who)) < 0.005 + 0.08 * (1 - q[who]) ** 2
    c.add(
        who[dmg],
        "rental.damaged",
        platform[dmg],
        pl.concat_str(
            [
                pl.lit('{"amount":'),
                _money(pl.col("a")),
                pl.lit(',"asset":"'),
                pl.col("s"),
                pl.lit('","severity":"'),
                pl.col("v"),
                pl.lit('"}'),
            ]
        ),
        extra={
            "a": np.round(rng.lognormal(4, 1, int(dmg.sum())), 2),
            "s": asset[dmg],
            "v": rng.choice(["minor", "moderate", "severe"], int(dmg.sum()), p=[0.6, 0.3, 0.1]),
        },
        times=t1[dmg],
    )
    # contracts
    k_con = rng.poisson(3.5 * rate, n)
    who = np.repeat(idx, k_con)
    br = rng.random(len(who)) < 0.01 + 0.2 * (1 - q[who]) ** 2
    con = pl.concat_str([pl.lit('{"amount":'), _money(pl.col("a")), pl.lit("}")])
    amt = np.round(rng.lognormal(5, 1, len(who)), 2)
    platform = src.platforms_of(who, 0.8)
    c.add(who[~br], "contract.fulfilled", platform[~br], con, extra={"a": amt[~br]})
    c.add(who[br], "contract.breached", platform[br], con, extra={"a": amt[br]})
    # identity and income checks
    idv = rng.random(n) < 0.85
    lvl = np.clip(1 + rng.binomial(2, 0.3 + 0.5 * q), 1, 3)
    c.add(
        idx[idv],
        "identity.verified",
        src.bank[idx[idv]],
        pl.concat_str([pl.lit('{"level":'), pl.col("l").cast(pl.String), pl.lit("}")]),
        extra={"l": lvl[idv]},
    )
    inc = rng.random(n) < 0.5
    bands = np.array(["lt_1000", "1000_2999", "3000_5999", "6000_9999", "ge_10000"])
    band = bands[np.clip(rng.binomial(4, 0.35 + 0.2 * q), 0, 4)]
    c.add(
        idx[inc],
        "income.verified",
        src.bank[idx[inc]],
        pl.concat_str([pl.lit('{"band":"'), pl.col("b"), pl.lit('"}')]),
        extra={"b": band[inc]},
    )
    # a second identity check by an identity provider: seeds need two sources
    idc = rng.random(n) < 0.5
    lvl2 = np.clip(1 + rng.binomial(2, 0.3 + 0.5 * q), 1, 3)
    c.add(
        idx[idc],
        "identity.verified",
        "idcheck",
        pl.concat_str([pl.lit('{"level":'), pl.col("l").cast(pl.String), pl.lit("}")]),
        extra={"l": lvl2[idc]},
    )
    endorsed, vouching, times = (
        _graph_edges(rng, spec, start, n) if spec.mean_degree > 0 else _sparse_edges(rng, q, n)
    )
    c.add(
        endorsed,
        "endorsement",
        src.community[endorsed],
        pl.concat_str([pl.lit('{"endorser":"'), pl.col("e"), pl.lit('"}')]),
        extra={"e": ids[vouching].astype(str)},
        times=times,
    )
    # misconduct reports, mostly against poor-quality subjects
    k_rep = rng.poisson(0.15 * (1 - q) ** 2 * 4, n)
    who = np.repeat(idx, k_rep)
    reporter = (who + rng.integers(1, n, len(who))) % n
    ok = reporter != who
    cats = rng.choice(
        [
            "non_payment",
            "fraud",
            "property_damage",
            "no_show",
            "contract_abandonment",
            "fake_listing",
        ],
        int(ok.sum()),
    )
    c.add(
        who[ok],
        "report.misconduct",
        src.community[who[ok]],
        pl.concat_str(
            [
                pl.lit('{"category":"'),
                pl.col("c"),
                pl.lit('","evidence":"case-'),
                pl.col("r").cast(pl.String),
                pl.lit('","reporter":"'),
                pl.col("p"),
                pl.lit('"}'),
            ]
        ),
        extra={
            "c": cats,
            "r": rng.integers(10_000, 99_999, int(ok.sum())),
            "p": ids[reporter[ok]].astype(str),
        },
    )
    return c.table()


def generate_population(spec: PopulationSpec) -> Iterator[pa.Table]:
    """Yield the population's events, one Arrow table per chunk of subjects."""
    for lo in range(0, spec.subjects, spec.chunk_subjects):
        yield _gen_chunk(spec, lo, min(spec.subjects, lo + spec.chunk_subjects))


def iter_source_batches(spec: PopulationSpec) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The population as (source, that source's event dicts), a chunk at a time: what
    each partner sends when its history is loaded as an approved backfill."""
    for table in generate_population(spec):
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        for source in sorted(set(df["source"].to_list())):
            recs = df.filter(pl.col("source") == source).to_dicts()
            for rec in recs:
                rec["attributes"] = json.loads(rec["attributes"])
            yield source, recs


def history_start(spec: PopulationSpec) -> int:
    """No generated event is older than this (the longest tenure starts here)."""
    return spec.end_us - spec.years * 12 * MONTH_US


def iter_event_dicts(spec: PopulationSpec) -> Iterator[dict[str, Any]]:
    """The population as event dicts (the public JSON contract), streamed."""
    for table in generate_population(spec):
        for rec in table.to_pylist():
            rec["attributes"] = json.loads(rec["attributes"])
            yield rec


def write_population(spec: PopulationSpec, path: str | Path) -> int:
    """Write the population to ``.jsonl`` or ``.parquet``; returns the number of events."""
    p = Path(path)
    total = 0
    if p.suffix == ".parquet":
        import pyarrow.parquet as pq

        writer: pq.ParquetWriter | None = None
        try:
            for table in generate_population(spec):
                if writer is None:
                    writer = pq.ParquetWriter(p, table.schema)
                writer.write_table(table)
                total += table.num_rows
        finally:
            if writer is not None:
                writer.close()
        return total
    with p.open("w", encoding="utf-8") as fh:
        for table in generate_population(spec):
            df = pl.from_arrow(table)
            assert isinstance(df, pl.DataFrame)
            lines = df.select(
                pl.concat_str(
                    [
                        pl.lit('{"event_id":"'),
                        pl.col("event_id"),
                        pl.lit('","subject":"'),
                        pl.col("subject"),
                        pl.lit('","source":"'),
                        pl.col("source"),
                        pl.lit('","type":"'),
                        pl.col("type"),
                        pl.lit('","occurred_at":"'),
                        pl.col("occurred_at"),
                        pl.lit('","attributes":'),
                        pl.col("attributes"),
                        pl.lit("}"),
                    ]
                )
            )
            fh.write("\n".join(lines.to_series().to_list()))
            fh.write("\n")
            total += table.num_rows
    return total
