"""What-if and the path to the next tier, computed with the same kernel and table.

* :func:`whatif` recomputes a subject's score with hypothetical future events (run
  through the real kernel, so windows, caps and expiry apply) and/or feature values set
  by hand (ratios follow their inputs).
* :func:`path_to_next_tier` searches the smallest set of realistic changes that reaches
  the next tier: more of the events a feature rewards ("lever: more"), or waiting until
  negative records leave their window ("lever: wait", found by recomputing the score at
  the dates records expire, so positive records expiring meanwhile are counted too).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.features import compute_features, feature_provenance, subject_pass
from glasscredit.policy import MONTH_US, YEAR_US, EventValidator, FeatureSpec, iso, parse_duration
from glasscredit.scoring._engine import Scorer
from glasscredit.scoring._explain import Explanation, explain_row
from glasscredit.store import EVENT_FRAME_SCHEMA

__all__ = ["Move", "monthly_events", "path_to_next_tier", "whatif"]


def monthly_events(
    subject: str, type_: str, source: str, start_us: int, months: int, attributes: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Hypothetical events, one a month after ``start_us`` (e.g. pay on time for 6 months)."""
    return [
        {
            "event_id": f"whatif-{type_}-{i}",
            "subject": subject,
            "source": source,
            "type": type_,
            "occurred_at": iso(start_us + (i + 1) * MONTH_US),
            "attributes": dict(attributes),
        }
        for i in range(months)
    ]


def _hypothetical_frame(
    scorer: Scorer, subject: str, add_events: list[dict[str, Any]], latest_us: int
) -> pl.DataFrame:
    # hypothetical events lie in the future by design: no clock-skew limit applies, and
    # so no backdating bound either (it is relative to an arrival they never have)
    p = scorer.policy
    unbounded = p.model_copy(
        update={"ingest": p.ingest.model_copy(update={"max_backdate": None, "backdate": []})}
    )
    validator = EventValidator(unbounded, latest_us + 100 * YEAR_US)
    rows = []
    errors: list[FieldError] = []
    for i, raw in enumerate(add_events, start=1):
        res = validator.validate(raw, i)
        if isinstance(res, list):
            errors.extend(res)
            continue
        if res.subject != subject:
            errors.append(
                FieldError(
                    "subject", "own_events", "hypothetical events must be about the subject", i
                )
            )
            continue
        rows.append(
            {
                "seq": 2**62 + i,
                "event_id": res.event_id,
                "subject": res.subject,
                "source": res.source,
                "type": res.type,
                "occurred_at_us": res.occurred_at_us,
                "recorded_at_us": res.occurred_at_us,
                "known_at_us": res.occurred_at_us,
                "attributes": res.attributes_json,
            }
        )
    if errors:
        raise ValidationError(errors)
    return pl.DataFrame(
        rows,
        schema=EVENT_FRAME_SCHEMA,
    )


def _rederive(scorer: Scorer, values: dict[str, float | None], fixed: set[str]) -> None:
    """Apply ``min_sources`` limits, then recompute ratios from their (possibly changed)
    inputs, in policy order, as the kernel does: a move cannot lift a feature that too
    few independent sources limit."""
    for f in scorer.policy.features:
        ms = f.min_sources
        v = values.get(f.name)
        if ms is None or f.name in fixed or v is None:
            continue
        if (values.get(ms.feature) or 0.0) < ms.min:
            values[f.name] = min(v, ms.cap)
    for f in scorer.policy.features:
        if f.agg != "ratio" or f.name in fixed:
            continue
        assert f.numerator and f.denominator
        num, den = values.get(f.numerator), values.get(f.denominator)
        if num is None or den is None:
            values[f.name] = None
            continue
        denom = num + den if f.share else den
        v = num / denom if denom > 0 else None
        values[f.name] = min(v, f.cap) if (v is not None and f.cap is not None) else v


def _explain_values(
    scorer: Scorer,
    subject: str,
    as_of_us: int,
    values: dict[str, float | None],
    prov: dict[str, list[dict[str, Any]]],
) -> Explanation:
    return explain_row(scorer.policy, scorer.table, subject, as_of_us, values, prov)


def whatif(
    scorer: Scorer,
    subject: str,
    as_of_us: int,
    *,
    add_events: list[dict[str, Any]] | None = None,
    set_values: Mapping[str, float | None] | None = None,
    horizon: str | None = None,
) -> dict[str, Any]:
    """The score now and under the hypothesis, with per-feature differences."""
    before = scorer.explain(subject, as_of_us)
    at = as_of_us + (parse_duration(horizon) if horizon else 0)
    extra = add_events or []
    ev = scorer.events([subject], as_of_us)
    hyp = _hypothetical_frame(scorer, subject, extra, at) if extra else None
    if hyp is not None and hyp.height:
        at = max(at, int(hyp["occurred_at_us"].max()))  # type: ignore[arg-type]
        ev = pl.concat([ev, hyp])
    excl = scorer.exclusions([subject])
    ext = scorer.external(as_of_us, [subject])
    one = subject_pass(ev, scorer.policy, at, subject, exclusions=excl, external=ext)
    values = one.features.row(subject)
    unknown = [k for k in (set_values or {}) if k not in {f.name for f in scorer.policy.features}]
    if unknown:
        raise ValidationError(
            [
                FieldError(f"set.{k}", "unknown_feature", "no such feature in the policy")
                for k in unknown
            ]
        )
    for k, v in (set_values or {}).items():
        values[k] = v
    _rederive(scorer, values, set(set_values or {}))
    after = _explain_values(scorer, subject, at, values, one.provenance)
    changes = [
        {
            "feature": a.name,
            "old_value": b.value,
            "new_value": a.value,
            "old_points": b.points,
            "new_points": a.points,
            "delta": a.points - b.points,
        }
        for b, a in zip(before.features, after.features, strict=True)
        if a.points != b.points or a.value != b.value
    ]
    return {
        "subject": subject,
        "as_of": iso(as_of_us),
        "hypothesis_at": iso(at),
        "before": {"score": before.score, "tier": before.tier},
        "after": {
            "score": after.score,
            "tier": after.tier,
            "perks": [p["name"] for p in after.perks],
        },
        "delta": after.score - before.score,
        "changes": changes,
    }


@dataclass(frozen=True, slots=True)
class Move:
    """One realistic change: ``feature`` to ``value`` by doing or waiting."""

    feature: str
    value: float | None
    kind: str  # "more" or "wait"
    effort: float  # events to add, or months to wait
    text: str
    wait_months: float = 0.0


def _more_moves(f: FeatureSpec, value: float | None, edges: list[float]) -> list[Move]:
    v = 0.0 if value is None else value
    moves = []
    for e in edges:
        if e <= v:
            continue
        if f.agg in ("count", "distinct_sources"):
            k = math.ceil(e - v)
            if f.cap is not None and v + k > f.cap:
                continue
            months = 0.0
            if f.max_per_period is not None:
                months = math.ceil(k / f.max_per_period.max) * f.max_per_period.period_us / MONTH_US
            noun = "sources" if f.agg == "distinct_sources" else "events"
            moves.append(
                Move(
                    f.name,
                    v + k,
                    "more",
                    float(k),
                    f"{k} more {noun} of {', '.join(f.types)} ({f.name})",
                    months,
                )
            )
        elif f.agg in ("max", "external"):
            moves.append(Move(f.name, e, "more", 1.0, f"raise {f.name} to {e:g}"))
    return moves


def _unseasoned(scorer: Scorer, values: dict[str, float | None], combo: Sequence[Move]) -> bool:
    """Whether a move adds events that would not count yet: a feature whose
    ``min_sources.known_for`` is in force (too few independent sources after the moves)
    counts only what the ledger has known that long, so new events do not lift it."""
    for m in combo:
        ms = scorer.policy.feature(m.feature).min_sources
        if ms is not None and ms.known_for and (values.get(ms.feature) or 0.0) < ms.min:
            return True
    return False


def path_to_next_tier(
    scorer: Scorer, subject: str, as_of_us: int, *, max_moves: int = 3, horizon_years: int = 7
) -> dict[str, Any]:
    """The smallest sets of realistic changes that reach the next tier, best first."""
    now = scorer.explain(subject, as_of_us)
    tiers = sorted(scorer.policy.tiers, key=lambda t: t.min)
    nxt = next((t for t in tiers if t.min > now.score), None)
    base = {"subject": subject, "as_of": iso(as_of_us), "score": now.score, "tier": now.tier}
    if nxt is None:
        return {**base, "next_tier": None, "paths": [], "note": "already in the top tier"}
    values = {ln.name: ln.value for ln in now.features}
    moves: list[Move] = []
    for f in scorer.policy.features:
        if f.lever == "more" and f.name in scorer.table.features:
            moves.extend(_more_moves(f, values.get(f.name), scorer.table.features[f.name].edges))
    waits = _wait_states(scorer, subject, as_of_us, now, horizon_years)
    candidates: list[tuple[tuple[float, ...], dict[str, Any]]] = []
    for n in range(1, max_moves + 1):
        for combo in itertools.combinations(moves, n):
            if len({m.feature for m in combo}) < n:
                continue
            for wait_us, wait_vals in [(0, values), *waits]:
                vals = dict(wait_vals)
                for m in combo:
                    vals[m.feature] = m.value
                if _unseasoned(scorer, vals, combo):
                    continue
                _rederive(scorer, vals, set())
                exp = _explain_values(scorer, subject, as_of_us + wait_us, vals, {})
                if exp.score >= nxt.min:
                    wait_m = max([wait_us / MONTH_US, *(m.wait_months for m in combo)])
                    candidates.append(
                        (
                            (n, round(wait_m, 1), sum(m.effort for m in combo)),
                            {
                                "actions": [m.text for m in combo],
                                "wait_until": iso(as_of_us + wait_us) if wait_us else None,
                                "months": round(wait_m, 1),
                                "score": exp.score,
                                "tier": exp.tier,
                            },
                        )
                    )
                    break
        if candidates:
            break
    for wait_us, wait_vals in waits:  # waiting alone
        exp = _explain_values(scorer, subject, as_of_us + wait_us, dict(wait_vals), {})
        if exp.score >= nxt.min:
            candidates.append(
                (
                    (0.5, round(wait_us / MONTH_US, 1), 0.0),
                    {
                        "actions": [],
                        "wait_until": iso(as_of_us + wait_us),
                        "months": round(wait_us / MONTH_US, 1),
                        "score": exp.score,
                        "tier": exp.tier,
                    },
                )
            )
            break
    candidates.sort(key=lambda c: c[0])
    return {
        **base,
        "next_tier": nxt.name,
        "needs": nxt.min - now.score,
        "paths": [c[1] for c in candidates[:5]],
    }


def _wait_states(
    scorer: Scorer, subject: str, as_of_us: int, now: Explanation, horizon_years: int
) -> list[tuple[int, dict[str, float | None]]]:
    """Feature values at the dates on which counted records leave windows or retention."""
    ev = scorer.events([subject], as_of_us)
    excl = scorer.exclusions([subject])
    ext = scorer.external(as_of_us, [subject])
    prov = feature_provenance(ev, scorer.policy, as_of_us, subject, exclusions=excl)
    times: set[int] = set()
    for f in scorer.policy.features:
        if f.lever != "wait" or not f.is_event_aggregate:
            continue
        for e in prov.get(f.name, []):
            occ = int(str(e["occurred_at_us"]))
            ends = [occ + scorer.policy.retention_us(str(e["type"]))]
            if f.window_us is not None:
                ends.append(occ + f.window_us)
            times.add(min(ends) + 1 - as_of_us)
    limit = horizon_years * 12 * MONTH_US
    out = []
    for dt in sorted(t for t in times if 0 < t <= limit)[:24]:
        ff = compute_features(
            ev, scorer.policy, as_of_us + dt, exclusions=excl, external=ext, subjects=[subject]
        )
        out.append((dt, ff.row(subject)))
    return out
