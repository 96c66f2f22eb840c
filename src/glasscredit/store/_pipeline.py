"""Run a producer of items ahead of its consumer: in a thread, or in another process.

Ingest reads and validates the next batch while the current one is written. In a
thread the two share the GIL: the writer releases it inside every SQLite step and then
waits for it behind the validator's Python code. A large file therefore gets its own
process (a fresh interpreter: polars' thread pool makes ``fork`` unsafe), which sends
each batch back through a pipe as pickled frames; the database writer keeps a core to
itself, and the pipe bounds how far ahead the reader runs.

Both ways keep the producer's exceptions: they are raised in the consumer, at the item
where they happened. A producer process that dies is reported, never waited on forever,
and one whose consumer was killed exits at its next write (broken pipe).
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from glasscredit.exceptions import LedgerError

__all__ = ["in_process", "in_thread", "run_producer"]

T = TypeVar("T")


def in_thread(
    items: Iterator[T], depth: int = 2, *, interrupt: Callable[[], None] | None = None
) -> Generator[T, None, None]:
    """Run ``items`` in a background thread, ``depth`` ahead of the consumer.

    ``interrupt`` is called when the consumer stops early, before the thread is joined:
    it must unblock whatever the thread may be waiting on.
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("end", None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put("error", exc)

    worker = threading.Thread(target=run, name="glasscredit-ingest-reader", daemon=True)
    worker.start()
    try:
        yield from _unwrap(iter(q.get, None))
    finally:
        stop.set()
        if interrupt is not None:
            interrupt()
        worker.join()


def in_process(produce: Callable[..., Iterator[T]], *args: Any, depth: int = 3) -> Iterator[T]:
    """Run ``produce(*args)`` in a new Python process, ``depth`` items ahead of the consumer.

    ``produce`` must be a module-level function and ``args`` and the items picklable.
    The process is a plain ``python -m`` child (not :mod:`multiprocessing`), so the
    caller's ``__main__`` is never re-run: a script without a main guard works. A thread
    drains the pipe, so the child is never held up by a consumer busy with one item.
    """
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # the folder holding glasscredit/
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(
        [sys.executable, "-m", "glasscredit.store._pipeline_main"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def stop() -> None:  # also ends a blocked read of the pipe (end of file)
        if proc.poll() is None:
            proc.kill()

    try:
        pickle.dump((produce, args), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
        with closing(in_thread(_read_messages(proc), depth, interrupt=stop)) as messages:
            yield from _unwrap(messages)
    finally:
        stop()
        proc.wait()
        proc.stdout.close()


def _unwrap(messages: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    """The items of a producer's messages; its error raised here; stop at ``end``."""
    for kind, value in messages:
        if kind == "end":
            return
        if kind == "error":
            raise value
        yield value


def _read_messages(proc: subprocess.Popen[bytes]) -> Iterator[tuple[str, Any]]:
    assert proc.stdout is not None
    while True:
        head = proc.stdout.read(8)
        if len(head) < 8:
            raise LedgerError(
                f"the ingest reader process died (exit code {proc.wait()}); "
                "nothing of the unread rest was stored"
            )
        body = proc.stdout.read(int.from_bytes(head, "little"))
        yield cast("tuple[str, Any]", pickle.loads(body))


def run_producer(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child's side of :func:`in_process`: each item, then ``end`` or the error."""

    def send(kind: str, value: Any) -> None:
        body = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(len(body).to_bytes(8, "little"))
        stdout.write(body)
        stdout.flush()

    produce, args = pickle.load(stdin)
    try:
        for item in produce(*args):
            send("item", item)
        send("end", None)
    except BrokenPipeError:  # the consumer is gone (finished early, or killed)
        return
    except BaseException as exc:  # handed to the consumer, which re-raises it
        send("error", exc)
