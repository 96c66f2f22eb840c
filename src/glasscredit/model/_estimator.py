"""``ScorecardClassifier``: a scikit-learn estimator whose fitted state is a points table.

Two methods fit the same artifact:

* ``"additive"`` (default): fine quantile bins (up to ``max_bins``), per-bin log-odds
  fitted jointly by a penalised additive logistic model (ridge + smoothness between
  adjacent bins), monotone where a clear trend is found or requested. This is how an
  explainable boosting machine gets its accuracy, kept as an integer points table.
* ``"classic"``: optimal monotonic binning, WoE, logistic regression on WoE: the
  scorecard operators know.

Both then scale log-odds to integer points. ``predict_proba`` and ``decision_function``
are computed from the integer score, so the estimator says exactly what the table says.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from glasscredit.exceptions import FieldError, ModelError, ValidationError
from glasscredit.model._additive import Block, fit_staged
from glasscredit.model._binning import (
    Bins,
    assign,
    categorical_bins,
    fine_numeric_edges,
    monotone_numeric_edges,
)
from glasscredit.model._frame import (
    as_frame,
    is_numeric,
    numeric_column,
    target_vector,
    text_column,
)
from glasscredit.model._groupgap import as_groups, group_contrast
from glasscredit.model._inputs import (
    check_feature_bins,
    check_monotonic,
    check_not_empty,
    class_labels,
    refuse_forbidden,
    sample_weights,
)
from glasscredit.model._scaling import Scaling, fit_range, scaling_from_pdo
from glasscredit.model._table import explain_rows, feature_points, table_points
from glasscredit.model._woe import slot_stats
from glasscredit.policy._points import FeaturePoints, PointsTable

__all__ = ["ScorecardClassifier"]

FloatArray = npt.NDArray[np.float64]
TRENDS = ("auto", "ascending", "descending", "none")
FIT_SAMPLE = 200_000  # rows for the first stage of the additive fit on large data


class ScorecardClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A learned scorecard: binning, per-bin log-odds, integer points.

    Parameters
    ----------
    method : {"additive", "classic"}
        How per-bin log-odds are fitted (see the module docstring).
    max_bins : int or None
        Bins per numeric feature before merging (None: 32 additive, 8 classic).
    feature_bins : dict or None
        Per numeric feature, at most this many bins instead of ``max_bins``: a coarser
        feature, its bins merged (the fair fit's bin-merge move).
    min_bin_share : float or None
        Smallest share of rows in a numeric bin (None: 0.01 additive, 0.05 classic).
    min_category_share : float
        Categories rarer than this are pooled into one listed group.
    monotonic : dict or None
        Per feature ``"ascending"`` / ``"descending"`` (bad rate against the value),
        ``"auto"`` or ``"none"``; features not named follow ``default_trend``.
    default_trend : str
        ``"auto"`` enforces a detected trend when PAV explains at least ``trend_r2`` of
        the variance of the bin log-odds.
    special_values : dict or list or None
        Sentinels with their own bin, for all numeric features (list) or per feature.
    categorical_features, protected : list of str or None
        Columns to bin as categories; columns declared protected (refused by ``fit``).
    min_iv, max_corr : float or None
        Feature selection: drop features under ``min_iv``; of two features whose WoE
        correlate above ``max_corr``, drop the one with the lower IV.
    ridge, smooth : float
        Additive method penalties (see :mod:`glasscredit.model._additive`).
    C : float
        Inverse regularisation of the classic method's logistic regression.
    base_score, base_odds, pdo : float
        Scaling: ``base_score`` points at odds ``base_odds``:1 good:bad, ``pdo`` points
        to double the odds.
    score_range : tuple or None
        If set, the scaling is shrunk so every achievable score lies in it.
    bad_class : label or None
        The outcome to predict (default: ``classes_[1]``, scikit-learn's positive class).
    random_state : int or None
        Seeds the quantile sample on large data.
    group_gap, group_gap_min_size : float, int
        The fair fit's penalty (additive method only; off at 0): with ``groups`` given to
        ``fit``, ``group_gap`` weighs the squared gap between each protected group's mean
        log-odds and everyone's, for groups of at least ``group_gap_min_size`` rows. The
        groups steer the fit only; the table reads the features alone.
    """

    def __init__(
        self,
        method: str = "additive",
        max_bins: int | None = None,
        feature_bins: dict[str, int] | None = None,
        min_bin_share: float | None = None,
        min_category_share: float = 0.01,
        monotonic: dict[str, str] | None = None,
        default_trend: str = "auto",
        trend_r2: float = 0.3,
        special_values: dict[str, list[float]] | list[float] | None = None,
        categorical_features: list[str] | None = None,
        protected: list[str] | None = None,
        min_iv: float | None = None,
        max_corr: float | None = 0.95,
        ridge: float = 2.0,
        smooth: float = 16.0,
        C: float = 1.0,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        pdo: float = 20.0,
        score_range: tuple[float, float] | None = (350.0, 950.0),
        bad_class: Any = None,
        random_state: int | None = None,
        group_gap: float = 0.0,
        group_gap_min_size: int = 30,
    ) -> None:
        self.method = method
        self.max_bins = max_bins
        self.feature_bins = feature_bins
        self.min_bin_share = min_bin_share
        self.min_category_share = min_category_share
        self.monotonic = monotonic
        self.default_trend = default_trend
        self.trend_r2 = trend_r2
        self.special_values = special_values
        self.categorical_features = categorical_features
        self.protected = protected
        self.min_iv = min_iv
        self.max_corr = max_corr
        self.ridge = ridge
        self.smooth = smooth
        self.C = C
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo
        self.score_range = score_range
        self.bad_class = bad_class
        self.random_state = random_state
        self.group_gap = group_gap
        self.group_gap_min_size = group_gap_min_size

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = True  # densified column by column (as_frame)
        tags.classifier_tags.multi_class = False  # a scorecard has one bad outcome
        return tags

    # -- fit ------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.method not in ("additive", "classic"):
            raise ModelError(f"method: {self.method!r} is not 'additive' or 'classic'")
        trends = [self.default_trend, *(self.monotonic or {}).values()]
        bad = [t for t in trends if t not in TRENDS]
        if bad:
            raise ModelError(f"monotonic: {bad[0]!r} is not one of {TRENDS}")
        if self.max_bins is not None and self.max_bins < 1:
            raise ModelError("max_bins: must be at least 1")
        for name, k in (self.feature_bins or {}).items():
            if not isinstance(k, int) or k < 1:
                raise ModelError(f"feature_bins: {name!r} needs a whole number of bins >= 1")
        gap = self.group_gap
        if (
            isinstance(gap, bool)
            or not isinstance(gap, int | float | np.number)
            or not (np.isfinite(gap) and gap >= 0)
        ):
            raise ModelError("group_gap: must be a finite number >= 0")
        size = self.group_gap_min_size
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ModelError("group_gap_min_size: must be a whole number of rows >= 1")
        if self.group_gap and self.method != "additive":
            raise ModelError("group_gap: the group-gap penalty needs method='additive'")

    def _target(self, labels: npt.NDArray[Any], n: int) -> FloatArray:
        classes = self.classes_ = class_labels(labels, n)
        bad = classes[1] if self.bad_class is None else self.bad_class
        if bad not in classes.tolist():
            raise ValidationError(
                [FieldError("target", "bad_class_present", f"bad_class {bad!r} is not an outcome")]
            )
        self.bad_class_ = bad
        return np.asarray(labels == bad, dtype=np.float64)

    def _specials(self, name: str) -> tuple[float, ...]:
        sv = self.special_values
        vals = sv.get(name, []) if isinstance(sv, dict) else (sv or [])
        out = tuple(dict.fromkeys(float(v) for v in vals))  # a value listed twice is one
        if any(not np.isfinite(v) for v in out):
            raise ModelError(f"special_values: {name}: sentinels must be finite numbers")
        return out

    def _trend(self, name: str) -> str:
        return (self.monotonic or {}).get(name, self.default_trend)

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, groups: Any = None
    ) -> ScorecardClassifier:
        """Fit bins and points; refuses forbidden and protected columns.

        ``sample_weight`` weighs each row everywhere a row counts (quantiles, bin shares,
        WoE, the fit): a weight of 2 is a duplicated row and a weight of 0 a removed one,
        so fairlearn's reductions can steer the fit without touching the table's form.
        ``groups`` (attribute -> one value per row) is read only by the group-gap penalty
        (``group_gap``): it steers the fit, is not kept, and never enters a score.
        """
        self._check_params()
        frame, named = as_frame(X)
        check_not_empty(X, frame.height, frame.width)
        refuse_forbidden(frame.columns, list(self.protected or []))
        labels = target_vector(y)
        w = sample_weights(sample_weight, frame.height)
        grp = None if groups is None else as_groups(groups, frame.height)
        if grp is not None and set(grp) & set(frame.columns):
            clash = sorted(set(grp) & set(frame.columns))[0]
            raise ModelError(f"groups: {clash!r} is also a column of X; it cannot be both")
        if w is not None and labels.shape[0] == frame.height and not (w > 0).all():
            keep = w > 0
            frame, labels, w = frame.filter(pl.Series(keep)), labels[keep], w[keep]
            if grp is not None:
                grp = {k: v[keep] for k, v in grp.items()}
        contrast: FloatArray | None = None
        self.group_gap_groups_: dict[str, float] = {}  # the groups steered by, and their rows
        if grp is not None and self.group_gap:
            contrast, self.group_gap_groups_ = group_contrast(
                grp, frame.height, w, self.group_gap_min_size
            )
        target = self._target(labels, frame.height)
        self.n_features_in_ = frame.width
        if named:
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        rng = self._rng = np.random.default_rng(self.random_state)
        classic = self.method == "classic"
        max_bins = self.max_bins or (8 if classic else 32)
        share = (
            self.min_bin_share if self.min_bin_share is not None else (0.05 if classic else 0.01)
        )
        cats = set(self.categorical_features or [])
        self.excluded_: dict[str, str] = {}
        bins: dict[str, Bins] = {}
        slots: dict[str, npt.NDArray[np.intp]] = {}
        asc: dict[str, bool] = {}
        for name in frame.columns:
            s = frame.get_column(name)
            if s.null_count() == s.len() or (s.dtype.is_float() and s.is_nan().all()):
                self.excluded_[name] = "all values missing"
                continue
            if is_numeric(s) and name not in cats:
                x = numeric_column(s)
                sp = self._specials(name)
                trend = self._trend(name)
                k = (self.feature_bins or {}).get(name, max_bins)
                if classic:
                    edges, asc[name] = monotone_numeric_edges(
                        x, target, sp, trend, k, share, prebins=20, w=w
                    )
                else:
                    edges = fine_numeric_edges(x, sp, k, share, 200_000, rng, w)
                b = Bins(name=name, kind="numeric", edges=edges, specials=sp)
                col: Any = x
            else:
                col = text_column(s)
                b = categorical_bins(name, col, self.min_category_share, w)
            sl = assign(b, col)
            if sl.min() == sl.max():
                self.excluded_[name] = "constant: a single bin holds every row"
                continue
            bins[name], slots[name] = b, sl
        check_monotonic(self.monotonic, frame.columns, bins)
        check_feature_bins(self.feature_bins, frame.columns, bins)
        self._select(bins, slots, target, rng, w)
        if not bins:
            raise ModelError(
                "no usable feature: every column was constant, empty or "
                f"uninformative ({self.excluded_})"
            )
        if classic:
            intercept, betas = self._fit_classic(bins, slots, target, asc, w)
        else:
            intercept, betas = self._fit_additive(bins, slots, target, w, contrast)
        self._build_table(bins, slots, target, intercept, betas, w)
        return self

    def _select(
        self,
        bins: dict[str, Bins],
        slots: dict[str, npt.NDArray[np.intp]],
        target: FloatArray,
        rng: np.random.Generator,
        w: FloatArray | None,
    ) -> None:
        """IV threshold, then the correlation filter on WoE-encoded features."""
        woe: dict[str, FloatArray] = {}
        iv: dict[str, float] = {}
        for name, b in bins.items():
            st = slot_stats(slots[name], target, b.n_slots, w)
            woe[name], iv[name] = st.woe, float(st.iv.sum())
        self.selection_iv_ = iv
        for name in list(bins):
            if self.min_iv is not None and iv[name] < self.min_iv:
                self.excluded_[name] = f"information value {iv[name]:.4f} < min_iv {self.min_iv}"
                del bins[name], slots[name]
        if self.max_corr is None or len(bins) < 2:
            return
        n = target.size
        rows = np.flatnonzero(rng.random(n) < 50_000 / n) if n > 50_000 else slice(None)
        names = sorted(bins, key=lambda c: -iv[c])
        mat = np.column_stack([woe[c][slots[c][rows]] for c in names])
        with np.errstate(invalid="ignore", divide="ignore"):
            if w is None:
                corr = np.atleast_2d(np.nan_to_num(np.corrcoef(mat, rowvar=False)))
            else:
                cov = np.atleast_2d(np.cov(mat, rowvar=False, aweights=w[rows]))
                sd = np.sqrt(np.diag(cov))
                corr = np.nan_to_num(cov / np.outer(sd, sd))
        kept: list[int] = []
        for i, name in enumerate(names):
            clash = [j for j in kept if abs(corr[i, j]) > self.max_corr]
            if clash:
                self.excluded_[name] = (
                    f"WoE correlation {corr[i, clash[0]]:.2f} with "
                    f"{names[clash[0]]} > max_corr {self.max_corr}"
                )
                del bins[name], slots[name]
            else:
                kept.append(i)

    def _fit_additive(
        self,
        bins: dict[str, Bins],
        slots: dict[str, npt.NDArray[np.intp]],
        target: FloatArray,
        w: FloatArray | None,
        contrast: FloatArray | None = None,
    ) -> tuple[float, list[FloatArray]]:
        names = list(bins)
        gap = self.group_gap if contrast is not None else 0.0
        blocks = []
        for name in names:
            b = bins[name]
            ordered = b.n_regular if b.kind == "numeric" else 0
            t = self._trend(name)
            blocks.append(
                Block(slots[name], b.n_slots, ordered, {"ascending": 1, "descending": -1}.get(t, 0))
            )
        auto = [self._trend(name) == "auto" for name in names]
        fit, blocks = fit_staged(
            blocks,
            target,
            self.ridge,
            self.smooth,
            w=w,
            contrast=contrast,
            gap=gap,
            auto_trend=auto,
            trend_r2=self.trend_r2,
            rng=self._rng,
            sample_rows=FIT_SAMPLE,
        )
        self.trends_ = {
            n: {1: "ascending", -1: "descending"}.get(b.trend, "none")
            for n, b in zip(names, blocks, strict=True)
        }
        self.n_cycles_ = fit.cycles
        return fit.intercept, fit.betas

    def _fit_classic(
        self,
        bins: dict[str, Bins],
        slots: dict[str, npt.NDArray[np.intp]],
        target: FloatArray,
        asc: dict[str, bool],
        w: FloatArray | None,
    ) -> tuple[float, list[FloatArray]]:
        names = list(bins)
        woes = [slot_stats(slots[n], target, bins[n].n_slots, w).woe for n in names]
        design = np.column_stack([wo[slots[n]] for wo, n in zip(woes, names, strict=True)])
        lr = LogisticRegression(C=self.C, max_iter=1000)
        lr.fit(design, target, sample_weight=w)
        self.trends_ = {
            n: ("ascending" if asc.get(n, True) else "descending")
            if bins[n].kind == "numeric"
            else "none"
            for n in names
        }
        self.n_cycles_ = int(lr.n_iter_[0])
        return float(lr.intercept_[0]), [c * wo for c, wo in zip(lr.coef_[0], woes, strict=True)]

    def _build_table(
        self,
        bins: dict[str, Bins],
        slots: dict[str, npt.NDArray[np.intp]],
        target: FloatArray,
        intercept: float,
        betas: list[FloatArray],
        w: FloatArray | None,
    ) -> None:
        """Centre each feature on its training mean, scale, round, record bin statistics."""
        names = list(bins)
        counts = [np.bincount(slots[n], weights=w, minlength=bins[n].n_slots) for n in names]
        centred = []
        for beta, cnt in zip(betas, counts, strict=True):
            mean = float((beta * cnt).sum() / cnt.sum())
            intercept += mean
            centred.append(beta - mean)
        scaling: Scaling = scaling_from_pdo(self.base_score, self.base_odds, self.pdo)
        if self.score_range is not None:
            lo = sum(float(b.min()) for b in centred)
            hi = sum(float(b.max()) for b in centred)
            scaling = fit_range(scaling, intercept, lo, hi, self.score_range, len(names))
        features: dict[str, FeaturePoints] = {}
        final_bins: dict[str, Bins] = {}
        for name, beta, cnt in zip(names, centred, counts, strict=True):
            fp, fb = feature_points(bins[name], scaling.points(beta), (cnt == 0).tolist())
            features[name], final_bins[name] = fp, fb
        self.scaling_ = scaling
        self.points_table_ = PointsTable(
            base=scaling.base(intercept),
            features=features,
            scaling=scaling.as_dict(),
            source="glasscredit.model",
        )
        self.bins_ = final_bins
        self.bin_stats_ = {}
        self.iv_ = {}
        for name, fb in final_bins.items():
            old = bins[name]
            sl = slots[name] if fb == old else assign(fb, _slot_values(old))[slots[name]]
            st = slot_stats(sl, target, fb.n_slots, w)
            self.bin_stats_[name] = st.as_dict()
            self.iv_[name] = float(st.iv.sum())

    # -- predict --------------------------------------------------------------------
    def _frame(self, X: Any) -> pl.DataFrame:
        check_is_fitted(self, "points_table_")
        frame, named = as_frame(X)
        if not named and frame.width != self.n_features_in_:
            raise ValidationError(
                [
                    FieldError(
                        "X",
                        "feature_count",
                        f"X has {frame.width} features, but ScorecardClassifier is "
                        f"expecting {self.n_features_in_} features as input",
                    )
                ]
            )
        return frame

    def predict_score(self, X: Any) -> npt.NDArray[np.int64]:
        """Integer scores (base plus points); columns the model does not use are ignored."""
        return table_points(self.points_table_, self._frame(X))[0]

    def decision_function(self, X: Any) -> FloatArray:
        """Log-odds of ``classes_[1]`` implied by the integer score."""
        check_is_fitted(self, "points_table_")
        lo = self.scaling_.log_odds_bad(self.predict_score(X).astype(np.float64))
        return lo if self.bad_class_ == self.classes_[1] else -lo

    def predict_proba(self, X: Any) -> FloatArray:
        """Probabilities of ``classes_[0]`` and ``classes_[1]`` from the integer score."""
        p1 = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The more likely class."""
        d = self.decision_function(X)
        return np.asarray(self.classes_[(d > 0).astype(int)])

    def explain(self, X: Any) -> list[dict[str, Any]]:
        """Each row's score, bins, points and flags (missing, unseen category)."""
        return explain_rows(self.points_table_, self._frame(X))

    def to_points_table(self) -> PointsTable:
        """The fitted points table (the engine's format)."""
        check_is_fitted(self, "points_table_")
        return self.points_table_


def _slot_values(old: Bins) -> Any:
    """A representative value of each old slot, so rows can be re-binned without the data.

    Merged numeric bins only drop edges, so the left edge of an old bin (or a value below
    the first edge) lands in the merged bin that contains it; missing and specials keep
    their own value.
    """
    if old.kind == "categorical":  # categorical groups are never merged
        raise AssertionError(f"{old.name}: categorical bins changed after the fit")
    e = np.asarray(old.edges, dtype=np.float64)
    first = e[0] - 1.0 if e.size else 0.0
    return np.concatenate(([first], e, [np.nan], np.asarray(old.specials, dtype=np.float64)))
