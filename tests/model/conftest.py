"""Small fitted models shared by the model tests (fitted once per session: fits are slow)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from glasscredit.model import GERMAN_CREDIT_PROTECTED, ScorecardClassifier, load_german_credit


def synthetic(n: int = 3000, seed: int = 0) -> tuple[pl.DataFrame, np.ndarray]:
    """A known logistic truth with missing values, a sentinel, infinities and a category."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = rng.uniform(0, 100, size=n)
    cat = rng.choice(["red", "green", "blue", "rare"], p=[0.5, 0.3, 0.195, 0.005], size=n)
    eta = -1.0 + 1.2 * a - 0.02 * (b - 50) + np.where(cat == "red", 0.8, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    a[rng.random(n) < 0.05] = np.nan
    b[rng.random(n) < 0.03] = -999.0
    a[:3] = [np.inf, -np.inf, np.inf]
    frame = pl.DataFrame({"a": a, "b": b, "colour": cat})
    return frame, y


def proxy_data(
    n: int = 2000,
    seed: int = 0,
    *,
    share: float = 0.3,
    noise: float = 0.4,
    effect: float = 1.3,
    slope: float = 1.3,
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """A minority (``share`` of rows) with a higher bad rate (``effect`` in log-odds), and
    a feature that is that membership plus noise (``noise``): what a fair fit has to deal
    with. Returns X, the 0/1 outcome and each row's group."""
    rng = np.random.default_rng(seed)
    g = rng.random(n) < share
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    proxy = g + rng.normal(scale=noise, size=n)
    eta = -0.8 + slope * x1 + 0.6 * x2 + effect * g
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    X = pl.DataFrame({"x1": x1, "x2": x2, "proxy": proxy, "colour": rng.choice(["a", "b"], n)})
    return X, y, np.where(g, "minority", "majority")


@pytest.fixture(scope="session")
def data() -> tuple[pl.DataFrame, np.ndarray]:
    return synthetic()


@pytest.fixture(scope="session")
def fitted(data: tuple[pl.DataFrame, np.ndarray]) -> ScorecardClassifier:
    X, y = data
    return ScorecardClassifier(special_values={"b": [-999.0]}, random_state=0).fit(X, y)


@pytest.fixture(scope="session")
def german() -> tuple[pl.DataFrame, np.ndarray]:
    df = load_german_credit()
    y = (df.get_column("creditability") == "bad").to_numpy().astype(np.int64)
    return df.drop(["creditability", *GERMAN_CREDIT_PROTECTED]), y


@pytest.fixture(scope="session")
def german_model(german: tuple[pl.DataFrame, np.ndarray]) -> ScorecardClassifier:
    X, y = german
    return ScorecardClassifier(random_state=0).fit(X, y)
