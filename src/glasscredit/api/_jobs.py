"""Long reports run as jobs: started by a request, stored when done, read by another.

The red team and the fairness audit take seconds of CPU: a request starts one on this
worker's single job thread and is answered 202 at once; the run stores its result in
the audit chain (:mod:`glasscredit.app._stored_reports`), where ``GET`` reads the newest
from any worker. One run of a kind at a time per worker (409 while one is under way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock

from glasscredit.exceptions import ConflictError

__all__ = ["Jobs"]

log = logging.getLogger(__name__)


class Jobs:
    """One job thread per service process; at most one running job per kind."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None  # made by the first job
        self._running: dict[str, Future[None]] = {}
        self._lock = Lock()

    def start(self, kind: str, run: Callable[[], object]) -> None:
        """Queue ``run``; ``ConflictError`` while a job of ``kind`` is queued or running."""
        with self._lock:
            busy = self._running.get(kind)
            if busy is not None and not busy.done():
                raise ConflictError(f"job: a {kind} run is under way on this worker [running]")
            if self._pool is None:  # first use, or used again after a lifespan ended
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="glasscredit-job")
            self._running[kind] = self._pool.submit(self._guarded, kind, run)

    def running(self, kind: str) -> bool:
        job = self._running.get(kind)
        return job is not None and not job.done()

    @staticmethod
    def _guarded(kind: str, run: Callable[[], object]) -> None:
        try:
            run()
        except Exception:  # the job thread outlives a failed run; the log says why
            log.exception("%s run failed", kind)

    def close(self) -> None:
        """Wait for a running job (it writes to the ledger about to close)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
