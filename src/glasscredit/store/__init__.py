"""The store: every SQL statement, fast path, migration and the columnar mirror.

The core reaches storage only through the protocols of :mod:`._protocols`, which
:class:`Ledger` implements over SQLite (a file, the embedded default) or PostgreSQL
(selected by a database URL); the adapters :mod:`glasscredit.store.sqlite` and
:mod:`glasscredit.store.postgres` hold what differs between the two.
"""

from glasscredit.store._access import AccessStore, ApiKeyRecord, FileRead
from glasscredit.store._adverse import AdverseAction
from glasscredit.store._audit import (
    AuditEntry,
    ChainReport,
    check_actor,
    subject_tag,
    verify_chain,
)
from glasscredit.store._audit import (
    row_hash as audit_row_hash,
)
from glasscredit.store._backfills import Backfill, check_backfill
from glasscredit.store._corrections import CORRECTED, CORRECTION_REASON, Correction
from glasscredit.store._dialect import Dialect
from glasscredit.store._disputes import (
    DEADLINE_ACTOR,
    DEADLINE_REASON,
    DISPUTE_REASON,
    DisputeTarget,
)
from glasscredit.store._erasure import Erasure
from glasscredit.store._feed import EventFeed
from glasscredit.store._holds import HOLD_REASON
from glasscredit.store._idhash import (
    ID_HASH,
    ID_SUMS,
    KEY_SEP,
    event_keys,
    hash_sums,
    id_hash_sums,
    id_hashes,
    id_sum_aggregates,
    key_hash,
    key_hashes,
)
from glasscredit.store._ingest import IngestReport
from glasscredit.store._probations import PROBATION_REASON, Probation
from glasscredit.store._protocols import (
    AdverseStore,
    AuditStore,
    BackfillStore,
    CorrectionStore,
    DisputeStore,
    ErasureStore,
    EventLog,
    ExclusionStore,
    HoldStore,
    ProbationStore,
    ReviewStore,
    ScoreStore,
    ScoreWriter,
    SnapshotStore,
    StatementStore,
    Store,
    SubjectInputsReader,
)
from glasscredit.store._quick_reads import LatestScore, QuickReads
from glasscredit.store._readers import FORMATS, BrokenRow, read_events
from glasscredit.store._records import Dispute, StoredEvent, StoredNotice, StoredScore
from glasscredit.store._reviews import Review, Statement
from glasscredit.store._schemas import (
    EVENT_COLUMNS,
    EVENT_FRAME_SCHEMA,
    EVENT_SCHEMA,
    EXCLUSION_SCHEMA,
)
from glasscredit.store._snapshots import SnapshotVersion
from glasscredit.store._store import Ledger, migrate, sqlite_url
from glasscredit.store._subject_reader import SubjectInputs, SubjectReader
from glasscredit.store._webhooks import TOPICS, Delivery, Webhook, WebhookStore

__all__ = [
    "CORRECTED",
    "CORRECTION_REASON",
    "DEADLINE_ACTOR",
    "DEADLINE_REASON",
    "DISPUTE_REASON",
    "EVENT_COLUMNS",
    "EVENT_FRAME_SCHEMA",
    "EVENT_SCHEMA",
    "EXCLUSION_SCHEMA",
    "FORMATS",
    "HOLD_REASON",
    "ID_HASH",
    "ID_SUMS",
    "KEY_SEP",
    "PROBATION_REASON",
    "TOPICS",
    "AccessStore",
    "AdverseAction",
    "AdverseStore",
    "ApiKeyRecord",
    "AuditEntry",
    "AuditStore",
    "Backfill",
    "BackfillStore",
    "BrokenRow",
    "ChainReport",
    "Correction",
    "CorrectionStore",
    "Delivery",
    "Dialect",
    "Dispute",
    "DisputeStore",
    "DisputeTarget",
    "Erasure",
    "ErasureStore",
    "EventFeed",
    "EventLog",
    "ExclusionStore",
    "FileRead",
    "HoldStore",
    "IngestReport",
    "LatestScore",
    "Ledger",
    "Probation",
    "ProbationStore",
    "QuickReads",
    "Review",
    "ReviewStore",
    "ScoreStore",
    "ScoreWriter",
    "SnapshotStore",
    "SnapshotVersion",
    "Statement",
    "StatementStore",
    "Store",
    "StoredEvent",
    "StoredNotice",
    "StoredScore",
    "SubjectInputs",
    "SubjectInputsReader",
    "SubjectReader",
    "Webhook",
    "WebhookStore",
    "audit_row_hash",
    "check_actor",
    "check_backfill",
    "event_keys",
    "hash_sums",
    "id_hash_sums",
    "id_hashes",
    "id_sum_aggregates",
    "key_hash",
    "key_hashes",
    "migrate",
    "read_events",
    "sqlite_url",
    "subject_tag",
    "verify_chain",
]
