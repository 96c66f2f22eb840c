"""Corroborated report values from the ledger, stored for the ``corroborated_reports``
feature, and the per-report explanation a target (or an operator) can read.

Reporter weights come from the trust snapshot of the same time, and lose
``overturn_penalty`` per report of theirs that was overturned. What counts as
overturned is isolated in :func:`overturn_counts`: a misconduct report that a dispute
*verdict* removed. An open dispute is not a verdict: before, it already counted against
the reporter, so accomplices could bait an honest reporter into reporting them and then
dispute to silence them; callers may pass their own counts instead. A reporter weighs
only with ``min_endorsers`` established mutual endorsers, counted with the trust
snapshot (``trust/_standing.py``: aged, and endorsed back to verified anchors). Each
computation is appended as a new ``reports`` snapshot version, stamped with when it was
made; nothing is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from glasscredit.exceptions import NotFoundError
from glasscredit.policy import EXTERNAL_FEATURES
from glasscredit.store import Store
from glasscredit.trust._inputs import TrustInputs, load_trust_inputs
from glasscredit.trust._reports import ReporterInfo, TargetVerdict, corroborate_reports
from glasscredit.trust._settings import report_settings, trust_settings
from glasscredit.trust._snapshot import TrustSnapshot, snapshot_from_inputs

__all__ = [
    "ReportSnapshot",
    "compute_reports",
    "explain_reports",
    "overturn_counts",
]

#: the kind of stored snapshot ``corroborated_reports`` reads
REPORTS_KIND = EXTERNAL_FEATURES["corroborated_reports"].snapshot


@dataclass(frozen=True, slots=True)
class ReportSnapshot:
    """Corroborated-report value of every reported subject as of one time."""

    as_of_us: int
    targets: dict[str, TargetVerdict]

    @property
    def values(self) -> dict[str, float]:
        return {t: v.value for t, v in self.targets.items()}


def overturn_counts(ledger: Store, as_of_us: int) -> dict[str, int]:
    """Reporter -> misconduct reports of theirs that a dispute verdict removed by
    ``as_of_us`` (open disputes, upheld reports and burst holds never count)."""
    rows = ledger.exclusions.resolved([ledger.policy.trust_events.report], "removed", as_of_us)
    counts: dict[str, int] = {}
    for attrs in rows["attributes"].to_list():
        reporter = str(json.loads(attrs).get("reporter"))
        counts[reporter] = counts.get(reporter, 0) + 1
    return counts


def _verdicts(
    ledger: Store,
    inputs: TrustInputs,
    trust: TrustSnapshot,
    overturned: Mapping[str, int] | None,
    reports: pl.DataFrame,
) -> dict[str, TargetVerdict]:
    settings = report_settings(ledger.policy)
    subj = inputs.subjects.filter(pl.col("first_event_us").is_not_null())
    infos = {
        s: ReporterInfo(int(t), str(src), trust.earned.get(s, 0), trust.vouchers.get(s))
        for s, t, src in zip(
            subj["subject"].to_list(),
            subj["first_event_us"].to_list(),
            subj["first_source"].to_list(),
            strict=True,
        )
    }
    spec = ledger.policy.event_types[ledger.policy.trust_events.report].attributes["category"]
    categories = [str(c) for c in (spec.values or [])]
    return corroborate_reports(
        reports,
        as_of_us=inputs.as_of_us,
        # a recomputed trust that would not be stored (too many seeds lost) does not
        # weigh reporters either: the snapshot in force does
        trust=trust.values if trust.alert is None else inputs.previous_trust,
        reporters=infos,
        ties=set(trust.ties),
        categories=categories,
        settings=settings,
        overturned=overturn_counts(ledger, inputs.as_of_us) if overturned is None else overturned,
    )


def compute_reports(
    ledger: Store,
    as_of_us: int,
    *,
    overturned: Mapping[str, int] | None = None,
    store: bool = True,
) -> ReportSnapshot:
    """Corroborate every report that counts at ``as_of_us`` and store the values (a new
    version of the ``reports`` snapshot of that time).

    Trust is recomputed from the same inputs (so the weights are those of this very
    time); ``overturned`` defaults to :func:`overturn_counts`.
    """
    inputs = load_trust_inputs(ledger, as_of_us)
    trust = snapshot_from_inputs(
        inputs, trust_settings(ledger.policy), report_settings(ledger.policy)
    )
    targets = _verdicts(ledger, inputs, trust, overturned, inputs.reports)
    snap = ReportSnapshot(as_of_us, targets)
    if store:
        ledger.snapshots.append(
            REPORTS_KIND, as_of_us, snap.values, made_at_us=ledger.clock(), actor="reports"
        )
    return snap


def explain_reports(
    ledger: Store, subject: str, as_of_us: int, *, overturned: Mapping[str, int] | None = None
) -> TargetVerdict:
    """Which reports about ``subject`` counted at ``as_of_us``, and why the others did not."""
    if not ledger.has_subject(subject):
        raise NotFoundError(f"subject {subject!r} is not in the ledger")
    inputs = load_trust_inputs(ledger, as_of_us)
    trust = snapshot_from_inputs(
        inputs, trust_settings(ledger.policy), report_settings(ledger.policy)
    )
    mine = inputs.reports.filter(pl.col("target") == subject)
    found = _verdicts(ledger, inputs, trust, overturned, mine)
    return found.get(subject, TargetVerdict(subject, 0.0, 0, []))
