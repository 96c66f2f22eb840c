"""Recompute a subject's score from their access export alone, offline.

The check uses only the file: the policy and points table it carries (their hashes are
recomputed and compared with those the export claims), the events (each content hash is
recomputed), the exclusion periods and the external values. It then runs the same
kernel and points code the operator runs (:func:`glasscredit.features.compute_features`
and :func:`glasscredit.scoring.explain_row`), so a person can check the operator's
arithmetic without trusting the operator's database.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from glasscredit.canonical import canonical_json
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.features import EXCLUSION_SCHEMA, compute_features, feature_provenance
from glasscredit.policy import PointsTable, content_hash, policy_from_dict
from glasscredit.rights._signed_export import check_signature
from glasscredit.scoring._explain import explain_row
from glasscredit.store import EVENT_FRAME_SCHEMA

__all__ = ["verify_export"]


def _need(data: dict[str, Any], key: str) -> Any:
    if key not in data:
        raise ValidationError(
            [
                FieldError(
                    key,
                    "required",
                    "the export lacks this field; is it a glasscredit access export?",
                )
            ]
        )
    return data[key]


def _frames(
    data: dict[str, Any], subject: str, problems: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = []
    for e in _need(data, "events"):
        attrs = canonical_json(e["attributes"])
        if e.get("withheld"):
            # another person's id was withheld: the hash cannot be recomputed from the
            # file, only the export's signature vouches for the event
            if "signature" not in data:
                problems.append(
                    f"event {e['event_id']}: attributes {e['withheld']} are withheld and "
                    "the export is not signed, so nothing vouches for this event"
                )
            withheld_attrs = set(e["withheld"])
            attrs = canonical_json(
                {k: v for k, v in e["attributes"].items() if k not in withheld_attrs}
            )
        else:
            ch = content_hash(
                e["event_id"], subject, e["source"], e["type"], int(e["occurred_at_us"]), attrs
            )
            if ch != e.get("content_hash"):
                problems.append(f"event {e['event_id']}: content does not match its hash")
        rows.append(
            (
                int(e["seq"]),
                e["event_id"],
                subject,
                e["source"],
                e["type"],
                int(e["occurred_at_us"]),
                int(e["recorded_at_us"]),
                # an export made before the ledger kept a third clock: known when recorded
                int(e.get("known_at_us", e["recorded_at_us"])),
                attrs,
            )
        )
    events = pl.DataFrame(rows, schema=EVENT_FRAME_SCHEMA, orient="row")
    # an export made before ids were per source names no source: its ids were unique
    source_of = {e["event_id"]: e["source"] for e in _need(data, "events")}
    excl = pl.DataFrame(
        [
            (
                x["event_id"],
                x.get("source", source_of.get(x["event_id"], "")),
                x["from_us"],
                x["until_us"],
            )
            for x in _need(data, "exclusions")
        ],
        schema=EXCLUSION_SCHEMA,
        orient="row",
    )
    return events, excl


def _external(values: dict[str, float] | None, subject: str) -> pl.DataFrame | None:
    if not values:
        return None
    return pl.DataFrame({"subject": [subject], **{k: [float(v)] for k, v in values.items()}})


def verify_export(
    data: dict[str, Any], *, require_signature: bool = False, public_key: str | None = None
) -> dict[str, Any]:
    """Check the export's signature (when it has one, or ``require_signature``), then
    recompute its score (and every stored score of its history) offline.

    ``public_key``: the operator's key the signature must be made with.
    """
    subject = str(_need(data, "subject"))
    signed = "signature" in data
    problems: list[str] = check_signature(data, public_key) if signed or require_signature else []
    policy = policy_from_dict(_need(data, "policy"))
    table = PointsTable.model_validate(_need(data, "points_table"))
    if policy.hash != data.get("policy_hash"):
        problems.append("policy: its hash differs from the one the export names")
    if table.hash != data.get("model_hash"):
        problems.append("points_table: its hash differs from the one the export names")
    events, excl = _frames(data, subject, problems)

    def score_at(as_of_us: int, external: dict[str, float] | None) -> tuple[int, dict[str, Any]]:
        ff = compute_features(
            events,
            policy,
            as_of_us,
            exclusions=excl,
            external=_external(external, subject),
            subjects=[subject],
        )
        prov = feature_provenance(events, policy, as_of_us, subject, exclusions=excl)
        exp = explain_row(policy, table, subject, as_of_us, ff.row(subject), prov)
        return exp.score, {ln.name: [ln.value, ln.points] for ln in exp.features}

    claimed = _need(data, "score")
    score, lines = score_at(int(_need(data, "as_of_us")), data.get("external"))
    if score != claimed.get("score"):
        problems.append(f"score: the export says {claimed.get('score')}, recomputed {score}")
    for f in claimed.get("features", []):
        got = lines.get(f["name"])
        if got is None or got[1] != f["points"] or got[0] != f["value"]:
            problems.append(
                f"{f['name']}: the export says {f['value']} ({f['points']:+d} "
                f"points), recomputed {got}"
            )
    history = []
    for h in data.get("history", []):
        if h["policy_hash"] != policy.hash or h["model_hash"] != table.hash:
            history.append(
                {
                    "score_id": h["score_id"],
                    "checked": False,
                    "why": "scored under another policy or points table",
                }
            )
            continue
        again, _ = score_at(int(h["as_of_us"]), h.get("external"))
        history.append(
            {
                "score_id": h["score_id"],
                "checked": True,
                "stored": h["score"],
                "recomputed": again,
                "identical": again == h["score"],
            }
        )
        if again != h["score"]:
            problems.append(
                f"history score {h['score_id']}: stored {h['score']}, recomputed {again}"
            )
    return {
        "subject": subject,
        "as_of": data.get("as_of"),
        "claimed_score": claimed.get("score"),
        "recomputed_score": score,
        "identical": not problems,
        "problems": problems,
        "history": history,
        "signed": signed,
    }
