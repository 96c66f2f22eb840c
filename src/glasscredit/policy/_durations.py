"""Durations and timestamps as exact integers.

Time in glasscredit is int64 microseconds since the Unix epoch, UTC: exact, the same in
SQLite, PostgreSQL, Arrow and Spark. A month is the mean Gregorian month
(30.436875 days = 2,629,746 s) and a year 365.2425 days (31,556,952 s), so windows like
``24mo`` and retention like ``7y`` are exact integers of microseconds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = [
    "DAY_US",
    "MONTH_US",
    "YEAR_US",
    "DurationError",
    "format_duration",
    "from_us",
    "iso",
    "parse_duration",
    "parse_timestamp",
    "to_us",
]

SECOND_US = 1_000_000
DAY_US = 86_400 * SECOND_US
MONTH_US = 2_629_746 * SECOND_US
YEAR_US = 31_556_952 * SECOND_US

_UNITS = {
    "s": SECOND_US,
    "min": 60 * SECOND_US,
    "h": 3_600 * SECOND_US,
    "d": DAY_US,
    "w": 7 * DAY_US,
    "mo": MONTH_US,
    "y": YEAR_US,
}
# re.ASCII: \d would also match fullwidth and other scripts' digits
_DURATION = re.compile(r"^\s*(\d+)\s*(s|min|h|d|w|mo|y)\s*$", re.ASCII)
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


class DurationError(ValueError):
    """A duration that does not parse; ``rule`` names it in a policy's error report."""

    rule = "duration"


def parse_duration(text: str | int) -> int:
    """``'24mo'``, ``'90d'``, ``'7y'``, ``'12h'`` or ``'2w'`` to microseconds."""
    if isinstance(text, int):
        return text
    m = _DURATION.match(text)
    if not m:
        raise DurationError(f"{text!r} is not a duration like '90d', '24mo' or '7y'")
    return int(m.group(1)) * _UNITS[m.group(2)]


def format_duration(us: int) -> str:
    for unit in ("y", "mo", "w", "d", "h", "min", "s"):
        if us % _UNITS[unit] == 0 and us >= _UNITS[unit]:
            return f"{us // _UNITS[unit]}{unit}"
    return f"{us}us"


def to_us(dt: datetime) -> int:
    """Aware datetime to epoch microseconds; naive datetimes are refused, not guessed."""
    if dt.tzinfo is None:
        raise ValueError("timestamp has no time zone (RFC 3339 needs 'Z' or an offset)")
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * SECOND_US + delta.microseconds


def from_us(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def iso(us: int) -> str:
    """Epoch microseconds as RFC 3339 in UTC with a ``Z`` (what :func:`parse_timestamp` reads)."""
    return from_us(us).isoformat().replace("+00:00", "Z")


def parse_timestamp(text: str) -> int:
    """RFC 3339 text (with 'Z' or an offset) to epoch microseconds."""
    if not isinstance(text, str) or not _RFC3339.match(text):
        raise ValueError("not an RFC 3339 timestamp with a time zone, e.g. 2026-03-02T10:00:00Z")
    norm = text.replace("z", "Z").replace("Z", "+00:00").replace("t", "T").replace(" ", "T")
    frac = re.search(r"\.(\d+)", norm)
    if frac and len(frac.group(1)) > 6:  # Python parses at most microseconds
        norm = norm.replace(frac.group(0), "." + frac.group(1)[:6])
    try:
        return to_us(datetime.fromisoformat(norm))
    except ValueError as exc:
        raise ValueError(f"not a valid date or time: {exc}") from exc
