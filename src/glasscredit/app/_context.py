"""The context every use case takes: settings, policy, clock, and the ledger.

A front door builds one per request or command (:meth:`Context.open` from
:class:`~glasscredit.config.Settings`) and hands it to the use cases; nothing below the
front doors reads the environment or the clock. The ledger is opened on first use, so
use cases that need only the policy (the red team) create no database.
"""

from __future__ import annotations

from collections.abc import Callable

from glasscredit.config import Settings, load_settings, system_clock
from glasscredit.exceptions import FieldError, ValidationError
from glasscredit.policy import Policy, parse_timestamp
from glasscredit.scoring import Scorer
from glasscredit.store import Ledger

__all__ = ["Clock", "Context", "parse_period", "parse_time"]

Clock = Callable[[], int]


class Context:
    """Settings, policy and clock, with the ledger they select (opened lazily).

    One per command or request: the lazily built ledger and scorer are not guarded for
    use from several threads at once.
    """

    def __init__(
        self,
        settings: Settings,
        policy: Policy,
        clock: Clock,
        *,
        ledger: Ledger | None = None,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.read_only = read_only  # never migrate: an uninitialised database is an error
        self.policy = policy
        self.clock = clock
        self._ledger = ledger
        self._owns_ledger = ledger is None
        self._scorer: Scorer | None = None

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        clock: Clock = system_clock,
        read_only: bool = False,
    ) -> Context:
        """A context from settings (the environment's when none are given).

        ``read_only``: the commands that only read never run migrations or create tables.
        """
        s = settings or load_settings()
        return cls(s, s.load_policy(), clock, read_only=read_only)

    @classmethod
    def of_ledger(cls, ledger: Ledger) -> Context:
        """A context over a ledger someone else opened (and closes)."""
        return cls(Settings(database_url=ledger.url), ledger.policy, ledger.clock, ledger=ledger)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(
                self.settings.database_url,
                self.policy,
                clock=self.clock,
                create=not self.read_only,
            )
        return self._ledger

    @property
    def scorer(self) -> Scorer:
        """The scorer over the ledger (built once: it keeps a connection and its plans)."""
        if self._scorer is None:
            self._scorer = Scorer(self.ledger)
        return self._scorer

    def now(self) -> int:
        """The clock's time in epoch microseconds."""
        return self.clock()

    def as_of(self, as_of_us: int | None) -> int:
        """``as_of_us``, or now when it is not given."""
        return self.clock() if as_of_us is None else as_of_us

    def close(self) -> None:
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None
        if self._ledger is not None and self._owns_ledger:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_time(text: str, field: str = "as_of") -> int:
    """An RFC 3339 time in epoch microseconds; a ``ValidationError`` naming ``field``."""
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise ValidationError([FieldError(field, "timestamp", str(exc))]) from exc


def parse_period(text: str, field: str = "period") -> tuple[int, int]:
    """``FROM/TO`` (two RFC 3339 times) as a pair of epoch microseconds."""
    start, sep, end = text.partition("/")
    try:
        if not sep:
            raise ValueError("use FROM/TO, two RFC 3339 times")
        return parse_timestamp(start), parse_timestamp(end)
    except ValueError as exc:
        raise ValidationError([FieldError(field, "period", str(exc))]) from exc
