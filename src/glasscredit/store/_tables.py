"""The ledger's tables (SQLAlchemy Core). Migrations create them; this module reads them.

Events are append-only: the code has no UPDATE path for them and deletes them only on
erasure. Time columns are int64 microseconds since the epoch, UTC (exact everywhere).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "adverse_actions",
    "audit_log",
    "backfills",
    "corrections",
    "dispute_notices",
    "disputes",
    "erasures",
    "event_exclusions",
    "event_tombstones",
    "events",
    "metadata",
    "report_values",
    "reviews",
    "score_changes",
    "scores",
    "scoring_cursor",
    "snapshot_versions",
    "source_probations",
    "sources",
    "statements",
    "subjects",
    "trust_values",
]

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("first_seen_us", BigInteger, nullable=False),
)

# Opaque ids only. ``salt`` keys the pseudonymous tag that audit rows carry instead of
# the id, so destroying it on erasure unlinks the audit trail from the person.
subjects = Table(
    "subjects",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("salt", String(32), nullable=False),
    Column("first_seen_us", BigInteger, nullable=False),
)

# An event is known by its source and the id that source gave it (migration 0014): two
# sources may use the same id, and neither can claim, shadow or refuse the other's event.
# The key leads with ``event_id`` so ingest, which writes rows sorted by id, fills it in
# order, and a look-up by id alone uses it too.
events = Table(
    "events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(128), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("attributes", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("batch", BigInteger, nullable=False),
    # the ledger's clock (migration 0011): recorded_at_us for a live event, the attested
    # date (never before occurred_at_us) for an event of an approved backfill
    Column("known_at_us", BigInteger, nullable=False),
    Index("ix_events_subject_occurred", "subject", "occurred_at_us"),
    UniqueConstraint("event_id", "source", name="uq_events_event_id_source"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("at_us", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_tag", String(64), nullable=True, index=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
)

# Operator-approved backfills (migration 0013): history one source may load, dated
# within [occurred_from_us, occurred_to_us], known from known_from_us (attested).
backfills = Table(
    "backfills",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("source", String(64), nullable=False),
    Column("occurred_from_us", BigInteger, nullable=False),
    Column("occurred_to_us", BigInteger, nullable=False),
    Column("known_from_us", BigInteger, nullable=False),
    Column("approved_by", String(128), nullable=False),
    Column("approved_at_us", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
)

# Sources on probation (migration 0016): from ``from_us`` (ledger clock) until
# ``until_us`` (NULL: open), a source's positive events about its sole-source cohort
# count only once the ledger has known them ``seasoning_us`` (held through
# ``event_exclusions`` rows, reason ``probation``, ref ``probation:<id>``).
source_probations = Table(
    "source_probations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("source", String(64), nullable=False),
    Column("from_us", BigInteger, nullable=False),
    Column("until_us", BigInteger, nullable=True),
    Column("seasoning_us", BigInteger, nullable=False),
    Column("flags", Text, nullable=False),  # JSON list of the flag refs behind it
    Column("reason", Text, nullable=False),
    Column("placed_by", String(128), nullable=False),
    Column("placed_at_us", BigInteger, nullable=False),
    Column("released_by", String(128), nullable=True),
)

# -- scoring state (migration 0002) -----------------------------------------------------

# Periods during which an event does not count: an open dispute, a dispute resolved as
# removed (until_us NULL: never again), a burst held for review. Rows are appended; a
# resolution closes a period by setting ``until_us`` (never backdated). The event is
# (``source``, ``event_id``): ``source`` came last, with migration 0014.
event_exclusions = Table(
    "event_exclusions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(128), nullable=False, index=True),
    Column("subject", String(64), nullable=False, index=True),
    Column("from_us", BigInteger, nullable=False),
    Column("until_us", BigInteger, nullable=True),
    Column("reason", String(32), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("source", String(64), nullable=False),
)

scores = Table(
    "scores",
    metadata,
    Column(
        "score_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("subject", String(64), nullable=False),
    Column("as_of_us", BigInteger, nullable=False),
    Column("computed_at_us", BigInteger, nullable=False),
    Column("score", Integer, nullable=False),
    Column("tier", String(64), nullable=False),
    Column("policy_hash", String(64), nullable=False),
    Column("model_hash", String(64), nullable=False),
    Column("inputs_digest", String(64), nullable=False),
    Column("detail", Text, nullable=False),  # JSON: feature values and points, dimensions
    Index("ix_scores_subject", "subject", "score_id"),
)

score_changes = Table(
    "score_changes",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("subject", String(64), nullable=False, index=True),
    Column("score_id", BigInteger, nullable=False),
    Column("prev_score_id", BigInteger, nullable=False),
    Column("old_score", Integer, nullable=False),
    Column("new_score", Integer, nullable=False),
    Column("old_tier", String(64), nullable=False),
    Column("new_tier", String(64), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("diff", Text, nullable=False),  # JSON: per feature delta, events, lines
)

# the newest stored score per subject and the last event seq it has seen
scoring_cursor = Table(
    "scoring_cursor",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_score_id", BigInteger, nullable=False),
)

# Trust and report snapshots are append-only versions (migration 0006): each computation
# for an as-of time appends a version, stamped with the time it was made, and its values;
# a read takes the newest version made at or before the time asked.
snapshot_versions = Table(
    "snapshot_versions",
    metadata,
    Column(
        "version",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("kind", String(32), nullable=False),  # trust | reports
    Column("as_of_us", BigInteger, nullable=False),
    Column("made_at_us", BigInteger, nullable=False),
    Column("n_values", Integer, nullable=False),
    Index("ix_snapshot_versions_lookup", "kind", "as_of_us", "made_at_us", "version"),
)

# trust values from the endorsement graph (trust/_snapshot.py), per version
trust_values = Table(
    "trust_values",
    metadata,
    Column("version", BigInteger, primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("value", Float, nullable=False),
)

# corroborated misconduct report values (trust/_reports.py), per version (migration 0004)
report_values = Table(
    "report_values",
    metadata,
    Column("version", BigInteger, primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("value", Float, nullable=False),
)

# -- the scored person's rights (migration 0003) ------------------------------------------

# A subject's challenge to one event. Erasure blanks ``event_id``, ``subject`` and
# ``reason`` but keeps the row: per-source dispute and overturn rates must survive it.
disputes = Table(
    "disputes",
    metadata,
    Column(
        "dispute_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("event_id", String(128), nullable=True, index=True),
    Column("subject", String(64), nullable=True, index=True),
    Column("source", String(64), nullable=False, index=True),
    Column("event_type", String(64), nullable=False),
    Column("reason", Text, nullable=True),
    Column("opened_at_us", BigInteger, nullable=False),
    Column("opened_by", String(128), nullable=False),
    Column("deadline_us", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # open | upheld | removed
    Column("resolved_at_us", BigInteger, nullable=True),
    Column("resolved_by", String(128), nullable=True),
    # migration 0010: the resolver's reasons; the person's new information (which
    # extended the deadline once); what the source said. Free text: erasure blanks it.
    Column("resolution", Text, nullable=True),
    Column("new_information", Text, nullable=True),
    Column("extended_at_us", BigInteger, nullable=True),
    Column("source_response", Text, nullable=True),
    Column("source_responded_at_us", BigInteger, nullable=True),
)

# Corrections (migration 0015): a dispute that asks to correct one attribute of its event
# instead of removing it. ``old_value``/``new_value`` are JSON; a confirmed correction is
# a new version of the event (``new_event_id``, a new ``events`` row: the original stays)
# that supersedes the original from the confirmation on (two exclusion periods, reason
# ``correction``). Covered by the chain's table digests; erasure deletes the rows.
corrections = Table(
    "corrections",
    metadata,
    Column("dispute_id", BigInteger, primary_key=True, autoincrement=False),
    Column("subject", String(64), nullable=False, index=True),
    Column("source", String(64), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("attribute", String(64), nullable=False),
    Column("old_value", Text, nullable=False),
    Column("new_value", Text, nullable=False),
    Column("status", String(16), nullable=False),  # requested | confirmed | refused
    Column("answered_at_us", BigInteger, nullable=True),
    Column("answered_by", String(128), nullable=True),
    Column("new_event_id", String(128), nullable=True),
)

# What each source is told about disputes on its events: an outbox, one row per message.
dispute_notices = Table(
    "dispute_notices",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("dispute_id", BigInteger, nullable=False, index=True),
    Column("source", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # opened | resolved
    Column("outcome", String(16), nullable=True),
    Column("at_us", BigInteger, nullable=False),
)

# An erased event's leaf in its batch digest: neither its id nor its content is readable.
event_tombstones = Table(
    "event_tombstones",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("batch", BigInteger, nullable=False, index=True),
    Column("leaf", String(64), nullable=False),
)

# That an erasure happened (kept by law), keyed by a hash of the subject id; also the
# suppression list that refuses the subject's events if a source resends them.
erasures = Table(
    "erasures",
    metadata,
    Column("subject_hash", String(64), primary_key=True),
    Column("erased_at_us", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("events", Integer, nullable=False),
)

# -- second round (migration 0008) --------------------------------------------------------

# A subject's request that a person review an automated decision (GDPR Art. 22(3)): the
# point of view and the reasons are free text; erasure deletes the row with the subject.
reviews = Table(
    "reviews",
    metadata,
    Column(
        "review_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("subject", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # tier | perk | partner
    Column("about", String(128), nullable=False),  # the tier, perk or partner (source)
    Column("score", Integer, nullable=True),  # the score the decision rested on
    Column("point_of_view", Text, nullable=False),
    Column("requested_at_us", BigInteger, nullable=False),
    Column("requested_by", String(128), nullable=False),
    Column("deadline_us", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # open | confirmed | changed
    Column("decided_at_us", BigInteger, nullable=True),
    Column("decided_by", String(128), nullable=True),
    Column("reasons", Text, nullable=True),
)

# The person's own statement (FCRA 611(b), UK CCA s.159): the one free text kept about a
# subject, apart from the events; no scoring path reads this table.
statements = Table(
    "statements",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("text", Text, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("by", String(128), nullable=False),
)

# A partner's adverse action taken on the score (FCRA 615, Reg B), with the notice the
# person receives as it was given: the score, its range and the key factors (JSON).
adverse_actions = Table(
    "adverse_actions",
    metadata,
    Column(
        "notice_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("subject", String(64), nullable=False, index=True),
    Column("source", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # declined | priced
    Column("at_us", BigInteger, nullable=False),
    Column("by", String(128), nullable=False),
    Column("score_id", BigInteger, nullable=False),
    Column("score", Integer, nullable=False),
    Column("score_min", Integer, nullable=False),
    Column("score_max", Integer, nullable=False),
    Column("scored_as_of_us", BigInteger, nullable=False),
    Column("factors", Text, nullable=False),
)
