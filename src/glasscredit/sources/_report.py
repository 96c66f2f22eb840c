"""The source report: every source's baseline and the flags they raise, as of a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from glasscredit.policy import DAY_US, Policy, iso
from glasscredit.sources._baselines import CLOCK, SourceBaseline, measure_sources
from glasscredit.sources._flags import SourceFlag, flag_sources
from glasscredit.sources._settings import SourceSettings, source_settings

__all__ = ["SourceReport", "source_report"]


@dataclass(frozen=True, slots=True)
class SourceReport:
    """Baselines of every declared source and the flags raised, as of ``as_of_us``."""

    as_of_us: int
    settings: SourceSettings
    baselines: list[SourceBaseline]
    flags: list[SourceFlag]

    def as_dict(self) -> dict[str, Any]:
        wd = self.settings.window_us / DAY_US
        bd = self.settings.baseline_us / DAY_US
        return {
            "as_of": iso(self.as_of_us),
            "window": self.settings.window,
            "baseline": self.settings.baseline,
            "sources": [b.as_dict(wd, bd) for b in self.baselines],
            "flags": [f.as_dict() for f in self.flags],
        }


def source_report(
    events: pl.DataFrame,
    disputes: Mapping[str, Mapping[str, int]],
    policy: Policy,
    as_of_us: int,
) -> SourceReport:
    """Measure every source and flag departures, with the policy's ``settings.sources``.

    ``events`` as :func:`~glasscredit.sources.measure_sources` takes them.
    """
    settings = source_settings(policy)
    baselines = measure_sources(events, disputes, policy, settings, as_of_us)
    window = events.filter(
        (pl.col(CLOCK) > as_of_us - settings.window_us) & (pl.col(CLOCK) <= as_of_us)
    )
    return SourceReport(as_of_us, settings, baselines, flag_sources(baselines, window, settings))
