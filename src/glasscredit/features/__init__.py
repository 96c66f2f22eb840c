"""The columnar kernel: features of every subject as of ``t``, batch = single subject."""

from glasscredit.features._kernel import (
    EXCLUSION_SCHEMA,
    LAST_NEGATIVE,
    FeatureFrame,
    SubjectPass,
    attribute_event_types,
    compute_features,
    countable_events,
    feature_provenance,
    subject_pass,
    to_frame,
)
from glasscredit.store import (
    ID_HASH,
    ID_SUMS,
    event_keys,
    id_hash_sums,
    id_hashes,
    id_sum_aggregates,
    key_hashes,
)

__all__ = [
    "EXCLUSION_SCHEMA",
    "ID_HASH",
    "ID_SUMS",
    "LAST_NEGATIVE",
    "FeatureFrame",
    "SubjectPass",
    "attribute_event_types",
    "compute_features",
    "countable_events",
    "event_keys",
    "feature_provenance",
    "id_hash_sums",
    "id_hashes",
    "id_sum_aggregates",
    "key_hashes",
    "subject_pass",
    "to_frame",
]
