"""Fit per-bin log-odds jointly: a penalised additive logistic model on binned features.

The model is ``logit P(bad) = b0 + sum_f beta_f[slot_f(x)]``: a one-hot logistic
regression over every feature's slots, which is what an explainable boosting machine's
shape functions amount to once they are read as points tables. It is fitted by cyclic
block Newton steps (one feature at a time, like backfitting), each step solving a small
tridiagonal system, so a cycle costs a few histogram passes over the data and nothing
scales with the number of bins squared. Penalties:

* ``ridge``: L2 on every slot, so a sparse bin shrinks toward the average;
* ``smooth``: squared differences of adjacent ordered bins (a P-spline penalty), so
  fine bins borrow strength from their neighbours instead of chasing noise;
* monotone features are projected by weighted PAV after each step;
* ``gap`` (the fair fit's lever, off by default): ``gap / 2`` times the total row weight
  times the squared gap between each protected group's mean log-odds and everyone's
  (Zafar et al.'s decision-boundary covariance, as a penalty). The groups enter only
  through ``contrast``: each row's weight in a group mean less its weight in the overall
  mean, so the points stay a function of the features alone. Its Hessian is low rank on
  top of the tridiagonal one, so a block step is still two tridiagonal solves
  (Woodbury).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.linalg import LinAlgError, solve_banded
from scipy.linalg.lapack import dgtsv
from scipy.special import expit

from glasscredit.model._binning import pav

__all__ = ["AdditiveFit", "Block", "detect_trend", "fit_additive", "fit_staged"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Block:
    """One feature for the solver: slot of every row, slot count, ordered prefix, trend."""

    slots: IntArray
    n_slots: int
    n_ordered: int  # slots 0..n_ordered-1 are adjacent in order (numeric bins), else 0
    trend: int = 0  # +1: log-odds of bad rise with the bin, -1: fall, 0: free


@dataclass(frozen=True)
class AdditiveFit:
    intercept: float
    betas: list[FloatArray]
    cycles: int


def _penalty_bands(n: int, n_ordered: int, ridge: float, smooth: float) -> FloatArray:
    """Banded (tridiagonal) form of ``ridge * I + smooth * D'D`` on the ordered prefix."""
    ab = np.zeros((3, n))
    ab[1, :] = ridge
    if n_ordered > 1 and smooth > 0:
        diag = np.full(n_ordered, 2.0 * smooth)
        diag[0] = diag[-1] = smooth
        ab[1, :n_ordered] += diag
        ab[0, 1:n_ordered] = -smooth
        ab[2, : n_ordered - 1] = -smooth
    return ab


def _band_matvec(ab: FloatArray, v: FloatArray) -> FloatArray:
    out: FloatArray = ab[1] * v
    out[:-1] += ab[0, 1:] * v[1:]
    out[1:] += ab[2, :-1] * v[:-1]
    return out


def _solve_tridiagonal(ab: FloatArray, rhs: FloatArray) -> FloatArray:
    """``solve_banded((1, 1), ab, rhs, check_finite=False)`` without its wrapper's checks:
    the same LAPACK call (``dgtsv`` on the same diagonals, inputs not overwritten), so the
    same result, at a tenth of the cost on the few dozen slots of a feature."""
    if ab.shape[1] < 2:
        return np.asarray(solve_banded((1, 1), ab, rhs, check_finite=False), dtype=np.float64)
    *_, x, info = dgtsv(ab[2, :-1], ab[1, :], ab[0, 1:], rhs)
    if info > 0:
        raise LinAlgError("singular matrix")
    return np.asarray(x, dtype=np.float64)


def fit_additive(
    blocks: list[Block],
    y: FloatArray,
    ridge: float,
    smooth: float,
    max_cycles: int = 100,
    tol: float = 1e-3,
    rel_tol: float = 1e-6,
    init: AdditiveFit | None = None,
    w: FloatArray | None = None,
    contrast: FloatArray | None = None,
    gap: float = 0.0,
) -> AdditiveFit:
    """Cyclic block Newton for the penalised additive logistic model.

    ``w`` weighs each row's deviance (a weight of 2 is a duplicated row), as fairlearn's
    reductions and scikit-learn's ``sample_weight`` expect.

    ``contrast`` (groups x rows, each row summing to zero) and ``gap`` > 0 add the
    group-gap penalty ``gap * W / 2 * ||contrast @ eta||^2`` (``W`` the total weight).

    Stops when no bin moves by more than ``tol`` (log-odds) in a cycle, or when a cycle
    lowers the penalised deviance by less than ``rel_tol`` of it: projected (monotone)
    steps can trade tiny amounts between features for ever without improving the fit.
    """
    n = y.size
    rate = float(np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6))
    b0 = float(np.log(rate / (1 - rate))) if init is None else init.intercept
    betas = (
        [np.zeros(b.n_slots) for b in blocks] if init is None else [b.copy() for b in init.betas]
    )
    eta = np.full(n, b0)
    for blk, beta in zip(blocks, betas, strict=True):
        if np.any(beta):
            eta += beta[blk.slots]
    counts = [
        np.bincount(b.slots, weights=w, minlength=b.n_slots).astype(np.float64) for b in blocks
    ]
    pens = [_penalty_bands(b.n_slots, b.n_ordered, ridge, smooth) for b in blocks]
    lam = 0.0
    spread: list[FloatArray] = []
    if contrast is not None and gap > 0 and contrast.shape[0]:
        lam = gap * (float(w.sum()) if w is not None else float(n))
        spread = [
            np.stack([np.bincount(b.slots, weights=c, minlength=b.n_slots) for c in contrast])
            for b in blocks
        ]
    cycle = 0
    previous = np.inf
    for cycle in range(1, max_cycles + 1):  # noqa: B007 - cycle is reported
        change = 0.0
        for f, (blk, beta, pen) in enumerate(zip(blocks, betas, pens, strict=True)):
            p = expit(eta)
            r, h = p - y, p * (1.0 - p)
            if w is not None:
                r *= w
                h *= w
            grad = np.bincount(blk.slots, weights=r, minlength=blk.n_slots)
            hess = np.bincount(blk.slots, weights=h, minlength=blk.n_slots)
            ab = pen.copy()
            ab[1] += hess
            rhs = grad + _band_matvec(pen, beta)
            if lam:
                new = beta - _gap_step(ab, rhs, spread[f], contrast @ eta, lam)
            else:
                new = beta - _solve_tridiagonal(ab, rhs)
            if blk.trend and blk.n_ordered > 1:
                k = blk.n_ordered
                new[:k] = pav(new[:k], ab[1, :k], increasing=blk.trend > 0)
            # Keep each feature centred on its rows (its mean goes to the intercept):
            # eta is unchanged, and the intercept no longer trades mass with every
            # feature through the weak ridge, which made plain cycles crawl.
            shift = float((new * counts[f]).sum() / counts[f].sum())
            new -= shift
            b0 += shift
            delta = new - beta
            change = max(change, float(np.max(np.abs(delta))))
            eta += delta[blk.slots] + shift
            beta[:] = new
        p = expit(eta)
        if w is None:
            step = float((y - p).sum() / max(float((p * (1 - p)).sum()), 1e-12))
        else:
            step = float(w @ (y - p) / max(float(w @ (p * (1 - p))), 1e-12))
        b0 += step
        eta += step
        dev = (
            float(np.logaddexp(0.0, eta).sum() - y @ eta)
            if w is None
            else float(w @ (np.logaddexp(0.0, eta) - y * eta))
        )
        objective = dev + 0.5 * sum(
            float(beta @ _band_matvec(pen, beta)) for beta, pen in zip(betas, pens, strict=True)
        )
        if lam:
            gaps = contrast @ eta
            objective += 0.5 * lam * float(gaps @ gaps)
        if max(change, abs(step)) < tol or previous - objective < rel_tol * abs(objective):
            break
        previous = objective
    return AdditiveFit(intercept=b0, betas=betas, cycles=cycle)


def _gap_step(
    ab: FloatArray, rhs: FloatArray, spread: FloatArray, gaps: FloatArray, lam: float
) -> FloatArray:
    """Newton step of one block with the group-gap penalty: ``(T + lam A'A)^-1 (rhs + lam
    A' gaps)`` by Woodbury, ``T`` the block's tridiagonal Hessian, ``A`` its slots' sums of
    the contrast (groups x slots)."""
    g = rhs + lam * (spread.T @ gaps)
    if ab.shape[1] < 2:
        t = np.asarray(solve_banded((1, 1), ab, np.column_stack([g, spread.T]), check_finite=False))
    else:
        *_, t, info = dgtsv(ab[2, :-1], ab[1, :], ab[0, 1:], np.column_stack([g, spread.T]))
        if info > 0:
            raise LinAlgError("singular matrix")
    tg, tu = t[:, 0], t[:, 1:]
    small = np.eye(spread.shape[0]) / lam + spread @ tu
    return np.asarray(tg - tu @ np.linalg.solve(small, spread @ tg), dtype=np.float64)


def _sse(beta: FloatArray, w: FloatArray, fitted: FloatArray) -> float:
    return float((w * (beta - fitted) ** 2).sum())


def _prefix_pav_sse(beta: FloatArray, w: FloatArray, increasing: bool) -> list[float]:
    """``[SSE of pav(beta[:k], w[:k], increasing) for k = 1..n]`` in one pass.

    PAV reads left to right, so its blocks after the first ``k`` values are exactly its
    fit of that prefix (the same pooling as :func:`pav`, weights floored at 1e-12); each
    block's SSE (raw weights, as ``_sse``) is recomputed when the block pools.
    """
    v = (beta if increasing else -beta).tolist()
    wl = w.tolist()
    wc = np.maximum(w, 1e-12).tolist()
    means: list[float] = []
    wsum: list[float] = []
    starts: list[int] = []
    sses: list[float] = []
    out: list[float] = []
    for i, (vi, wi) in enumerate(zip(v, wc, strict=True)):
        means.append(vi)
        wsum.append(wi)
        starts.append(i)
        sses.append(0.0)
        while len(means) > 1 and means[-2] > means[-1]:
            m2, w2 = means.pop(), wsum.pop()
            starts.pop()
            sses.pop()
            tot = wsum[-1] + w2
            means[-1] = m = (means[-1] * wsum[-1] + m2 * w2) / tot
            wsum[-1] = tot
            sses[-1] = sum(wl[j] * (v[j] - m) ** 2 for j in range(starts[-1], i + 1))
        out.append(sum(sses))
    return out


def _unimodal_sse(beta: FloatArray, w: FloatArray) -> float:
    """Weighted SSE of the best single-peak or single-valley fit (PAV on each side).

    Every split point's two PAV fits come from four passes (prefixes one way, suffixes
    as prefixes of the reversed values), not two PAV runs per split and direction.
    """
    n = beta.size
    best = np.inf
    rb, rw = beta[::-1], w[::-1]
    for up in (True, False):
        left = _prefix_pav_sse(beta, w, up)
        right = _prefix_pav_sse(rb, rw, up)  # reversed, the other direction is ``up``
        for k in range(1, n):
            best = min(best, left[k - 1] + right[n - k - 1])
    return best


def detect_trend(
    beta: FloatArray, weights: FloatArray, min_r2: float, max_shape_loss: float = 0.1
) -> int:
    """Direction of a clear monotone trend in fitted bin log-odds, 0 when there is none.

    The trend is the PAV fit (ascending or descending) closer in weighted L2. It counts
    as clear when it explains at least ``min_r2`` of the weighted variance *and* explains
    at most ``max_shape_loss`` of it less than the best single-peak or single-valley
    shape: a U-shaped effect is half explained by a monotone fit of one arm, and forcing
    it monotone would throw the other arm away.
    """
    if beta.size < 2 or weights.sum() <= 0:
        return 0
    w = weights / weights.sum()
    mean = float((w * beta).sum())
    sst = float((w * (beta - mean) ** 2).sum())
    if sst <= 1e-12:
        return 0
    best, best_sse = 0, np.inf
    for direction in (1, -1):
        sse = _sse(beta, w, pav(beta, weights, direction > 0))
        if sse < best_sse:
            best, best_sse = direction, sse
    if 1.0 - best_sse / sst < min_r2:
        return 0
    if (best_sse - _unimodal_sse(beta, w)) / sst > max_shape_loss:
        return 0
    return best


def fit_staged(
    blocks: list[Block],
    target: FloatArray,
    ridge: float,
    smooth: float,
    *,
    w: FloatArray | None,
    contrast: FloatArray | None,
    gap: float,
    auto_trend: list[bool],
    trend_r2: float,
    rng: np.random.Generator,
    sample_rows: int,
) -> tuple[AdditiveFit, list[Block]]:
    """The estimator's fit: shapes, then detected trends enforced, then every row.

    On large data (more than ``sample_rows``) the shapes and trends are found on a sample
    first and every row still enters the final fit, warm-started: a full pass per block
    step is the cost, and most cycles are spent getting close, which a sample does as
    well. A block whose ``auto_trend`` is set gets the trend :func:`detect_trend` finds.
    Returns the fit and the blocks with their trends."""
    n = target.size
    sample = np.flatnonzero(rng.random(n) < sample_rows / n) if n > sample_rows else None
    sub = (
        blocks
        if sample is None
        else [Block(b.slots[sample], b.n_slots, b.n_ordered, b.trend) for b in blocks]
    )
    y_sub = target if sample is None else target[sample]
    w_sub = w if sample is None or w is None else w[sample]
    c_sub = contrast
    if contrast is not None and sample is not None:
        # the sample's group means: each row counts n / m times, re-centred on the sample
        c_sub = contrast[:, sample] * (n / sample.size)
        c_sub = c_sub - c_sub.mean(axis=1, keepdims=True)
    fit = fit_additive(sub, y_sub, ridge, smooth, w=w_sub, contrast=c_sub, gap=gap)
    detected = {}
    for i, auto in enumerate(auto_trend):
        k = sub[i].n_ordered
        if k > 1 and auto:
            cnt = np.bincount(sub[i].slots, weights=w_sub, minlength=sub[i].n_slots)
            detected[i] = detect_trend(fit.betas[i][:k], cnt[:k].astype(float), trend_r2)
    if any(detected.values()):
        blocks = [
            Block(b.slots, b.n_slots, b.n_ordered, detected.get(i, b.trend))
            for i, b in enumerate(blocks)
        ]
        if sample is not None:
            fit = fit_additive(
                [Block(b.slots[sample], b.n_slots, b.n_ordered, b.trend) for b in blocks],
                y_sub,
                ridge,
                smooth,
                init=fit,
                w=w_sub,
                contrast=c_sub,
                gap=gap,
            )
    if any(detected.values()) or sample is not None:
        fit = fit_additive(blocks, target, ridge, smooth, init=fit, w=w, contrast=contrast, gap=gap)
    return fit, blocks
