"""The curated public surface: every name in ``__all__`` resolves, nothing optional loads."""

from __future__ import annotations

import subprocess
import sys

import glasscredit
from glasscredit import features, policy, rights, scoring, store, trust


def test_every_exported_name_resolves() -> None:
    for module in (glasscredit, policy, store, features, scoring, trust, rights):
        for name in module.__all__:
            assert getattr(module, name) is not None, (module.__name__, name)
    assert sorted(glasscredit.__all__) == sorted(set(glasscredit.__all__))


def test_learned_scorecard_is_exported_and_follows_sklearn() -> None:
    from sklearn.base import BaseEstimator, ClassifierMixin

    cls = glasscredit.ScorecardClassifier
    assert issubclass(cls, BaseEstimator) and issubclass(cls, ClassifierMixin)


def test_importing_glasscredit_loads_no_optional_or_front_door_package() -> None:
    code = (
        "import sys, glasscredit; bad = [m for m in ('fastapi', 'pyspark', 'typer', "
        "'sklearn', 'fairlearn') if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
