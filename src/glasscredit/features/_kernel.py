"""The feature kernel: every subject's features as of ``t``, in one columnar pass.

One function serves a single subject (the API) and a whole population (batch, Spark):
it is a pure function of the events it is given, so any partition that holds all of a
subject's events gives that subject the same features. Nothing here reads the clock.

Polars is the engine: lazy, multi-threaded, and its conditional aggregations
(``col.filter(cond).max()`` inside one ``group_by``) compute all features in a single
pass over the events, with no SQL text to keep in sync with the policy.

Time has two dimensions: the scoring time ``t`` and the ledger position ``c`` (what the
ledger had recorded; ``c`` defaults to ``t``, so a stored score reproduces). An event
*counts* at ``(t, c)`` when it was recorded by ``c``, known by ``t`` (``known_at_us``,
the ledger's clock) and happened by ``t``; a positive event known longer after it
happened than its type's ``lateness`` bound counts for no feature (:data:`LATE`). So a
score as of a past ``t`` read at ``c = now`` sees a backfilled history. It must also be
within
its type's retention, and is not excluded at ``t`` (an open dispute, a dispute resolved
as removed, a held burst: ``exclusions`` rows with ``from_us <= t < until_us``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import compress

import polars as pl
import pyarrow as pa

from glasscredit.features._period_caps import foldable, period_counts
from glasscredit.policy import MONTH_US, FeatureSpec, Policy
from glasscredit.store import (
    EVENT_COLUMNS as _EVENT_COLUMNS,
)
from glasscredit.store import (
    EXCLUSION_SCHEMA,
    ID_HASH,
    event_keys,
    hash_sums,
    id_sum_aggregates,
    key_hash,
    key_hashes,
)

__all__ = [
    "EXCLUSION_SCHEMA",
    "FeatureFrame",
    "SubjectPass",
    "attribute_event_types",
    "compute_features",
    "countable_events",
    "feature_provenance",
    "subject_pass",
    "to_frame",
]

LAST_NEGATIVE = "_last_negative_us"
SEASONED = "_seasoned_"  # a min_sources feature over the events known for known_for
TIMELY = "_timely"  # known within its type's lateness bound (or the type has none)
AS_OF = "_as_of_us"  # the single-subject plan's scoring time, as a column


@dataclass(frozen=True, slots=True)
class FeatureFrame:
    """Features of many subjects as of one time: one row per subject, sorted by subject."""

    as_of_us: int
    frame: pl.DataFrame  # subject, one Float64 column per feature, _last_negative_us

    def row(self, subject: str) -> dict[str, float | None]:
        sub = self.frame.filter(pl.col("subject") == subject)
        if sub.height == 0:
            raise KeyError(subject)
        return {k: v for k, v in sub.row(0, named=True).items() if k != "subject"}


def to_frame(events: pl.DataFrame | pa.Table) -> pl.DataFrame:
    df = events if isinstance(events, pl.DataFrame) else pl.from_arrow(events)
    assert isinstance(df, pl.DataFrame)
    missing = [c for c in _EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"event frame lacks columns {missing}")
    return df


def _attribute_types(policy: Policy) -> dict[str, set[str]]:
    """Per attribute a feature reads: the event types whose features read it.

    Only events of those types are parsed: elsewhere the value is never looked at (the
    membership test is ``type in f.types AND ...``), so leaving it null is exact and
    spares parsing the JSON of most events.
    """
    out: dict[str, set[str]] = {}
    for f in policy.features:
        for attr in ([f.attribute] if f.attribute else []) + list(f.where):
            out.setdefault(attr, set()).update(f.types)
    return dict(sorted(out.items()))


def attribute_event_types(policy: Policy) -> frozenset[str]:
    """Event types whose attributes some feature reads: a reader may omit the others'."""
    return frozenset(t for types in _attribute_types(policy).values() for t in types)


def countable_events(
    events: pl.DataFrame | pa.Table,
    policy: Policy,
    as_of_us: int,
    exclusions: pl.DataFrame | None = None,
    *,
    ordered: bool = True,
    ledger_us: int | None = None,
) -> pl.LazyFrame:
    """Events that count at ``as_of_us``, with the attributes features need, as columns.

    Adds one boolean column ``_in_<feature>`` per event aggregate: whether the event
    counts for that feature (type, window, filters and per-period caps applied). Rows
    come sorted by (subject, occurred_at_us, seq) when ``ordered``; otherwise only the
    rows of capped types are sorted (the caps need their order), which is what a
    batch of order-free aggregates needs.
    """
    return _countable(
        to_frame(events).lazy(),
        _Exprs.of(policy, as_of_us, as_of_us),
        as_of_us,
        exclusions,
        ordered,
        ledger_us,
    )


@dataclass(frozen=True, slots=True)
class _Exprs:
    """A policy's kernel expressions for one scoring time ``now``.

    ``now`` is an int (batch: a literal in every expression) or, for the single-subject
    plan, the :data:`AS_OF` column, so that plan's expressions are built once per
    policy (:meth:`for_policy`) instead of once per call.
    """

    retention: pl.DataFrame
    recorded: pl.Expr  # known and happened by now (recorded by the ledger position: apart)
    retained: pl.Expr  # within the type's retention
    attrs: list[pl.Expr]
    members: list[pl.Expr]
    caps: list[pl.Expr]
    ledger_caps: list[list[pl.Expr]]  # per-period caps on known_at, one layer per cap
    capped_types: list[str]
    aggs: list[pl.Expr]  # event aggregates and LAST_NEGATIVE, for one group_by
    ext_names: list[str]
    finishes: list[list[pl.Expr]]  # layers: a ratio after the features it divides
    out: list[pl.Expr]

    @staticmethod
    def of(policy: Policy, now: int | pl.Expr, now_agg: int | pl.Expr) -> _Exprs:
        """``now`` in row context, ``now_agg`` in the group_by (one value per group)."""
        aggs = [f for f in policy.features if f.is_event_aggregate]
        capped = [f for f in aggs if f.max_per_period is not None]
        lags = policy.lag_bounds_us()
        return _Exprs(
            retention=pl.DataFrame(
                {
                    "type": list(policy.event_types),
                    "_retention_us": [policy.retention_us(t) for t in policy.event_types],
                    "_negative": [s.polarity == "negative" for s in policy.event_types.values()],
                    "_max_lag_us": [lags.get(t) for t in policy.event_types],
                },
                schema_overrides={"_max_lag_us": pl.Int64},
            ),
            recorded=(pl.col("known_at_us") <= now) & (pl.col("occurred_at_us") <= now),
            retained=pl.col("occurred_at_us") > now - pl.col("_retention_us"),
            attrs=[
                pl.when(pl.col("type").is_in(sorted(types)))
                .then(pl.col("attributes"))
                .str.json_path_match(f"$.{a}")
                .alias(f"_a_{a}")
                for a, types in _attribute_types(policy).items()
            ],
            # the raw conditions, then the per-period caps over those columns (a cap
            # refers to its condition three times; as a column it is computed once)
            members=[_membership(f, now).alias(f"_in_{f.name}") for f in aggs],
            caps=[
                (
                    pl.col(f"_in_{f.name}")
                    & (
                        _running_count(pl.col(f"_in_{f.name}"), f.max_per_period.period_us)
                        <= f.max_per_period.max
                    )
                ).alias(f"_in_{f.name}")
                for f in capped
                if f.max_per_period is not None
            ],
            ledger_caps=_ledger_caps(aggs),
            capped_types=sorted({t for f in capped for t in f.types}),
            aggs=[
                *[_aggregate(f, now_agg, policy.source_groups()) for f in aggs],
                *[_seasoned(f, now, now_agg) for f in aggs if _seasoning(f) is not None],
                pl.col("occurred_at_us").filter(pl.col("_negative")).max().alias(LAST_NEGATIVE),
            ],
            ext_names=[f.name for f in policy.features if f.agg == "external"],
            finishes=_layers(policy),
            out=[
                # a finished feature is Float64 already (its finish casts): no second cast
                *[
                    pl.col(f.name) if _finish(f) is not None else pl.col(f.name).cast(pl.Float64)
                    for f in policy.features
                ],
                pl.col(LAST_NEGATIVE).cast(pl.Int64),
            ],
        )

    @staticmethod
    def for_policy(policy: Policy) -> _Exprs:
        """The single-subject plan's expressions (scoring time in :data:`AS_OF`), cached."""
        key = policy.hash
        found = _SINGLE_EXPRS.get(key)
        if found is None:
            if len(_SINGLE_EXPRS) >= 16:
                _SINGLE_EXPRS.clear()
            found = _SINGLE_EXPRS[key] = _Exprs.of(policy, pl.col(AS_OF), pl.col(AS_OF).first())
        return found


_SINGLE_EXPRS: dict[str, _Exprs] = {}


def _layers(policy: Policy) -> list[list[pl.Expr]]:
    """The features' finishing expressions, as few ``with_columns`` as their order allows.

    A ratio reads its inputs after their caps, so it goes one layer after the later of
    them; every other feature reads only its own aggregate.
    """
    depth: dict[str, int] = {}
    layers: list[list[pl.Expr]] = []
    for f in policy.features:
        inputs = [n for n in (f.numerator, f.denominator) if n] if f.agg == "ratio" else []
        # min_sources reads a distinct_sources feature, itself of depth 0
        depth[f.name] = 1 + max(
            (depth.get(n, -1) for n in inputs), default=-1 + bool(f.min_sources)
        )
        fin = _finish(f)
        if fin is not None:
            layers.extend([] for _ in range(depth[f.name] + 1 - len(layers)))
            layers[depth[f.name]].append(fin)
    return [layer for layer in layers if layer]


def _countable(
    lf: pl.LazyFrame,
    ex: _Exprs,
    as_of_us: int,
    exclusions: pl.DataFrame | None,
    ordered: bool,
    ledger_us: int | None = None,
) -> pl.LazyFrame:
    """:func:`countable_events` from a policy's expressions (``ledger_us``: the ledger
    position ``c``, default ``as_of_us``)."""
    c = as_of_us if ledger_us is None else ledger_us
    lf = (
        lf.filter((pl.col("recorded_at_us") <= c) & ex.recorded)
        .join(ex.retention.lazy(), on="type", how="inner")
        .filter(ex.retained)
    )
    # timeliness and the attributes features read: one node (neither reads the other)
    lf = lf.with_columns(
        (
            pl.col("_max_lag_us").is_null()
            | (pl.col("known_at_us") - pl.col("occurred_at_us") <= pl.col("_max_lag_us"))
        ).alias(TIMELY),
        *ex.attrs,
    )
    if exclusions is not None and exclusions.height:
        active = (
            exclusions.lazy()
            .filter(
                (pl.col("from_us") <= as_of_us)
                & (pl.col("until_us").is_null() | (pl.col("until_us") > as_of_us))
            )
            .select("event_id", "source")  # ids are per source: both name the event
            .unique()
        )
        lf = lf.join(active, on=["event_id", "source"], how="anti")
    order = ["subject", "occurred_at_us", "seq"]
    if ordered:
        lf = lf.sort(order)
    lf = lf.with_columns(ex.members)
    if not ex.caps:
        return _with_ledger_caps(lf, ex)
    if ordered:
        return _with_ledger_caps(lf.with_columns(ex.caps), ex)
    # only events of capped types can be capped (elsewhere the flag is already False):
    # sort and cap those, pass the rest through unsorted
    kinds = pl.col("type").is_in(ex.capped_types)
    return _with_ledger_caps(
        pl.concat(
            [lf.filter(kinds).sort(order).with_columns(ex.caps), lf.filter(~kinds)],
            how="vertical",
        ),
        ex,
    )


def _with_ledger_caps(lf: pl.LazyFrame, ex: _Exprs) -> pl.LazyFrame:
    for layer in ex.ledger_caps:
        lf = lf.with_columns(layer)
    return lf


def _membership(f: FeatureSpec, now: int | pl.Expr) -> pl.Expr:
    """Whether an event counts for ``f`` before its per-period cap (a late positive
    event counts for nothing: :data:`TIMELY`)."""
    cond = pl.col("type").is_in(f.types) & pl.col(TIMELY)
    if f.window_us is not None:
        cond = cond & (pl.col("occurred_at_us") > now - f.window_us)
    for attr, flt in f.where.items():
        col = pl.col(f"_a_{attr}")
        if flt.min is not None:
            cond = cond & (col.cast(pl.Float64, strict=False) >= flt.min)
        if flt.max is not None:
            cond = cond & (col.cast(pl.Float64, strict=False) <= flt.max)
        if flt.in_ is not None:
            cond = cond & col.is_in(flt.in_)
    # only an attribute filter can be null (a missing attribute): the type, both clocks
    # and the timeliness flag are never null past the kernel's filter and inner join
    return cond.fill_null(False) if f.where else cond


def _ledger_caps(aggs: list[FeatureSpec]) -> list[list[pl.Expr]]:
    """Caps on the ledger's clock: per (subject, known_at period), the first ``max``
    events still counting, in the order the ledger knew them (known, occurred, seq).

    Layer ``i`` holds every feature's ``i``-th cap: a later cap counts what the earlier
    ones kept. ``over`` with ``order_by`` needs no sorted input, so batch, Spark and the
    single subject agree whatever the row order.
    """
    layers: list[list[pl.Expr]] = []
    for f in aggs:
        for i, cap in enumerate(f.max_per_ledger_period or []):
            flag = pl.col(f"_in_{f.name}")
            bucket = (pl.col("known_at_us") // cap.period_us).alias("_known_period")
            running = (
                flag.cast(pl.Int64)
                .cum_sum()
                .over(
                    ["subject", bucket],
                    order_by=["known_at_us", "occurred_at_us", "seq"],
                )
            )
            layers.extend([] for _ in range(i + 1 - len(layers)))
            layers[i].append((flag & (running <= cap.max)).alias(f"_in_{f.name}"))
    return layers


def _seasoning(f: FeatureSpec) -> int | None:
    """``min_sources.known_for`` of ``f`` in microseconds (None: no seasoning)."""
    return f.min_sources.known_for_us if f.min_sources is not None else None


def _seasoned(f: FeatureSpec, now: int | pl.Expr, now_agg: int | pl.Expr) -> pl.Expr:
    """``f``'s aggregate over the events the ledger has known for ``known_for`` (what
    counts while too few independent sources report: see :func:`_finish`)."""
    known_for = _seasoning(f)
    assert known_for is not None and f.min_sources is not None
    inside = pl.col(f"_in_{f.name}")
    if f.min_sources.since_first:  # all of it once the first was known long enough
        first = pl.col("known_at_us").filter(inside).min()
        full = _aggregate(f, now_agg, {})
        return pl.when(first <= now_agg - known_for).then(full).alias(SEASONED + f.name)
    old = inside & (pl.col("known_at_us") <= now - known_for)
    return _aggregate(f, now_agg, {}, inside=old).alias(SEASONED + f.name)


def _running_count(cond: pl.Expr, period_us: int) -> pl.Expr:
    """How many events so far satisfy ``cond`` in the same subject and period.

    Rows come sorted by subject and time, so each (subject, period) is one contiguous
    run: the running count is the global cumulative sum minus its value just before the
    run began. Equal to ``cum_sum().over(["subject", period])`` without hashing keys.
    """
    hits = cond.cast(pl.Int64)
    total = hits.cum_sum()
    bucket = pl.col("occurred_at_us") // period_us
    starts = (
        (pl.col("subject") != pl.col("subject").shift(1)) | (bucket != bucket.shift(1))
    ).fill_null(True)
    before = pl.when(starts).then(total - hits).otherwise(None).forward_fill()
    return total - before


def _aggregate(
    f: FeatureSpec, now: int | pl.Expr, groups: dict[str, str], inside: pl.Expr | None = None
) -> pl.Expr:
    inside = pl.col(f"_in_{f.name}") if inside is None else inside
    attr = pl.col(f"_a_{f.attribute}").cast(pl.Float64, strict=False) if f.attribute else None
    if f.agg == "count":
        expr = inside.sum().cast(pl.Float64)
    elif f.agg == "sum":
        assert attr is not None
        expr = attr.filter(inside).sum()
    elif f.agg in ("max", "min", "mean"):
        assert attr is not None
        picked = attr.filter(inside)
        expr = picked.max() if f.agg == "max" else picked.min() if f.agg == "min" else picked.mean()
    elif f.agg in ("months_since_first", "months_since_last"):
        t = pl.col("occurred_at_us").filter(inside)
        t = t.min() if f.agg == "months_since_first" else t.max()
        expr = ((now - t) // MONTH_US).cast(pl.Float64)
    elif f.agg == "distinct_sources":
        # sources of one declared group (one operator) are one source
        group = (
            pl.col("source").replace(groups)
            if any(k != v for k, v in groups.items())
            else pl.col("source")
        )
        expr = group.filter(inside).n_unique().cast(pl.Float64)
    else:  # pragma: no cover - ratio and external are not event aggregates
        raise AssertionError(f.agg)
    return expr.alias(f.name)


def _finish(f: FeatureSpec) -> pl.Expr | None:
    col = pl.col(f.name)
    if f.agg == "ratio":
        assert f.numerator and f.denominator
        num, den = pl.col(f.numerator), pl.col(f.denominator)
        den = num + den if f.share else den
        col = pl.when(den > 0).then(num / den).otherwise(None)
    elif f.agg in ("count", "sum", "distinct_sources"):
        col = col.fill_null(0.0)
    elif f.agg == "external":
        return None
    if f.cap is not None:
        col = col.clip(upper_bound=f.cap)
    if f.min_sources is not None:  # one layer after its distinct_sources feature
        ms = f.min_sources
        few = col
        if ms.known_for is not None:  # below min, only what the ledger knew long enough
            few = pl.col(SEASONED + f.name)
            few = few.fill_null(0.0) if f.agg in ("count", "sum") else few
            few = few.clip(upper_bound=f.cap) if f.cap is not None else few
        col = pl.when(pl.col(ms.feature) < ms.min).then(few.clip(upper_bound=ms.cap)).otherwise(col)
    return col.cast(pl.Float64).alias(f.name)


def compute_features(
    events: pl.DataFrame | pa.Table,
    policy: Policy,
    as_of_us: int,
    *,
    exclusions: pl.DataFrame | None = None,
    external: pl.DataFrame | None = None,
    subjects: list[str] | None = None,
    with_ids: bool = False,
    ledger_us: int | None = None,
) -> FeatureFrame:
    """Every subject's features as of ``as_of_us`` (see the module docstring), over the
    events recorded by ``ledger_us`` (default ``as_of_us``).

    ``subjects`` lists who to report (default: every subject with an event recorded by
    ``as_of_us``); ``external`` supplies ``external`` features (e.g. trust) by subject;
    ``with_ids`` adds :data:`~glasscredit.features.ID_SUMS` (how many events count and the
    sums of their key hashes: the version-3 inputs digest's input) from the same pass; the
    hashes come from the events' ``id_hash`` column (the mirror stores it) or are
    computed here.
    """
    df = to_frame(events)
    if with_ids and ID_HASH not in df.columns:
        df = df.with_columns(pl.Series(ID_HASH, key_hashes(df)))
    # float sums and means depend on the order they add up in: keep the single-subject
    # order for them; every other aggregate is order-free, so skip the global sort
    ordered = any(f.agg in ("sum", "mean") for f in policy.features)
    ex = _Exprs.of(policy, as_of_us, as_of_us)
    # capped counts are folded per period instead of sorted (batch only: see the module)
    folded = [] if ordered else foldable(list(policy.features))
    if folded:
        ex = _without(ex, policy, {f.name for f in folded})
    lf = _countable(df.lazy(), ex, as_of_us, exclusions, ordered, ledger_us)
    if subjects is None:
        c = as_of_us if ledger_us is None else ledger_us
        who = df.lazy().filter(pl.col("recorded_at_us") <= c).select("subject").unique()
    else:
        who = pl.DataFrame({"subject": subjects}, schema={"subject": pl.String}).lazy()
    ids = id_sum_aggregates() if with_ids else []
    frame = _features_of(lf, who, ex, external, ids, period_counts(lf, folded)).collect()
    return FeatureFrame(as_of_us, frame)


def _without(ex: _Exprs, policy: Policy, folded: set[str]) -> _Exprs:
    """``ex`` without the caps and aggregates of the ``folded`` features."""
    rest = [f for f in policy.features if f.name not in folded and f.max_per_period]
    return replace(
        ex,
        caps=[c for c in ex.caps if c.meta.output_name()[len("_in_") :] not in folded],
        aggs=[a for a in ex.aggs if a.meta.output_name() not in folded],
        capped_types=sorted({t for f in rest for t in f.types}),
    )


def _features_of(
    lf: pl.LazyFrame,
    who: pl.LazyFrame,
    ex: _Exprs,
    external: pl.DataFrame | None,
    extra: list[pl.Expr] | None = None,
    parts: list[pl.LazyFrame] | None = None,
) -> pl.LazyFrame:
    """Features of the subjects in ``who`` from their countable events (one group_by).

    ``extra`` aggregates ride along in the same group_by and are kept at the end;
    ``parts`` are per-subject feature columns computed apart (batch's capped counts).
    """
    grouped = lf.group_by("subject").agg([*ex.aggs, *(extra or [])])
    for part in parts or []:
        grouped = grouped.join(part, on="subject", how="left")
    out = who.join(grouped, on="subject", how="left")
    if ex.ext_names:
        # an external feature is never an aggregate: only ``external`` can supply it
        # (known without resolving the plan's schema, a tenth of a millisecond)
        have = [n for n in ex.ext_names if external is not None and n in external.columns]
        if external is not None:
            out = out.join(external.lazy().select(["subject", *have]), on="subject", how="left")
        out = out.with_columns(
            [pl.lit(None, dtype=pl.Float64).alias(n) for n in ex.ext_names if n not in have]
        )
    for layer in ex.finishes:
        out = out.with_columns(layer)
    return out.select(
        ["subject", *ex.out, *[pl.col(e.meta.output_name()) for e in extra or []]]
    ).sort("subject")


def feature_provenance(
    events: pl.DataFrame | pa.Table,
    policy: Policy,
    as_of_us: int,
    subject: str,
    *,
    exclusions: pl.DataFrame | None = None,
) -> dict[str, list[dict[str, object]]]:
    """For one subject: per feature, the events that put it where it is.

    For ``max``/``min`` the attaining event, for ``months_since_*`` the first/last event,
    otherwise every event that counted (after windows and caps). Ratios list the events
    of both inputs.
    """
    df = to_frame(events).filter(pl.col("subject") == subject)
    return _provenance_of(countable_events(df, policy, as_of_us, exclusions).collect(), policy)


def _provenance_of(rows: pl.DataFrame, policy: Policy) -> dict[str, list[dict[str, object]]]:
    """Per feature, the events behind it, from one subject's countable events.

    One subject has few events: the columns go to Python lists once (Series by Series,
    no query plan) and each feature picks its rows there (a polars filter per feature
    cost a millisecond each). Each event is one dict, made once, which every feature
    naming it shares (ratios always shared their inputs' dicts; nothing mutates them).
    """
    aggs = [f for f in policy.features if f.is_event_aggregate]
    events = [
        {"event_id": i, "occurred_at_us": t, "source": s, "type": y}
        for i, t, s, y in zip(
            *(
                rows.get_column(c).to_list()
                for c in ("event_id", "occurred_at_us", "source", "type")
            ),
            strict=True,
        )
    ]
    vals = {
        f.attribute: rows.get_column(f"_a_{f.attribute}").cast(pl.Float64, strict=False).to_list()
        for f in aggs
        if f.agg in ("max", "min") and f.attribute
    }
    out: dict[str, list[dict[str, object]]] = {}
    for f in policy.features:
        if f.agg == "external":
            out[f.name] = []
            continue
        if f.agg == "ratio":
            assert f.numerator and f.denominator
            out[f.name] = out[f.numerator] + out[f.denominator]
            continue
        flags = rows.get_column(f"_in_{f.name}").to_list()
        if f.agg in ("max", "min") and f.attribute:
            v = vals[f.attribute]
            idx = list(compress(range(len(events)), flags))
            known = [v[i] for i in idx if v[i] is not None]
            target = (max(known) if f.agg == "max" else min(known)) if known else None
            out[f.name] = [events[i] for i in idx if target is not None and v[i] == target][:1]
        elif f.agg == "months_since_first":
            out[f.name] = list(compress(events, flags))[:1]
        elif f.agg == "months_since_last":
            out[f.name] = list(compress(events, flags))[-1:]
        else:
            out[f.name] = list(compress(events, flags))
    return out


@dataclass(frozen=True, slots=True)
class SubjectPass:
    """One subject's features, provenance and counted events from ONE kernel pass."""

    features: FeatureFrame
    provenance: dict[str, list[dict[str, object]]]
    #: the subject's countable events (the kernel's frame, with their key hashes): what
    #: the digests read, derived on demand below
    rows: pl.DataFrame
    #: positive events that count for nothing because they were known too long after
    #: they happened (``lateness``): event_id, type, source, occurred_at_us, known_at_us
    late: list[dict[str, object]] = field(default_factory=list)

    @property
    def values(self) -> dict[str, float | None]:
        """The subject's feature values (``features.row(subject)`` without a lookup)."""
        row = self.features.frame.row(0, named=True)
        return {k: v for k, v in row.items() if k != "subject"}

    @property
    def counted_ids(self) -> list[str]:
        """Ids of the events that count, sorted (digests 1 and 2)."""
        return sorted(self.rows.get_column("event_id").to_list())

    @property
    def counted_keys(self) -> list[str]:
        """Their keys, source + KEY_SEP + id, sorted (digest 3)."""
        return sorted(event_keys(self.rows).to_list())

    @property
    def key_sums(self) -> tuple[int, int, int]:
        """``id_hash_sums(counted_keys)`` (digest 3's input) from the hashes the pass
        computed: no key strings built."""
        h = self.rows.get_column(ID_HASH)
        if h.null_count():
            raise ValueError("event ids must not be null (rule: every event has an id)")
        return hash_sums(h.to_numpy())


def subject_pass(
    events: pl.DataFrame | pa.Table,
    policy: Policy,
    as_of_us: int,
    subject: str,
    *,
    exclusions: pl.DataFrame | None = None,
    external: pl.DataFrame | None = None,
    ledger_us: int | None = None,
) -> SubjectPass:
    """Everything an explanation needs for one subject, sharing one countable frame
    (``ledger_us``: the ledger position, default ``as_of_us``).

    The same :func:`countable_events` and aggregates as :func:`compute_features` (batch),
    collected once instead of three times (features, provenance, digest). One subject's
    aggregates are a ``select`` over its rows (batch: a ``group_by``; one group is the
    same values, see :func:`_subject_features`), and each event's key hash rides in the
    countable plan (the digest's input, batch's ``with_ids``).
    """
    df = to_frame(events)
    if not (df.get_column("subject") == subject).all():  # a reader's frame holds one subject
        df = df.filter(pl.col("subject") == subject)
    # the policy's expressions are built once and read the time from a column
    ex = _Exprs.for_policy(policy)
    lf = df.lazy().with_columns(pl.lit(as_of_us, dtype=pl.Int64).alias(AS_OF), key_hash())
    rows = _run(_countable(lf, ex, as_of_us, exclusions, True, ledger_us))
    feats = _run(_subject_features(rows, subject, ex, external))
    timely = rows.get_column(TIMELY)
    return SubjectPass(
        FeatureFrame(as_of_us, feats),
        _provenance_of(rows, policy),
        rows,
        []
        if timely.all()
        else rows.filter(~pl.col(TIMELY))
        .select("event_id", "type", "source", "occurred_at_us", "known_at_us")
        .to_dicts(),
    )


def _run(lf: pl.LazyFrame) -> pl.DataFrame:
    """Collect a plan over a few hundred rows: as written (planning costs more than it
    saves), on the in-memory engine (the streaming one's set-up is most of a small
    query's time), from the caller's thread (``collect_all`` would start it on a pool
    thread: fewer thread wake-ups, but on a loaded machine the caller then waits for
    that thread to get a core, which tripled the median latency)."""
    return lf.collect(engine="in-memory", optimizations=pl.QueryOptFlags.none())


def _subject_features(
    rows: pl.DataFrame, subject: str, ex: _Exprs, external: pl.DataFrame | None
) -> pl.LazyFrame:
    """:func:`_features_of` for one subject: its aggregates over all of ``rows``.

    ``rows`` hold only this subject's events, so batch's ``group_by`` has one group (or
    none): a ``select`` of the same aggregates gives the same values with no group,
    join or sort. With no countable event the ``select`` still gives one row, where
    batch's left join gives nulls: counts and sums are 0 instead of null and every
    finishing expression fills those nulls with 0, the rest (max, min, months since,
    last negative) is null either way. External values come from ``external``'s row
    of the subject, as batch's join.
    """
    have = _external_row(external, subject, ex.ext_names)
    return (
        rows.lazy()
        .select(
            pl.lit(subject, dtype=pl.String).alias("subject"),
            *ex.aggs,
            *[pl.lit(have.get(n), dtype=pl.Float64).alias(n) for n in ex.ext_names],
        )
        .pipe(_finished, ex)
    )


def _finished(lf: pl.LazyFrame, ex: _Exprs) -> pl.LazyFrame:
    for layer in ex.finishes:
        lf = lf.with_columns(layer)
    return lf.select(["subject", *ex.out])


def _external_row(
    external: pl.DataFrame | None, subject: str, names: list[str]
) -> dict[str, float | None]:
    """The subject's external values (a missing row or column: None), as Python floats."""
    if not names or external is None or external.height == 0:
        return {}
    subjects = external.get_column("subject").to_list()
    if subject not in subjects:
        return {}
    i = subjects.index(subject)
    out: dict[str, float | None] = {}
    for n in names:
        if n in external.columns:
            v = external.get_column(n)[i]
            out[n] = None if v is None else float(v)
    return out
