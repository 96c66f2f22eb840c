"""Entry point of ingest's reader process (``python -m``; see :mod:`._pipeline`)."""

from __future__ import annotations

import sys

from glasscredit.store._pipeline import run_producer

if __name__ == "__main__":
    run_producer(sys.stdin.buffer, sys.stdout.buffer)
