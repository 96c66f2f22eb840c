"""Choosing trusted seeds by policy thresholds, a bounded number per community.

Why by embedding: a seed with one or two edges is where an attack edge does most harm
(with an even start it would pour ``T / seeds`` through its few edges), so a seed needs
``min_degree`` mutual endorsements, the best-embedded (highest degree) come first, and
SybilRank gives each seed start mass in proportion to its degree. Why a bound per
community: no one community (a compromised one included) holds most of the starting
trust.

Why several per community: SybilRank stops after about ``log2 n`` steps, before trust
has crossed the sparse cuts *between* honest communities. A community with no seed
receives only what leaks across those cuts and looks, to the ranking, like a sybil
region: its honest members are caught. Seeding every community (the paper picks seeds
in each community found by community detection) removes that false positive; several
seeds per community keep one compromised or mistaken seed from deciding it alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from glasscredit.exceptions import FieldError, ValidationError

__all__ = ["SeedPolicy", "SeedSelection", "select_seeds"]


@dataclass(frozen=True, slots=True)
class SeedPolicy:
    """Thresholds a subject must meet to be a seed.

    Attributes
    ----------
    min_identity_level:
        Strength of identity verification (operator's ordinal scale, e.g. 0 none,
        1 e-mail, 2 document, 3 document + in-person).
    min_clean_months:
        Months of history with no upheld or corroborated negative record.
    per_community:
        Seeds taken per community (the best embedded first); ``None`` takes all eligible.
    min_degree:
        Mutual endorsements a seed needs (only checked when degrees are given).
    """

    min_identity_level: int = 3
    min_clean_months: int = 24
    per_community: int | None = 5
    min_degree: int = 1


@dataclass(frozen=True, slots=True)
class SeedSelection:
    """Selected seed ids, every eligible id (the seeds are the best embedded of them:
    the fixed normalisation reference is read on all of them) and the communities left
    without any seed (a warning sign)."""

    seeds: npt.NDArray[Any]
    communities_without_seed: npt.NDArray[Any]
    eligible: npt.NDArray[Any]


def select_seeds(
    subject_ids: npt.ArrayLike,
    identity_level: npt.ArrayLike,
    clean_history_months: npt.ArrayLike,
    flagged: npt.ArrayLike,
    *,
    policy: SeedPolicy,
    community: npt.ArrayLike | None = None,
    degree: npt.ArrayLike | None = None,
) -> SeedSelection:
    """Seeds: unflagged subjects meeting the policy's identity, history and degree
    thresholds.

    Within each community (all subjects form one community when ``community`` is None)
    eligible subjects are ranked by degree (when given), identity level and clean
    months, all descending, then by subject id, and the first ``policy.per_community``
    are taken. Deterministic: the same arrays in any row order give the same seeds.
    """
    ids = np.asarray(subject_ids)
    level = np.asarray(identity_level)
    months = np.asarray(clean_history_months)
    flag = np.asarray(flagged)
    groups = np.zeros(len(ids), dtype=np.int64) if community is None else np.asarray(community)
    deg = np.zeros(len(ids), dtype=np.int64) if degree is None else np.asarray(degree)
    errors: list[FieldError] = []
    for name, arr in (
        ("identity_level", level),
        ("clean_history_months", months),
        ("flagged", flag),
        ("community", groups),
        ("degree", deg),
    ):
        if arr.shape != ids.shape:
            errors.append(
                FieldError(
                    field=name,
                    rule="same_length",
                    message=f"{name} has shape {arr.shape}, subject_ids {ids.shape}",
                )
            )
    for name, arr in (
        ("identity_level", level),
        ("clean_history_months", months),
        ("degree", deg),
    ):
        if arr.shape == ids.shape and arr.dtype.kind not in "iu":
            errors.append(
                FieldError(
                    field=name, rule="integer", message=f"{name} must be integers, got {arr.dtype}"
                )
            )
    if flag.shape == ids.shape and flag.dtype != np.bool_:
        errors.append(
            FieldError(
                field="flagged",
                rule="boolean",
                message=f"flagged must be booleans, got {flag.dtype}",
            )
        )
    if policy.per_community is not None and policy.per_community < 1:
        errors.append(
            FieldError(
                field="per_community", rule="positive", message="per_community must be >= 1 or None"
            )
        )
    if len(np.unique(ids)) != len(ids):
        errors.append(FieldError(field="subject_ids", rule="unique", message="subject ids repeat"))
    if errors:
        raise ValidationError(errors)

    eligible = (level >= policy.min_identity_level) & (months >= policy.min_clean_months) & ~flag
    if degree is not None:
        eligible &= deg >= policy.min_degree
    # lexsort: last key is primary -> community, degree desc, level desc, months desc, id
    order = np.lexsort(
        (
            ids,
            -months.astype(np.int64),
            -level.astype(np.int64),
            -deg.astype(np.int64),
            groups,
        )
    )
    order = order[eligible[order]]
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    position = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    if policy.per_community is not None:
        order = order[position < policy.per_community]
    seeded = np.unique(groups[order])
    missing = np.setdiff1d(np.unique(groups), seeded)
    return SeedSelection(
        seeds=np.sort(ids[order]),
        communities_without_seed=missing,
        eligible=np.sort(ids[eligible]),
    )
