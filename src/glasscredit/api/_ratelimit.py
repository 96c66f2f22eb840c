"""Per-key rate limits: a token bucket per credential, in this worker's memory.

Each key may make ``rate`` requests per second on average and ``burst`` at once; a
request beyond that is refused with 429 and ``Retry-After``. With several workers each
keeps its own buckets, so a key's ceiling is ``workers x rate`` (said in the README).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from glasscredit.exceptions import GlasscreditError

__all__ = ["RateLimited", "RateLimiter"]


class RateLimiter:
    """Token buckets keyed by credential; ``take`` returns 0 or the seconds to wait."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``'s bucket: 0.0 if allowed, else seconds until one is."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else 60.0


class RateLimited(GlasscreditError):
    """A key went over its rate (429; ``Retry-After`` says when to come back)."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"rate: over this key's rate limit; retry in {retry_after_s:.2f} s [rate]")

    @property
    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))
