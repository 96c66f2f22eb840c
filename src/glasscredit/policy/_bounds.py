"""Values that load but would break something later, refused when the policy loads.

A duration that does not parse (``clock_skew: forever``), a window of zero or of a
thousand years (beyond int64 microseconds once added to a timestamp), a negative cap,
an attribute size limit below one byte: each is refused here with its field and rule,
so that no ingest, score or export meets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glasscredit.exceptions import FieldError
from glasscredit.policy._durations import DAY_US, YEAR_US, parse_duration, parse_timestamp

if TYPE_CHECKING:
    from glasscredit.policy._policy import Policy

__all__ = ["MAX_CLOCK_SKEW_US", "MAX_DURATION_US", "bounds_errors"]

MAX_DURATION_US = 100 * YEAR_US  # windows and retention: a century is already forever
MAX_CLOCK_SKEW_US = DAY_US  # a wider allowance lets a sender date events into the future
ATTRIBUTE_BYTES = (64, 65_536)
MAX_PER_PERIOD = 1_000_000
MAX_LINE_BYTES = 16 << 20


def _duration(
    errors: list[FieldError], field: str, text: str, *, zero_ok: bool = False, most: int
) -> None:
    try:
        us = parse_duration(text)
    except ValueError as exc:
        errors.append(FieldError(field, "duration", str(exc)))
        return
    if us == 0 and not zero_ok:
        errors.append(FieldError(field, "positive", "must be longer than zero"))
    elif us > most:
        errors.append(FieldError(field, "range", f"{text!r} is longer than the limit here"))


def _ingest_limits(p: Policy) -> list[FieldError]:
    errors = []
    if not 1024 <= p.ingest.max_line_bytes <= MAX_LINE_BYTES:
        errors.append(
            FieldError(
                "ingest.max_line_bytes", "range", f"must be between 1024 and {MAX_LINE_BYTES}"
            )
        )
    if p.ingest.max_file_bytes < 1024:
        errors.append(FieldError("ingest.max_file_bytes", "range", "must be at least 1024"))
    try:
        parse_timestamp(p.ingest.earliest)
    except ValueError as exc:
        errors.append(FieldError("ingest.earliest", "timestamp", str(exc)))
    return errors


def bounds_errors(p: Policy) -> list[FieldError]:
    """Every value of ``p`` that parses but is out of the range glasscredit can honour."""
    errors: list[FieldError] = []
    longest = MAX_DURATION_US
    for name in ("negative", "positive", "neutral"):
        _duration(errors, f"retention.{name}", getattr(p.retention, name), most=longest)
    for t, et in p.event_types.items():
        if et.retention is not None:
            _duration(errors, f"event_types.{t}.retention", et.retention, most=longest)
    _duration(errors, "disputes.deadline", p.disputes.deadline, most=YEAR_US)
    _duration(errors, "disputes.extension", p.disputes.extension, zero_ok=True, most=YEAR_US)
    _duration(errors, "disputes.review_deadline", p.disputes.review_deadline, most=YEAR_US)
    unfounded = p.disputes.repeated_unfounded
    if unfounded is not None:
        where = "disputes.repeated_unfounded"
        _duration(errors, f"{where}.within", unfounded.within, most=10 * YEAR_US)
        _duration(errors, f"{where}.lose_freeze_for", unfounded.lose_freeze_for, most=10 * YEAR_US)
    _duration(
        errors, "ingest.clock_skew", p.ingest.clock_skew, zero_ok=True, most=MAX_CLOCK_SKEW_US
    )
    lo, hi = ATTRIBUTE_BYTES
    if not lo <= p.ingest.max_attributes_bytes <= hi:
        errors.append(
            FieldError(
                "ingest.max_attributes_bytes", "range", f"must be between {lo} and {hi} bytes"
            )
        )
    errors.extend(_ingest_limits(p))
    for f in p.features:
        where = f"features.{f.name}"
        if f.window is not None:
            _duration(errors, f"{where}.window", f.window, most=longest)
        if f.cap is not None and f.cap < 0:
            errors.append(FieldError(f"{where}.cap", "range", "a cap is zero or more"))
        if f.max_per_period is not None:
            period = f.max_per_period.period
            _duration(errors, f"{where}.max_per_period.period", period, most=longest)
            if f.max_per_period.max > MAX_PER_PERIOD:
                errors.append(
                    FieldError(
                        f"{where}.max_per_period.max", "range", f"at most {MAX_PER_PERIOD:,}"
                    )
                )
    for action in p.whatif_actions:
        spec = p.event_types.get(action.type)
        for k, v in action.attributes.items():
            a = spec.attributes.get(k) if spec is not None else None
            problem = a.check(v) if a is not None else None  # undeclared: _check_actions
            if problem is not None:
                where = f"whatif_actions.{action.name}.attributes.{k}"
                errors.append(FieldError(where, problem[0], f"{v!r} {problem[1]}"))
    for perk in p.perks:
        where = f"perks.{perk.name}"
        if perk.no_negative_within is not None:
            within = perk.no_negative_within
            _duration(errors, f"{where}.no_negative_within", within, most=longest)
        for d, pct in perk.min_dimension_percent.items():
            if not 0 <= pct <= 100:
                field = f"{where}.min_dimension_percent.{d}"
                errors.append(FieldError(field, "range", "a percentage, 0 to 100"))
    return errors
