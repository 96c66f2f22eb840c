"""The columnar kernel: features of every subject as of ``t``, batch = single subject."""

from glasscredit.features._kernel import (
    COUNTED_IDS,
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

__all__ = [
    "COUNTED_IDS",
    "EXCLUSION_SCHEMA",
    "LAST_NEGATIVE",
    "FeatureFrame",
    "SubjectPass",
    "attribute_event_types",
    "compute_features",
    "countable_events",
    "feature_provenance",
    "subject_pass",
    "to_frame",
]
