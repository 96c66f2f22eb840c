"""The shipped German credit data carries its source and licence (the surface is pinned in
tests/test_exported_members.py)."""

from __future__ import annotations

import glasscredit.model as model


def test_german_credit_ships_with_its_licence_note() -> None:
    df = model.load_german_credit()
    assert df.shape == (1000, 21)
    assert (df.get_column("creditability") == "bad").sum() == 300
    from importlib import resources

    readme = resources.files("glasscredit.data").joinpath("README.md").read_text()
    assert "CC BY 4.0" in readme and "MIT" in readme
