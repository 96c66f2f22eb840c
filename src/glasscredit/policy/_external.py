"""What the policy lends to the trust computation, and what it takes back from it.

Two kinds of declaration, both checked when the policy loads:

* **external features** (``agg: external``) are values no event aggregate can compute;
  glasscredit supplies exactly the ones in :data:`EXTERNAL_FEATURES`. A feature named
  anything else would be missing for every subject, for ever, without a word: it is
  refused (rule ``unknown_external``).
* **trust events** (``trust_events``) name the event types the trust computation reads:
  who endorses whom, who reports whom, how well an identity is verified. Each role needs
  its attributes with the right type (``endorser``: subject; ``reporter``: subject and
  ``category``: enum; ``level``: integer). A role the policy's external features rely
  on, or one it names explicitly, must be a declared event type with those attributes
  (rules ``unknown_type``, ``trust_attribute``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from glasscredit.exceptions import FieldError
from glasscredit.policy._events import EventTypeSpec
from glasscredit.policy._features import FeatureSpec

__all__ = [
    "EXTERNAL_FEATURES",
    "TRUST_ROLE_ATTRIBUTES",
    "ExternalFeature",
    "TrustEventsSpec",
    "check_external",
]

TrustRole = Literal["endorsement", "report", "identity"]


@dataclass(frozen=True, slots=True)
class ExternalFeature:
    """An external feature glasscredit supplies: from which stored snapshots, read how."""

    snapshot: str  # the kind of stored snapshot its values come from
    what: str
    roles: tuple[TrustRole, ...]  # the trust event roles its computation reads


#: the external features glasscredit supplies, by feature name
EXTERNAL_FEATURES: dict[str, ExternalFeature] = {
    "trust": ExternalFeature(
        "trust",
        "trust from the endorsement graph (glasscredit trust)",
        ("endorsement", "identity"),
    ),
    "corroborated_reports": ExternalFeature(
        "reports",
        "weight of corroborated misconduct reports (glasscredit reports)",
        ("report", "endorsement", "identity"),
    ),
}

#: the attributes each trust event role needs, with their type
TRUST_ROLE_ATTRIBUTES: dict[TrustRole, dict[str, str]] = {
    "endorsement": {"endorser": "subject"},
    "report": {"reporter": "subject", "category": "enum"},
    "identity": {"level": "integer"},
}


class TrustEventsSpec(BaseModel):
    """The event types that play each role in the trust computation.

    ``endorsement``: its subject is endorsed by the subject in ``endorser``;
    ``report``: its subject is reported by ``reporter`` for a ``category``;
    ``identity``: the subject's identity was verified at ``level``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    endorsement: str = "endorsement"
    report: str = "report.misconduct"
    identity: str = "identity.verified"

    def type_of(self, role: TrustRole) -> str:
        return str(getattr(self, role))


def check_external(
    features: list[FeatureSpec],
    event_types: dict[str, EventTypeSpec],
    trust_events: TrustEventsSpec,
    errors: list[FieldError],
) -> None:
    """Refuse unknown external features and trust roles that are not what trust reads."""
    needed: set[str] = set(trust_events.model_fields_set)
    known = ", ".join(f"{n} ({e.what})" for n, e in EXTERNAL_FEATURES.items())
    for f in features:
        if f.agg != "external":
            continue
        if f.name not in EXTERNAL_FEATURES:
            errors.append(
                FieldError(
                    f"features.{f.name}",
                    "unknown_external",
                    f"no component supplies an external feature named {f.name!r}, so it "
                    f"would be missing for everyone; glasscredit supplies: {known}",
                )
            )
            continue
        needed.update(EXTERNAL_FEATURES[f.name].roles)
    for role, attrs in TRUST_ROLE_ATTRIBUTES.items():
        if role not in needed:
            continue
        tname = trust_events.type_of(role)
        where = f"trust_events.{role}"
        spec = event_types.get(tname)
        if spec is None:
            errors.append(
                FieldError(where, "unknown_type", f"event type {tname!r} is not declared")
            )
            continue
        for aname, atype in attrs.items():
            have = spec.attributes.get(aname)
            if have is None or have.type != atype:
                errors.append(
                    FieldError(
                        where,
                        "trust_attribute",
                        f"the {role} type {tname!r} needs attribute {aname!r} of type "
                        f"{atype} (trust reads it)",
                    )
                )
