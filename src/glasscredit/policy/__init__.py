"""What the operator declares: event types with closed schemas, features, points, tiers.

The loader refuses special-category and free-text data by construction; the lists that
trigger the refusal live in one place (:mod:`glasscredit.policy._forbidden`).
"""

from glasscredit.policy._clocks import BackdateRule, BackfillWindow, LatenessSpec
from glasscredit.policy._durations import (
    DAY_US,
    MONTH_US,
    YEAR_US,
    format_duration,
    from_us,
    iso,
    parse_duration,
    parse_timestamp,
    to_us,
)
from glasscredit.policy._events import AttributeSpec, EventTypeSpec, SourceSpec
from glasscredit.policy._external import EXTERNAL_FEATURES, ExternalFeature, TrustEventsSpec
from glasscredit.policy._features import (
    AGGREGATES,
    AttributeFilter,
    FeatureSpec,
    MinSources,
    PeriodCap,
)
from glasscredit.policy._forbidden import (
    PROTECTED_BASES,
    SPECIAL_CATEGORIES,
    forbidden_category,
    protected_basis,
)
from glasscredit.policy._loader import default_policy, load_policy, policy_from_dict
from glasscredit.policy._points import (
    MISSING_BIN,
    OTHER_BIN,
    FeaturePoints,
    PointsTable,
    SpecialBin,
)
from glasscredit.policy._policy import (
    SCORE_MAX,
    SCORE_MIN,
    DimensionSpec,
    PerkSpec,
    Policy,
    TierSpec,
)
from glasscredit.policy._texts import (
    BinText,
    FeatureText,
    LocaleTexts,
    PerkText,
    Texts,
    Words,
    bin_words,
    feature_text,
    locale_texts,
    perk_text,
)
from glasscredit.policy._validate import EVENT_FIELDS, EventValidator, ValidEvent, content_hash

__all__ = [
    "AGGREGATES",
    "DAY_US",
    "EVENT_FIELDS",
    "EXTERNAL_FEATURES",
    "MISSING_BIN",
    "MONTH_US",
    "OTHER_BIN",
    "PROTECTED_BASES",
    "SCORE_MAX",
    "SCORE_MIN",
    "SPECIAL_CATEGORIES",
    "YEAR_US",
    "AttributeFilter",
    "AttributeSpec",
    "BackdateRule",
    "BackfillWindow",
    "BinText",
    "DimensionSpec",
    "EventTypeSpec",
    "EventValidator",
    "ExternalFeature",
    "FeaturePoints",
    "FeatureSpec",
    "FeatureText",
    "LatenessSpec",
    "LocaleTexts",
    "MinSources",
    "PeriodCap",
    "PerkSpec",
    "PerkText",
    "PointsTable",
    "Policy",
    "SourceSpec",
    "SpecialBin",
    "Texts",
    "TierSpec",
    "TrustEventsSpec",
    "ValidEvent",
    "Words",
    "bin_words",
    "content_hash",
    "default_policy",
    "feature_text",
    "forbidden_category",
    "format_duration",
    "from_us",
    "iso",
    "load_policy",
    "locale_texts",
    "parse_duration",
    "parse_timestamp",
    "perk_text",
    "policy_from_dict",
    "protected_basis",
    "to_us",
]
