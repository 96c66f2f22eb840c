"""Hand-built ledgers for the source accountability tests: events by days before ``T``."""

from __future__ import annotations

from typing import Any

import polars as pl

from glasscredit.policy import DAY_US, Policy, default_policy, parse_timestamp, policy_from_dict

T = parse_timestamp("2026-09-01T00:00:00Z")

#: small thresholds, so that a case of a few dozen events can raise each flag
SETTINGS: dict[str, Any] = {
    "window": "30d",
    "baseline": "90d",
    "history": "730d",
    "min_events": 5,
    "min_subjects": 3,
    "evidence": 5,
}


def book_policy(**settings: Any) -> Policy:
    """The default policy, a cooperative bank, and two lenders run by one operator (acme)."""
    raw = default_policy().model_dump(mode="json", by_alias=True)
    bank_types = raw["sources"]["bank"]["types"]
    raw["sources"]["coop"] = {"types": bank_types}
    raw["sources"]["lender"] = {"types": bank_types, "group": "acme"}
    raw["sources"]["lender_app"] = {"types": bank_types, "group": "acme"}
    raw["settings"] = {"sources": {**SETTINGS, **settings}}
    return policy_from_dict(raw)


class Book:
    """Events by (subject, source, type, days before T), recorded when they happen."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, subject: str, source: str, type_: str, days_ago: float) -> str:
        eid = f"{source}-{len(self.rows)}"
        self.rows.append(
            {
                "event_id": eid,
                "subject": subject,
                "source": source,
                "type": type_,
                "known_at_us": T - int(days_ago * DAY_US),
            }
        )
        return eid

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            self.rows,
            schema={
                "event_id": pl.String,
                "subject": pl.String,
                "source": pl.String,
                "type": pl.String,
                "known_at_us": pl.Int64,
            },
        )


def honest_bank(book: Book, subjects: int = 10, days: int = 120, every: int = 3) -> None:
    """A steady bank: old customers (known for years, with rentals too), paying regularly."""
    for i in range(subjects):
        s = f"c{i:03d}"
        book.add(s, "bank", "account.opened", 1000 + i)
        book.add(s, "rentals", "rental.returned", 500 + i)
        for d in range(i % every, days, every):
            book.add(s, "bank", "payment.on_time", d + 0.5)
