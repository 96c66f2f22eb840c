"""Typed views of scores: the explanation, stored scores, change notices, what-if results.

Field names and order are those of the JSON the CLI has always printed (``--json``), so
the application layer changes no output; the REST service publishes the same shapes.
"""

from __future__ import annotations

from pydantic import Field

from glasscredit.app._base import AppModel, JsonValue
from glasscredit.app._rights2 import PersonStatement

__all__ = [
    "ChangeEvent",
    "DimensionPoints",
    "DisputeEffect",
    "DisputeFreeze",
    "Explanation",
    "FeatureChange",
    "FeatureLine",
    "NextTier",
    "PathToTier",
    "Perk",
    "PerkNotGranted",
    "ProvenanceEvent",
    "Reason",
    "ScoreBasis",
    "ScoreDetail",
    "ScoreNotice",
    "ScoreRun",
    "ScoreVerification",
    "StoredScore",
    "TierCount",
    "TierScore",
    "WhatIf",
    "WhatIfChange",
    "WhatIfOutcome",
]


class DimensionPoints(AppModel):
    points: int | float
    percent: float


class FeatureLine(AppModel):
    name: str
    dimension: str
    value: float | None
    bin: str
    points: int
    max_points: int
    note: str | None = None  # a rule in force, e.g. history from one source only
    #: plain words (the policy's texts): what it is, the bin in words, what to do
    label: str = ""
    words: str = ""
    advice: str = ""


class Reason(AppModel):
    code: str
    text: str
    points_below_max: int
    feature: str
    events: list[str]
    # each event's source, in the order of ``events`` (ids are per source)
    sources: list[str] = Field(default_factory=list)
    advice: str = ""  # what to do about it, in plain words


class Perk(AppModel):
    """A perk granted. ``provisional``: granted only because records under open disputes
    do not count meanwhile (``disputes`` names them); an operator's integration may hold
    it back until they are resolved, and ``provisional_because`` says so in plain words."""

    name: str
    description: str
    label: str = ""
    advice: str = ""
    provisional: bool = False
    provisional_because: str | None = None
    disputes: list[int] = Field(default_factory=list)


class PerkNotGranted(AppModel):
    name: str
    description: str
    why: list[str]
    label: str = ""
    advice: str = ""


class DisputeEffect(AppModel):
    """What one open dispute does to the score while it is open, in plain words."""

    dispute_id: int
    event_id: str
    effect: str  # stop_counting | keep_counting
    counts: bool
    deadline: str
    text: str


class DisputeFreeze(AppModel):
    """Whether a dispute the subject opens now stops its record counting at once.

    ``lost_until`` and ``unfounded_disputes`` are set while the freeze is lost after
    repeated unfounded disputes (``disputes.repeated_unfounded``)."""

    immediate: bool
    lost_until: str | None
    unfounded_disputes: list[int]
    text: str


class ProvenanceEvent(AppModel):
    """An event behind a feature's value."""

    event_id: str
    occurred_at_us: int
    source: str
    type: str
    occurred_at: str


class Explanation(AppModel):
    """One subject's score as of a time, decomposed exactly: base + points = score."""

    subject: str
    as_of: str
    score: int
    tier: str
    range: tuple[int, int]
    base_points: int
    policy_hash: str
    model_hash: str
    inputs_digest: str
    dimensions: dict[str, DimensionPoints]
    features: list[FeatureLine]
    reasons: list[Reason]
    perks: list[Perk]
    perks_not_granted: list[PerkNotGranted]
    disputes: list[DisputeEffect] = Field(default_factory=list)
    dispute_freeze: DisputeFreeze | None = None
    events: dict[str, list[ProvenanceEvent]]
    #: positive events that counted for nothing (known too long after they happened),
    #: each with why in plain words
    not_counted: list[dict[str, str]] = Field(default_factory=list)
    #: corrections confirmed by then, each with "corrected on ... at your request"
    corrections: list[dict[str, JsonValue]] = Field(default_factory=list)

    @property
    def points_total(self) -> int:
        return self.base_points + sum(f.points for f in self.features)


class TierCount(AppModel):
    """How many scored subjects fell in one tier."""

    tier: str
    min: int
    max: int
    subjects: int
    share: float


class ScoreRun(AppModel):
    """A scoring run: how many were scored, stored and changed, and the distribution."""

    as_of_us: int
    subjects: int
    stored: int
    changed: int
    tiers: dict[str, int]
    distribution: list[TierCount]
    percentiles: dict[str, float]
    #: ``--changed``: subjects rescored for a possible change whose inputs and points
    #: had not moved (they keep their score)
    unchanged: int = 0
    #: change notices per cause ("trust recomputed (snapshot v7)", "burst hold ...")
    causes: dict[str, int] = Field(default_factory=dict)
    #: scores as of a past time, read over what the ledger knows now: never stored
    historical: bool = False


class ScoreDetail(AppModel):
    """What a stored score kept: per feature (value, points), dimensions, reason codes,
    and what it read: ``v`` the snapshot versions by kind, ``q`` the newest event seq
    (pinned since scores follow their inputs; absent on older scores)."""

    f: dict[str, tuple[float | None, int]]
    d: dict[str, int | float]
    r: list[str]
    v: dict[str, int] | None = None
    q: int | None = None


class ScoreBasis(AppModel):
    """What a stored score rests on: the newest position of the subject's own events it
    could see, and the version of each external snapshot (trust, reports) it read."""

    ledger_seq: int
    snapshots: dict[str, int | None]


class StoredScore(AppModel):
    score_id: int
    subject: str
    as_of: str
    computed_at: str
    score: int
    tier: str
    policy_hash: str
    model_hash: str
    inputs_digest: str
    detail: ScoreDetail
    # the person's own statement, delivered beside the latest score (never an input)
    statement: PersonStatement | None = None
    reflects: ScoreBasis | None = None


class ChangeEvent(AppModel):
    event_id: str
    change: str
    type: str
    source: str
    occurred_at: str


class FeatureChange(AppModel):
    old_value: float | None
    new_value: float | None
    old_points: int
    new_points: int
    delta: int
    events: list[ChangeEvent]


class ScoreNotice(AppModel):
    """The notice stored when a subject's score changed: the exact difference and why."""

    score_id: int
    prev_score_id: int
    at: str
    old_score: int
    new_score: int
    old_tier: str
    new_tier: str
    delta: int
    #: what happened in the ledger, in words (empty on notices stored before causes)
    causes: list[str] = Field(default_factory=list)
    features: dict[str, FeatureChange]
    lines: list[str]


class ScoreVerification(AppModel):
    score_id: int
    subject: str
    as_of: str
    identical: bool
    stored_score: int
    recomputed_score: int
    differences: list[str]


class TierScore(AppModel):
    score: int
    tier: str


class WhatIfOutcome(AppModel):
    score: int
    tier: str
    perks: list[str]


class WhatIfChange(AppModel):
    feature: str
    old_value: float | None
    new_value: float | None
    old_points: int
    new_points: int
    delta: int


class WhatIf(AppModel):
    """The score now and under a hypothesis, with every feature that moved."""

    subject: str
    as_of: str
    hypothesis_at: str
    before: TierScore
    after: WhatIfOutcome
    delta: int
    changes: list[WhatIfChange]


class PathToTier(AppModel):
    actions: list[str]
    wait_until: str | None
    months: float
    score: int
    tier: str


class NextTier(AppModel):
    """The smallest realistic changes that reach the next tier (none in the top tier)."""

    subject: str
    as_of: str
    score: int
    tier: str
    next_tier: str | None
    needs: int | None = None
    paths: list[PathToTier]
    note: str | None = None
