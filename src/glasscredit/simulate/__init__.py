"""Generated populations: the demo, test fixtures, benchmarks and red-team scenarios."""

from glasscredit.simulate._population import (
    DEFAULT_END_US,
    PopulationSpec,
    generate_population,
    iter_event_dicts,
    population_truth,
    write_population,
)

__all__ = [
    "DEFAULT_END_US",
    "PopulationSpec",
    "generate_population",
    "iter_event_dicts",
    "population_truth",
    "write_population",
]
