"""Monitoring use case: the population's stored scores against a reference period."""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import ValidationError
from glasscredit.model import monitor_scores
from glasscredit.policy import MONTH_US, iso

__all__ = ["Monitoring", "PeriodShift", "ShiftView", "monitor"]


class ShiftView(AppModel):
    """How one column (the score or a dimension) moved: PSI, median shift, alert."""

    column: str
    psi: float
    median_shift: float
    alert: bool
    why: str


class PeriodShift(AppModel):
    """One period's stored scores against the reference period's."""

    reference: tuple[int, int]
    current: tuple[int, int]
    reference_subjects: int
    current_subjects: int
    shifts: list[ShiftView]
    alert: bool

    @property
    def current_from(self) -> str:
        return iso(self.current[0])

    @property
    def current_to(self) -> str:
        return iso(self.current[1])


class Monitoring(AppModel):
    periods: list[PeriodShift]

    @property
    def alert(self) -> bool:
        """Whether any period crossed the policy's thresholds."""
        return any(p.alert for p in self.periods)


def monitor(
    ctx: Context,
    reference: tuple[int, int],
    *,
    current: tuple[int, int] | None = None,
    until_us: int | None = None,
) -> Monitoring:
    """PSI and median shift of the score and each dimension, one period or every month.

    Without ``current``, every month after the reference up to ``until_us`` (default
    now) is compared; months with no stored scores are left out.
    """
    if current is not None:
        periods = [current]
    else:
        end = ctx.as_of(until_us)
        periods = []
        start = reference[1]
        while start < end:
            periods.append((start, min(start + MONTH_US, end)))
            start += MONTH_US
    out = []
    for p in periods:
        try:
            out.append(
                PeriodShift.model_validate(monitor_scores(ctx.ledger, reference, p).as_dict())
            )
        except ValidationError as exc:
            if current is not None or exc.errors[0].field == "reference":
                raise
    return Monitoring(periods=out)
