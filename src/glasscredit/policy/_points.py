"""The points table: the audited artifact that turns feature values into points.

A numeric feature is cut by ascending ``edges`` into ``len(edges) + 1`` right-open bins
``(-inf, e0), [e0, e1), ..., [e_k, +inf)``; a categorical feature maps groups of
categories to points, with an ``other`` bin for categories never seen. Every feature
has a ``missing`` bin, and optional ``specials`` (sentinel values such as -999 that mean
"not applicable"). One lookup (:mod:`glasscredit.policy._lookup`, reached through
:meth:`FeaturePoints.slots`, :meth:`~FeaturePoints.points_of` and
:meth:`~FeaturePoints.bin_of`) serves the batch engine, the explanation, the learned
scorecard, the SQL export and the offline verifier, so special and missing values are
treated identically everywhere. A table that could be read two ways (a value listed in
two special bins, a category in two groups, edges out of order or not numbers) is
refused with a named rule.

Points are integers: the score is an exact sum, so an explanation is exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from glasscredit.canonical import digest
from glasscredit.policy._lookup import categorical_slots, numeric_slots

__all__ = ["MISSING_BIN", "OTHER_BIN", "FeaturePoints", "PointsTable", "SpecialBin"]

IntArray = npt.NDArray[np.intp]
PointsArray = npt.NDArray[np.int64]

MISSING_BIN = "missing"
# what explains the points without being one: left out of the table's hash
_NOT_HASHED: Any = {"features": {"__all__": {"rationale"}}}
OTHER_BIN = "other"


class SpecialBin(BaseModel):
    """Sentinel values with their own points, matched before the numeric bins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: list[float] = Field(min_length=1)
    points: int
    label: str | None = None


class FeaturePoints(BaseModel):
    """Bins and points of one feature."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["numeric", "categorical"] = "numeric"
    edges: list[float] = Field(default_factory=list)
    groups: list[list[str]] = Field(default_factory=list)
    points: list[int]
    missing: int = 0
    other: int | None = None
    specials: list[SpecialBin] = Field(default_factory=list)
    #: why these bins and points (the operator's reasoning, shown with the table); not
    #: part of the table's hash: it explains the points without changing any
    rationale: str | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> FeaturePoints:
        if self.rationale is not None:
            _check_rationale(self.rationale)
        if self.kind == "numeric":
            self._check_numeric()
        else:
            self._check_categorical()
        return self

    def _check_numeric(self) -> None:
        if self.groups:
            raise ValueError("groups: only categorical features have groups [numeric_bins]")
        if self.other is not None:
            raise ValueError("other: only categorical features have an other bin [numeric_bins]")
        if any(not math.isfinite(e) for e in self.edges):
            raise ValueError("edges: every edge must be a finite number [finite_edges]")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("edges: must be strictly ascending [ascending_edges]")
        if len(self.points) != len(self.edges) + 1:
            raise ValueError(
                f"points: a numeric feature with {len(self.edges)} edges needs "
                f"{len(self.edges) + 1} points, got {len(self.points)} [bin_count]"
            )
        values = self.special_values
        if any(not math.isfinite(v) for v in values):
            raise ValueError(
                "specials: every special value must be a finite number (NaN is the missing "
                "bin, infinities fall in the outer bins) [finite_specials]"
            )
        seen: set[float] = set()
        for v in values:
            if v in seen:
                raise ValueError(
                    f"specials: {v:g} is listed twice, so its points would depend on which "
                    "listing a reader takes [distinct_specials]"
                )
            seen.add(v)

    def _check_categorical(self) -> None:
        if self.edges or self.specials:
            raise ValueError("edges: categorical features have groups, not edges [cat_bins]")
        if len(self.points) != len(self.groups):
            raise ValueError(
                f"points: {len(self.groups)} groups need {len(self.groups)} points, "
                f"got {len(self.points)} [bin_count]"
            )
        seen: set[str] = set()
        for g in self.groups:
            dup = seen.intersection(g) or ({c for c in g if g.count(c) > 1})
            if dup:
                raise ValueError(
                    f"groups: category {sorted(dup)[0]!r} is listed twice [distinct_groups]"
                )
            seen.update(g)

    # -- the lookup: one code path for missing, specials, bins, groups and other -------
    @property
    def special_values(self) -> list[float]:
        """Every special value in listed order; each has its own slot after missing."""
        return [v for sp in self.specials for v in sp.values]

    @property
    def missing_slot(self) -> int:
        return len(self.points)

    @cached_property
    def _compiled(self) -> _Compiled:
        # derived from the (frozen) fields once: the lookup runs per value in explanations
        return _Compiled(self)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> FeaturePoints:
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("_compiled", None)  # a copy with updates compiles its own
        return copy

    def slots(self, values: Any) -> IntArray:
        """Slot of every value (numeric: float array, NaN missing; categorical: text)."""
        c = self._compiled
        if self.kind == "categorical":
            s = values if isinstance(values, pl.Series) else pl.Series(values, dtype=pl.Utf8)
            return categorical_slots(c.slot_of, len(self.groups), s)
        return numeric_slots(c.edges, c.specials, np.asarray(values, np.float64))

    def slot_points(self) -> PointsArray:
        """Points of every slot, in the layout of :meth:`slots`."""
        return self._compiled.points

    def slot_label(self, slot: int) -> str:
        """The bin label of a slot, as explanations and reason codes print it."""
        return self._compiled.labels[slot]

    def points_of(self, values: Any) -> PointsArray:
        """Points of every value: the vectorised lookup the engine and the model use."""
        out: PointsArray = self._compiled.points[self.slots(values)]
        return out

    def bin_of(self, value: float | str | None) -> tuple[str, int]:
        """Return (bin label, points) of one value, through the same lookup as :meth:`slots`."""
        if self.kind == "categorical":
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            col: Any = [None if missing else str(value)]
        else:
            col = [math.nan if value is None else float(value)]
        slot = int(self.slots(col)[0])
        c = self._compiled
        return c.labels[slot], c.point_list[slot]

    @property
    def other_points(self) -> int:
        """Points for an unseen category: declared, else the least favourable (conservative)."""
        return self.other if self.other is not None else min(self.points, default=0)

    def bin_label(self, i: int) -> str:
        lo = "-inf" if i == 0 else f"{self.edges[i - 1]:g}"
        hi = "inf" if i == len(self.edges) else f"{self.edges[i]:g}"
        return f"[{lo}, {hi})"

    def group_label(self, i: int) -> str:
        return "{" + ", ".join(self.groups[i]) + "}"

    def all_points(self) -> list[int]:
        """Every value this feature can contribute (bins, missing, specials, other)."""
        pts = [*self.points, self.missing, *(s.points for s in self.specials)]
        if self.kind == "categorical":
            pts.append(self.other_points)
        return pts

    @property
    def max_points(self) -> int:
        return max(self.all_points())

    @property
    def min_points(self) -> int:
        return min(self.all_points())


RATIONALE_MAX = 600


def _check_rationale(text: str) -> None:
    """A rationale is a short plain-text paragraph: said, not blank, not a document."""
    if not text.strip():
        raise ValueError("rationale: say why, or leave the field out [rationale_blank]")
    if len(text) > RATIONALE_MAX:
        raise ValueError(
            f"rationale: {len(text)} characters; at most {RATIONALE_MAX} [rationale_length]"
        )
    if any(ord(c) < 32 and c not in "\n" for c in text):
        raise ValueError("rationale: control characters are not text [rationale_text]")


class _Compiled:
    """A feature's lookup inputs as arrays, its slots' points and labels (derived data).

    Equality is identity: two equal tables compare by their fields alone (pydantic falls
    back to the fields when the rest of ``__dict__`` differs).
    """

    __slots__ = ("edges", "labels", "point_list", "points", "slot_of", "specials")

    def __init__(self, fp: FeaturePoints) -> None:
        n = len(fp.points)
        self.edges = np.asarray(fp.edges, dtype=np.float64)
        self.specials = np.asarray(fp.special_values, dtype=np.float64)
        self.slot_of = {c: i for i, g in enumerate(fp.groups) for c in g}
        pts = [*fp.points, fp.missing]
        if fp.kind == "categorical":
            labels = [fp.group_label(i) for i in range(n)] + [MISSING_BIN, OTHER_BIN]
            pts.append(fp.other_points)
        else:
            labels = [fp.bin_label(i) for i in range(n)] + [MISSING_BIN]
            for sp in fp.specials:
                labels.extend(sp.label or f"special {v:g}" for v in sp.values)
                pts.extend(sp.points for _ in sp.values)
        self.labels: list[str] = labels
        self.point_list: list[int] = pts
        self.points: PointsArray = np.asarray(pts, dtype=np.int64)


class PointsTable(BaseModel):
    """Base points plus one :class:`FeaturePoints` per feature.

    ``scaling`` records how a learned table was scaled (offset, factor, PDO, base odds)
    and is informational; the engine only adds integers.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int
    features: dict[str, FeaturePoints]
    scaling: dict[str, float] | None = None
    source: Annotated[str, Field(description="'policy' (hand-made) or a model id")] = "policy"

    @property
    def hash(self) -> str:
        """sha256 of the table's canonical JSON: which points produced a score.

        Stored with every score as ``model_hash`` (the points table is the scoring model,
        hand-made in the policy or learned), and checked by ``verify-score``.
        """
        return digest(self.model_dump(mode="json", exclude=_NOT_HASHED))

    @property
    def max_total(self) -> int:
        return self.base + sum(f.max_points for f in self.features.values())

    @property
    def min_total(self) -> int:
        return self.base + sum(f.min_points for f in self.features.values())

    def score_row(self, values: dict[str, float | str | None]) -> int:
        """Base plus points of each feature; a missing key scores the missing bin."""
        return self.base + sum(fp.bin_of(values.get(name))[1] for name, fp in self.features.items())

    def points(
        self, columns: Mapping[str, Any], n_rows: int, threads: int = 1
    ) -> tuple[PointsArray, dict[str, PointsArray]]:
        """Total and points per feature of ``n_rows`` rows: the vectorised ``score_row``.

        ``columns`` maps a feature to its column (numeric: floats, NaN missing;
        categorical: text); a feature with no column scores its missing bin on every
        row. With ``threads > 1`` features are looked up in parallel (NumPy releases the
        GIL in the binary search and the gathers).
        """

        def one(item: tuple[str, FeaturePoints]) -> PointsArray:
            name, fp = item
            if name in columns:
                return fp.points_of(columns[name])
            return np.full(n_rows, fp.missing, dtype=np.int64)

        items = list(self.features.items())
        if threads > 1 and len(items) > 1:
            with ThreadPoolExecutor(threads) as pool:
                results = list(pool.map(one, items))
        else:
            results = [one(it) for it in items]
        total = np.full(n_rows, self.base, dtype=np.int64)
        for pts in results:
            total += pts
        return total, {name: pts for (name, _), pts in zip(items, results, strict=True)}
