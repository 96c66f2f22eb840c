"""Outcome labels for a point-in-time training set, and the rescaling rule of a deployment.

A training row is a subject at a labelled date ``t``: its features are what the ledger
knew at ``t`` (computed by the feature kernel on both clocks), its label whether an
outcome event (a default, a missed bill) *occurred* in the following window ``(t, t +
window]``. The outcome is read from what the ledger knows when the set is built, so a
default reported late still labels the row; an outcome under an exclusion active then
(a dispute upheld against the record, a hold) does not count. These are pure functions
over frames; :mod:`glasscredit.app._dataset` reads the ledger.
"""

from __future__ import annotations

import polars as pl

from glasscredit.policy._points import FeaturePoints, PointsTable

__all__ = ["label_outcomes", "rescale_table"]


def label_outcomes(
    rows: pl.DataFrame,
    outcomes: pl.DataFrame,
    exclusions: pl.DataFrame,
    window_us: int,
    known_by_us: int,
) -> pl.Series:
    """1 where the row's subject has a counted outcome in ``(as_of_us, as_of_us + window]``.

    ``rows``: ``subject``, ``as_of_us``. ``outcomes``: ``subject``, ``source``,
    ``event_id``, ``occurred_at_us`` (the outcome events, already of the outcome types and
    known by ``known_by_us``). ``exclusions``: ``event_id``, ``source``, ``from_us``,
    ``until_us`` (None: open); an outcome excluded at ``known_by_us`` does not count.
    The result is aligned with ``rows`` (an Int8 series named ``bad``).
    """
    active = exclusions.filter(
        (pl.col("from_us") <= known_by_us)
        & (pl.col("until_us").is_null() | (pl.col("until_us") > known_by_us))
    ).select("source", "event_id")
    counted = outcomes.join(active, on=["source", "event_id"], how="anti").select(
        "subject", "occurred_at_us"
    )
    keyed = rows.select("subject", "as_of_us").with_row_index("_row")
    hits = (
        keyed.join(counted, on="subject", how="inner")
        .filter(
            (pl.col("occurred_at_us") > pl.col("as_of_us"))
            & (pl.col("occurred_at_us") <= pl.col("as_of_us") + window_us)
        )
        .select("_row")
        .unique()
    )
    flagged = keyed.join(hits.with_columns(pl.lit(1, pl.Int8).alias("_hit")), on="_row", how="left")
    return flagged.sort("_row").get_column("_hit").fill_null(0).cast(pl.Int8).alias("bad")


def rescale_table(table: PointsTable, lo: int, hi: int) -> tuple[PointsTable, dict[str, float]]:
    """The table's points times ``s``, its base shifted, so every attainable score is in
    ``[lo, hi]`` (the stated rule a deployment applies when asked to rescale).

    ``s = min(1, (hi - lo - n) / span)``: ``span`` the table's attainable range and ``n``
    its number of features (one point each for rounding); each bin's points become
    ``round(points * s)`` (half to even), which keeps every feature's order and so the
    order of scores; the base then moves by the smallest shift that brings the range
    inside ``[lo, hi]``. The recorded scaling follows (factor and PDO times ``s``), so
    odds read from a score stay right up to rounding.
    """
    span = table.max_total - table.min_total
    s = min(1.0, (hi - lo - len(table.features)) / max(span, 1))

    def scaled(fp: FeaturePoints) -> FeaturePoints:
        specials = [sp.model_copy(update={"points": round(sp.points * s)}) for sp in fp.specials]
        update: dict[str, object] = {
            "points": [round(p * s) for p in fp.points],
            "missing": round(fp.missing * s),
            "specials": specials,
        }
        if fp.other is not None:
            update["other"] = round(fp.other * s)
        return fp.model_copy(update=update)

    features = {k: scaled(v) for k, v in table.features.items()}
    draft = table.model_copy(update={"features": features})
    shift = max(0, lo - draft.min_total) - max(0, draft.max_total - hi)
    base = table.base + shift
    scaling = None
    if table.scaling:
        sc = dict(table.scaling)
        # new score = s * (old - base) + base + shift
        offset = s * sc["offset"] + base - s * table.base
        sc["factor"] = sc["factor"] * s
        sc["pdo"] = sc["pdo"] * s
        sc["base_score"] = s * sc["base_score"] + base - s * table.base
        sc["offset"] = offset
        scaling = sc
    doc = draft.model_dump(mode="json") | {"base": base, "scaling": scaling}
    return PointsTable.model_validate(doc), {"factor": s, "shift": float(shift)}
