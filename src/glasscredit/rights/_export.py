"""Access export (GDPR Art. 15): everything held about one subject, as JSON.

The export carries what the subject needs to check the operator's arithmetic offline:
the policy and the points table in force (with their hashes), every event with its
exact content hash, the exclusion periods (disputes) and the external values (trust)
used, so :func:`glasscredit.rights.verify_export` recomputes the score from the file
alone. It also carries the status of each event, the current explanation, the stored
score history with change notices, the disputes, and the audit rows about the subject
(found by their pseudonym).

Other people are named only by what the law requires: an attribute that names another
subject (a report's ``reporter``, an endorsement's ``endorser``) is withheld (GDPR Art.
15(4): the right of access must not adversely affect the rights of others); the event
keeps its source, type, time and other attributes, lists the withheld names in
``withheld``, and its content hash is vouched for by the export's signature.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from glasscredit.exceptions import NotFoundError
from glasscredit.features import countable_events
from glasscredit.policy import Policy, iso
from glasscredit.rights._dispute_reads import list_disputes
from glasscredit.scoring import Scorer, correction_text, score_history, score_notices
from glasscredit.store import Dispute, Store

__all__ = ["EXPORT_FORMAT", "WITHHELD", "export_subject"]

EXPORT_FORMAT = "glasscredit-export/1"
#: what an export shows instead of another person's id
WITHHELD = "withheld: another person (GDPR Art. 15(4)); the source is named"


def _other_people(policy: Policy, type_name: str) -> list[str]:
    """The attributes of ``type_name`` that name another subject."""
    spec = policy.event_types.get(type_name)
    if spec is None:
        return []
    return sorted(n for n, a in spec.attributes.items() if a.type == "subject")


def _redacted(policy: Policy, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with every attribute naming another person withheld."""
    names = [n for n in _other_people(policy, event["type"]) if n in event["attributes"]]
    if not names:
        return event
    attrs = {k: (WITHHELD if k in names else v) for k, v in event["attributes"].items()}
    return {**event, "attributes": attrs, "withheld": names}


def _external(scorer: Scorer, subject: str, as_of_us: int) -> dict[str, float] | None:
    ext = scorer.external(as_of_us, [subject])
    if ext is None or ext.height == 0:
        return None
    row = ext.row(0, named=True)
    return {k: float(v) for k, v in row.items() if k != "subject" and v is not None}


def _statuses(
    scorer: Scorer, events: pl.DataFrame, exclusions: list[dict[str, Any]], as_of_us: int
) -> dict[tuple[str, str], str]:
    """(source, event_id) -> whether the event counts now and why not (ids are per source)."""
    counting = set(
        countable_events(
            events, scorer.policy, as_of_us, pl.DataFrame(exclusions, schema=_EXCL_SCHEMA)
        )
        .select("source", "event_id")
        .collect()
        .iter_rows()
    )
    out: dict[tuple[str, str], str] = {}
    for r in events.iter_rows(named=True):
        eid = (r["source"], r["event_id"])
        active = [
            x
            for x in exclusions
            if (x["source"], x["event_id"]) == eid
            and x["from_us"] <= as_of_us
            and (x["until_us"] is None or x["until_us"] > as_of_us)
        ]
        if eid in counting:
            out[eid] = "counts"
        elif active:
            out[eid] = f"does not count: {active[-1]['reason']} {active[-1]['ref']}"
        else:
            ends = r["occurred_at_us"] + scorer.policy.retention_us(r["type"])
            out[eid] = (
                f"does not count: retention ended {iso(ends)}"
                if ends <= as_of_us
                else "does not count: not yet in force"
            )
    return out


def _corrections(ledger: Store, subject: str, disputes: list[Dispute]) -> list[dict[str, Any]]:
    """The corrections the person asked for, each with what became of it in plain words."""
    by_id = {d.dispute_id: d for d in disputes}
    return [
        {**c.as_dict(), "text": correction_text(ledger.policy, by_id[c.dispute_id], c)}
        for c in ledger.corrections.of_subject(subject)
        if c.dispute_id in by_id
    ]


def _versions(corrections: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(source, event_id) -> which version of a corrected record the event is: the
    original names its corrected version (``corrected_by``), the new one the original
    (``corrects``), both with the dispute and when."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for c in corrections:
        if c["status"] != "confirmed" or c["new_event_id"] is None:
            continue
        when = {"dispute_id": c["dispute_id"], "corrected_at": c["answered_at"]}
        out[c["source"], c["event_id"]] = {"corrected_by": c["new_event_id"], **when}
        out[c["source"], c["new_event_id"]] = {"corrects": c["event_id"], **when}
    return out


_EXCL_SCHEMA = {
    "event_id": pl.String,
    "source": pl.String,
    "from_us": pl.Int64,
    "until_us": pl.Int64,
    "reason": pl.String,
    "ref": pl.String,
}


def export_subject(
    ledger: Store, subject: str, *, now_us: int, scorer: Scorer | None = None
) -> dict[str, Any]:
    """Everything held about ``subject`` as of ``now_us``, as a JSON-ready dict."""
    scorer = scorer or Scorer(ledger)
    first_seen = ledger.first_seen(subject)
    tag = ledger.audit.tag_of(subject)
    if first_seen is None or tag is None:
        raise NotFoundError(
            f"subject: {subject!r} is not in the ledger (unknown or erased) [exists]"
        )
    audit = ledger.audit.entries(tag=tag)
    excl = ledger.exclusions.of_subject(subject)
    hashes = ledger.content_hashes(subject)
    rows = ledger.events_of(subject)
    frame = pl.from_arrow(ledger.event_table(subjects_in=[subject]))
    assert isinstance(frame, pl.DataFrame)
    status = _statuses(scorer, frame, excl, now_us)
    exp = scorer.explain(subject, now_us)
    history = score_history(scorer, subject)
    statement = ledger.statements.get(subject)
    disputes = list_disputes(ledger, subject=subject)
    corrections = _corrections(ledger, subject, disputes)
    versions = _versions(corrections)
    return {
        "format": EXPORT_FORMAT,
        "subject": subject,
        "as_of": iso(now_us),
        "as_of_us": now_us,
        "first_seen": iso(first_seen),
        "policy": json.loads(ledger.policy.to_json()),
        "policy_hash": ledger.policy.hash,
        "points_table": scorer.table.model_dump(mode="json"),
        "model_hash": scorer.table_hash,
        "score": exp.as_dict(),
        "external": _external(scorer, subject, now_us),
        "events": [
            {
                "seq": e.seq,
                **_redacted(ledger.policy, e.as_dict()),
                "occurred_at_us": e.occurred_at_us,
                "recorded_at_us": e.recorded_at_us,
                "known_at_us": e.known_at_us,
                "content_hash": hashes.get((e.source, e.event_id)),
                "status": status.get(
                    (e.source, e.event_id), "does not count: recorded after as_of"
                ),
                **versions.get((e.source, e.event_id), {}),
            }
            for e in rows
        ],
        "exclusions": excl,
        "history": [
            {
                **s.as_dict(),
                "as_of_us": s.as_of_us,
                "external": _external(scorer, subject, s.as_of_us),
            }
            for s in history
        ],
        "notices": score_notices(scorer, subject),
        "disputes": [d.as_dict() for d in disputes],
        "corrections": corrections,
        "statement": None if statement is None else statement.as_dict(),
        "reviews": [r.as_dict() for r in ledger.reviews.find(subject=subject)],
        "adverse_actions": [a.as_dict() for a in ledger.adverse.of_subject(subject)],
        "audit": [
            {
                "seq": a.seq,
                "at": iso(a.at_us),
                "actor": a.actor,
                "action": a.action,
                "details": a.details,
                "row_hash": a.row_hash,
            }
            for a in audit
        ],
    }
