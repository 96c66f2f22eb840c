"""From the ledger to the policy: a point-in-time training set, and deploying a learned table.

``build_dataset`` writes one row per (subject, labelled date ``t``): the policy's
features as the ledger knew them at ``t`` on both clocks (an event counts only if it
occurred by ``t`` *and* was known to the ledger by ``t``: ``known_at``/``recorded_at``;
snapshots only as they were made by ``t``), and the label: whether an outcome event
occurred in the following window. ``deploy_model`` writes a policy whose points table is
a learned one, refuses (or rescales, by a stated rule) a table whose scores would leave
350..950, and scores the ledger with it, so every change notice names the new table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context, parse_time
from glasscredit.app._scoring import rescore_report, score_run_view
from glasscredit.app._scoring_views import ScoreRun
from glasscredit.exceptions import FieldError, PolicyError, ValidationError
from glasscredit.features import compute_features
from glasscredit.policy import SCORE_MAX, SCORE_MIN, Policy, iso, parse_duration, policy_from_dict
from glasscredit.scoring import Scorer

__all__ = ["DEFAULT_OUTCOMES", "Deployment", "TrainingSet", "build_dataset", "deploy_model"]

#: outcome events that make a row bad unless told otherwise: a default, a missed bill
DEFAULT_OUTCOMES = ("loan.defaulted", "bill.missed")


class TrainingSet(AppModel):
    """What ``build_dataset`` wrote: rows, outcome rate, the dates and the rule."""

    path: str
    rows: int
    bad: int
    bad_rate: float
    dates: list[str]
    features: list[str]
    outcomes: list[str]
    window: str
    known_by: str


class Deployment(AppModel):
    """A learned table put into force: the policy written, its range, and the scoring run."""

    policy_path: str
    policy_hash: str
    table_hash: str
    table_source: str
    min_score: int
    max_score: int
    #: the rescaling applied (``factor``, ``shift``), None when the table fitted as learned
    rescaled: dict[str, float] | None
    #: tiers no attainable score reaches (the table cannot put anyone there)
    unreachable_tiers: list[str]
    scores: ScoreRun | None


def _outcome_types(policy: Policy, outcomes: Sequence[str]) -> list[str]:
    errors = []
    for t in outcomes:
        if t not in policy.event_types:
            errors.append(FieldError("outcomes", "unknown_type", f"{t!r} is not declared"))
        elif policy.event_types[t].polarity != "negative":
            errors.append(
                FieldError(
                    "outcomes",
                    "negative_outcome",
                    f"{t!r} is {policy.event_types[t].polarity}: an outcome is a negative event",
                )
            )
    if not outcomes:
        errors.append(FieldError("outcomes", "required", "name at least one outcome type"))
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(outcomes))


def _rows(at: Sequence[str], applications: str | None) -> dict[int, list[str] | None]:
    """Labelled date -> the subjects to label (None: everyone the ledger knew then)."""
    out: dict[int, list[str] | None] = {parse_time(t, "at"): None for t in at}
    if applications is not None:
        from glasscredit.app._model import read_table

        apps = read_table(applications)
        missing = [c for c in ("subject", "as_of") if c not in apps.columns]
        if missing:
            raise ValidationError(
                [
                    FieldError(f"{applications}.{c}", "column_present", "no such column")
                    for c in missing
                ]
            )
        for subject, when in apps.select("subject", "as_of").iter_rows():
            t = parse_time(str(when), "applications.as_of")
            listed = out.setdefault(t, [])
            if listed is not None:
                listed.append(str(subject))
    if not out:
        raise ValidationError(
            [FieldError("at", "required", "give a labelled date (--at) or an applications file")]
        )
    return out


def _features_at(
    scorer: Scorer, events: pl.DataFrame, t: int, known: int, subjects: list[str] | None
) -> pl.DataFrame:
    """The policy's features as the ledger knew them at ``t``: an event counts when it
    occurred by ``t`` and the ledger knew it by ``t`` (``known_at``: when it arrived, or
    an approved backfill's date), among the events recorded by ``known``; snapshots
    (trust, reports) only as made by ``t``. ``subjects`` None: everyone known by ``t``."""
    policy = scorer.policy
    if subjects is None:
        knew = events.filter((pl.col("known_at_us") <= t) & (pl.col("occurred_at_us") <= t))
        who = sorted(knew.get_column("subject").unique().to_list())
    else:
        who = sorted(set(subjects))
    ff = compute_features(
        events,
        policy,
        t,
        exclusions=scorer.exclusions(None),
        external=scorer.external(t, None, made_by_us=t),
        subjects=who,
        ledger_us=known,
    )
    names = [f.name for f in policy.features]
    return ff.frame.select("subject", *names).with_columns(pl.lit(t, pl.Int64).alias("as_of_us"))


def build_dataset(
    ctx: Context,
    *,
    out: Path,
    at: Sequence[str] = (),
    applications: str | None = None,
    window: str = "12mo",
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    known_by: str | None = None,
) -> TrainingSet:
    """Write the point-in-time training set to OUT (Parquet).

    ``at``: labelled dates (every subject the ledger knew by each); ``applications``: a
    CSV/Parquet of ``subject``, ``as_of`` rows instead or as well. The label is 1 when an
    ``outcomes`` event occurred in ``(t, t + window]`` and is known by ``known_by``
    (default now); a date whose window has not ended by then is refused, not guessed.
    """
    if out.suffix not in (".parquet", ".pq"):
        raise ValidationError([FieldError("out", "parquet", f"{out.name}: write a .parquet file")])
    try:
        window_us = parse_duration(window)
    except ValueError as exc:
        raise ValidationError([FieldError("window", "duration", str(exc))]) from exc
    types = _outcome_types(ctx.policy, outcomes)
    known = ctx.now() if known_by is None else parse_time(known_by, "known_by")
    rows = _rows(at, applications)
    late = [t for t in rows if t + window_us > known]
    if late:
        raise ValidationError(
            [
                FieldError(
                    "at",
                    "window_elapsed",
                    f"{iso(t)} + {window} ends after {iso(known)}: its outcome is not known yet",
                )
                for t in sorted(late)
            ]
        )
    scorer = ctx.scorer
    everything = scorer.events(None, known)
    frames = [_features_at(scorer, everything, t, known, who) for t, who in sorted(rows.items())]
    feats = pl.concat(frames, how="vertical_relaxed")
    outcome_events = everything.filter(pl.col("type").is_in(types)).select(
        "subject", "source", "event_id", "occurred_at_us"
    )
    from glasscredit.model import label_outcomes

    bad = label_outcomes(feats, outcome_events, scorer.exclusions(None), window_us, known)
    table = feats.with_columns(
        bad,
        pl.from_epoch("as_of_us", time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("as_of"),
    )
    names = [f.name for f in ctx.policy.features]
    table = table.select("subject", "as_of", *names, "bad")
    table.write_parquet(out)
    n_bad = int(table.get_column("bad").sum())
    return TrainingSet(
        path=str(out),
        rows=table.height,
        bad=n_bad,
        bad_rate=n_bad / table.height if table.height else 0.0,
        dates=[iso(t) for t in sorted(rows)],
        features=names,
        outcomes=types,
        window=window,
        known_by=iso(known),
    )


def _check_table_fits(policy: Policy, model: Path) -> None:
    from glasscredit.model import load_model

    table = load_model(model).table
    declared = {f.name for f in policy.features}
    errors = [
        FieldError(
            f"points.features.{name}",
            "unknown_feature",
            "the model reads a column the policy does not compute (train on the output of "
            "`glasscredit model dataset`)",
        )
        for name in table.features
        if name not in declared
    ]
    errors += [
        FieldError(
            f"points.features.{name}",
            "numeric_feature",
            "the policy's features are numbers; the model bins this one as categories",
        )
        for name, fp in table.features.items()
        if fp.kind != "numeric" and name in declared
    ]
    if errors:
        raise PolicyError("the model cannot be deployed in this policy", errors)


def deploy_model(
    ctx: Context,
    model: Path,
    *,
    out: Path,
    rescale: bool = False,
    score: bool = True,
) -> Deployment:
    """Write ctx's policy with MODEL's points table to OUT, and score the ledger with it.

    A table whose attainable scores leave 350..950 is refused (``score_range``) unless
    ``rescale``: then :func:`~glasscredit.model.rescale_table`'s rule is applied and
    recorded. The scoring run stores every subject's score as of now under the new
    policy; each changed score's notice names the learned table as its cause.
    """
    from glasscredit.model import load_model, rescale_table

    _check_table_fits(ctx.policy, model)
    m = load_model(model)
    digest = m.table.hash[:12]
    table = m.table.model_copy(update={"source": f"glasscredit.model:{digest}"})
    lo, hi = table.min_total, table.max_total
    applied: dict[str, float] | None = None
    if lo < SCORE_MIN or hi > SCORE_MAX:
        if not rescale:
            raise PolicyError(
                "the learned table does not fit the score range",
                [
                    FieldError(
                        "points",
                        "score_range",
                        f"attainable scores {lo}..{hi} leave {SCORE_MIN}..{SCORE_MAX}; "
                        "deploy with --rescale to map them inside by the stated rule, or "
                        "retrain with --score-range",
                    )
                ],
            )
        table, applied = rescale_table(table, SCORE_MIN, SCORE_MAX)
    doc = ctx.policy.model_dump(mode="json", by_alias=True)
    doc["points"] = table.model_dump(mode="json")
    policy = policy_from_dict(doc)  # every policy check again, the range included
    out.write_text(policy.to_json() + "\n")
    assert policy.points is not None
    reach = (policy.points.min_total, policy.points.max_total)
    unreachable = [t.name for t in policy.tiers if t.max < reach[0] or t.min > reach[1]]
    run = None
    if score:
        deployed = Context(ctx.settings.overridden(policy=out), policy, ctx.clock)
        try:
            now = deployed.now()
            run = score_run_view(deployed, rescore_report(deployed, now, computed_at_us=now))
        finally:
            deployed.close()
    return Deployment(
        policy_path=str(out),
        policy_hash=policy.hash,
        table_hash=policy.points.hash,
        table_source=policy.points.source,
        min_score=reach[0],
        max_score=reach[1],
        rescaled=applied,
        unreachable_tiers=unreachable,
        scores=run,
    )
