"""The schedule of trust and report recomputation, and how far behind the inputs are.

Trust and corroborated reports move many subjects at once, so they are not recomputed at
every event: the policy sets how often (``settings.schedule.refresh_every``, a duration such as
``1d``; absent or ``null``, there is no schedule and an operator runs ``glasscredit
refresh``), and the scoring worker runs
:func:`~glasscredit.app.refresh` when the newest snapshot is older than that, which
rescores exactly the subjects whose points or inputs moved. :func:`input_lag` is what the
service exports as metrics: the age of the newest trust and reports snapshots, how far the
schedule is overdue, and how many subjects' stored scores have not yet seen their newest
events.
"""

from __future__ import annotations

from glasscredit.app._base import AppModel
from glasscredit.app._context import Context
from glasscredit.exceptions import FieldError, PolicyError
from glasscredit.policy import Policy, parse_duration

__all__ = ["InputLag", "input_lag", "refresh_due", "refresh_every_us"]

_SECTION = "settings.schedule"


def refresh_every_us(policy: Policy) -> int | None:
    """The policy's refresh period in microseconds (``None``: no schedule)."""
    raw = policy.settings.get("schedule", {})
    if not isinstance(raw, dict):
        raise PolicyError(
            "policy is invalid", [FieldError(_SECTION, "mapping", f"{_SECTION} must be a mapping")]
        )
    unknown = sorted(k for k in raw if k != "refresh_every")
    if unknown:
        raise PolicyError(
            "policy is invalid",
            [
                FieldError(f"{_SECTION}.{k}", "unknown_setting", f"{k!r} is not a schedule setting")
                for k in unknown
            ],
        )
    value = raw.get("refresh_every")
    if value is None:
        return None
    try:
        period = parse_duration(value)
    except (ValueError, TypeError) as exc:
        raise PolicyError(
            "policy is invalid",
            [FieldError(f"{_SECTION}.refresh_every", "duration", str(exc))],
        ) from None
    if period < 60 * 1_000_000:
        raise PolicyError(
            "policy is invalid",
            [
                FieldError(
                    f"{_SECTION}.refresh_every",
                    "minimum",
                    "recompute trust at most once a minute (a full graph pass each time)",
                )
            ],
        )
    return period


class InputLag(AppModel):
    """How far behind the stored scores' inputs are, now."""

    snapshot_age_s: dict[str, float | None]  # per kind: now minus the newest version's making
    refresh_overdue_s: float  # past the schedule's due time (0 when on time or unscheduled)
    stale_subjects: int  # subjects whose newest events their stored score has not seen


def _newest_made(ctx: Context) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for kind in ctx.scorer.external_kinds:
        versions = ctx.ledger.snapshots.versions(kind)
        out[kind] = max((v.made_at_us for v in versions), default=None)
    return out


def refresh_due(ctx: Context) -> bool:
    """Whether the schedule calls for a refresh now (never when the policy has none or
    scores no external feature; at once when a snapshot was never made)."""
    period = refresh_every_us(ctx.policy)
    made = _newest_made(ctx)
    if period is None or not made:
        return False
    now = ctx.now()
    return any(m is None or now - m >= period for m in made.values())


def input_lag(ctx: Context) -> InputLag:
    """The lag the service exports (see the module docstring)."""
    now = ctx.now()
    made = _newest_made(ctx)
    period = refresh_every_us(ctx.policy)
    overdue = 0.0
    if period is not None:
        for m in made.values():
            if m is not None:
                overdue = max(overdue, (now - m - period) / 1e6)
    return InputLag(
        snapshot_age_s={k: None if m is None else (now - m) / 1e6 for k, m in made.items()},
        refresh_overdue_s=max(overdue, 0.0),
        stale_subjects=len(ctx.ledger.scores.stale_subjects()),
    )
