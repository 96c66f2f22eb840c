"""Validate one raw event against the policy: every broken rule, named.

It checks plain dicts by hand instead of building a pydantic model per event; the rules
are the policy's, the messages name field and rule. Files take a columnar fast path
(:mod:`glasscredit.policy._validate_columns`) that certifies what it can and hands every
other row to this validator, which stays the one source of refusals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glasscredit.canonical import IDENTIFIER_RE, canonical_json, field_digest
from glasscredit.exceptions import FieldError
from glasscredit.policy._clocks import BackfillWindow
from glasscredit.policy._durations import format_duration, iso, parse_duration, parse_timestamp
from glasscredit.policy._events import MAX_ABS_NUMBER, SUBJECT_PATTERN
from glasscredit.policy._policy import Policy

__all__ = ["EVENT_FIELDS", "EventValidator", "ValidEvent", "content_hash"]

EVENT_FIELDS = ("event_id", "subject", "source", "type", "occurred_at", "attributes")
EVENT_ID_PATTERN = IDENTIFIER_RE


@dataclass(frozen=True, slots=True)
class ValidEvent:
    """An event that passed every rule, in its canonical stored form."""

    event_id: str
    subject: str
    source: str
    type: str
    occurred_at_us: int
    attributes_json: str  # canonical: sorted keys, no spaces
    content_hash: str

    @property
    def attributes(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.attributes_json)
        return result


def content_hash(
    event_id: str, subject: str, source: str, type_: str, occurred_at_us: int, attributes_json: str
) -> str:
    """The identity of an event's content: same id + same hash = the same event."""
    return field_digest(event_id, subject, source, type_, occurred_at_us, attributes_json)


class EventValidator:
    """Checks raw events against a policy as of an ingest time ``now_us``.

    ``now_us`` is the ledger's acceptance time, passed in (nothing here reads a clock);
    events that occur after ``now_us`` plus the policy's clock-skew allowance are refused,
    and so are events dated further back than the policy lets their source date their
    type (``backdated``). ``backfill``: the events are loaded into that approved
    backfill instead: only its source, dated within its range (no backdating bound).
    """

    def __init__(self, policy: Policy, now_us: int, backfill: BackfillWindow | None = None) -> None:
        self.policy = policy
        self.now_us = now_us
        self.backfill = backfill
        self._backdate = policy.backdate_bounds_us()
        self.latest_us = now_us + parse_duration(policy.ingest.clock_skew)
        self.earliest_us = parse_timestamp(policy.ingest.earliest)
        self._allowed = {s: frozenset(spec.types) for s, spec in policy.sources.items()}
        self._max_bytes = policy.ingest.max_attributes_bytes

    def validate(self, raw: object, row: int | None = None) -> ValidEvent | list[FieldError]:
        if not isinstance(raw, Mapping):
            return [FieldError("(event)", "object", "an event must be a JSON object", row)]
        errors: list[FieldError] = []

        def err(field: str, rule: str, message: str) -> None:
            errors.append(FieldError(field, rule, message, row))

        for k in raw:
            if k not in EVENT_FIELDS:
                err(str(k), "unknown_field", f"unknown field; allowed: {', '.join(EVENT_FIELDS)}")
        for k in EVENT_FIELDS:
            if k not in raw or raw[k] is None:
                err(k, "required", "is required")
        event_id = raw.get("event_id")
        if event_id is not None and (
            not isinstance(event_id, str) or not EVENT_ID_PATTERN.fullmatch(event_id)
        ):
            err("event_id", "event_id", "must be an id of A-Z a-z 0-9 . _ : / # -, max 128")
        subject = raw.get("subject")
        if subject is not None and (
            not isinstance(subject, str) or not SUBJECT_PATTERN.fullmatch(subject)
        ):
            err(
                "subject",
                "subject_id",
                "must be an opaque subject id (A-Z a-z 0-9 . _ : -, max 64), never a name",
            )
        source = raw.get("source")
        type_ = raw.get("type")
        spec = None
        if source is not None and (not isinstance(source, str) or source not in self._allowed):
            err("source", "unknown_source", "is not a source declared in the policy")
            source = None
        if type_ is not None:
            if not isinstance(type_, str) or type_ not in self.policy.event_types:
                err("type", "unknown_type", "is not an event type declared in the policy")
            else:
                spec = self.policy.event_types[type_]
                if isinstance(source, str) and type_ not in self._allowed[source]:
                    err("type", "source_not_allowed", f"source {source!r} may not report {type_!r}")
        occurred = raw.get("occurred_at")
        occurred_us = 0
        if occurred is not None:
            try:
                occurred_us = parse_timestamp(occurred)
            except ValueError as exc:
                err("occurred_at", "timestamp", str(exc))
            else:
                if occurred_us > self.latest_us:
                    err(
                        "occurred_at",
                        "future",
                        "is in the future (beyond the clock-skew "
                        f"allowance of {self.policy.ingest.clock_skew})",
                    )
                elif occurred_us < self.earliest_us:
                    err(
                        "occurred_at",
                        "too_early",
                        f"is before the policy's earliest date ({self.policy.ingest.earliest})",
                    )
                else:
                    self._dating(err, source, type_, occurred_us)
        attrs = raw.get("attributes")
        if attrs is not None and not isinstance(attrs, Mapping):
            err("attributes", "object", "must be a JSON object")
        elif isinstance(attrs, Mapping) and spec is not None:
            for name in attrs:
                if name not in spec.attributes:
                    err(
                        f"attributes.{name}",
                        "unknown_attribute",
                        f"{type_!r} has no attribute {name!r} (closed schema)",
                    )
            for name, aspec in spec.attributes.items():
                value = attrs.get(name)
                if value is None:
                    if aspec.required:
                        err(f"attributes.{name}", "required", "is required")
                    continue
                try:
                    problem = aspec.check(value)
                except OverflowError:  # an integer too large even for a float
                    problem = ("range", f"must be within ±{MAX_ABS_NUMBER:g}")
                if problem is not None:
                    err(f"attributes.{name}", problem[0], problem[1])
                elif aspec.type == "subject" and value == subject:
                    err(
                        f"attributes.{name}",
                        "self_reference",
                        "a subject cannot vouch for or report themselves",
                    )
        if errors:
            return errors
        assert isinstance(attrs, Mapping) and spec is not None
        clean = {
            k: _normalise(v, spec.attributes[k].type) for k, v in attrs.items() if v is not None
        }
        attributes_json = canonical_json(clean)
        if len(attributes_json.encode()) > self._max_bytes:
            return [FieldError("attributes", "size", f"larger than {self._max_bytes} bytes", row)]
        eid, subj, src, typ = str(event_id), str(subject), str(source), str(type_)
        return ValidEvent(
            eid,
            subj,
            src,
            typ,
            occurred_us,
            attributes_json,
            content_hash(eid, subj, src, typ, occurred_us, attributes_json),
        )

    def _dating(self, err: Any, source: object, type_: object, occurred_us: int) -> None:
        """The clocks' rules: the backdating bound, or the backfill's source and range."""
        bf = self.backfill
        if bf is not None:
            if isinstance(source, str) and source != bf.source:
                err(
                    "source",
                    "backfill_source",
                    f"backfill {bf.backfill_id} was approved for source {bf.source!r} only",
                )
            if not bf.occurred_from_us <= occurred_us <= bf.occurred_to_us:
                err(
                    "occurred_at",
                    "backfill_range",
                    f"is outside backfill {bf.backfill_id}'s approved range "
                    f"({iso(bf.occurred_from_us)} to {iso(bf.occurred_to_us)})",
                )
            return
        bound = self._backdate.get((str(source), str(type_)))
        if bound is not None and occurred_us < self.now_us - bound:
            err(
                "occurred_at",
                "backdated",
                f"is dated more than {format_duration(bound)} before it reached the ledger, "
                f"the most {source!r} may backdate {type_!r}; older history needs an "
                "approved backfill (glasscredit backfill approve, then ingest --backfill ID)",
            )


def _normalise(value: Any, type_: str) -> Any:
    if type_ == "integer":
        return int(value)
    if type_ == "number":
        x = float(value)
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    return value
