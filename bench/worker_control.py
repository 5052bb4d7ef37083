"""Pausing the service's detection worker for the benchmarks that need it idle (API only) or
need a queue to drain (the system benchmark's worker-alone phase).

Celery's remote control, addressed to the workers that consume the ``detect`` queue only: a
broadcast ``add_consumer detect`` would also make the I/O worker (webhooks, events) start
running detection.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from celery import Celery

QUEUE = "detect"
EMBEDDED_SOCKET = Path(__file__).resolve().parent.parent / "var" / "redis.sock"


def add_broker_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--broker-url",
        help="the service's REDIS_URL, to pause its detection worker (default: REDIS_URL, "
        "else make run's embedded Redis under var/)",
    )


def broker_url(given: str | None) -> str:
    url = given or os.environ.get("REDIS_URL")
    if url:
        return url
    if EMBEDDED_SOCKET.exists():
        return f"unix://{EMBEDDED_SOCKET}"
    raise SystemExit("No broker: pass --broker-url or set REDIS_URL to the service's Redis.")


class DetectionWorkers:
    """The service's workers consuming ``detect``, found through the broker."""

    def __init__(self, url: str) -> None:
        if url.startswith("unix://"):  # redis-py's spelling of a socket; kombu's differs
            url = "redis+socket://" + url[len("unix://") :]
        self._app = Celery("facedetect-bench", broker=url)
        queues = self._app.control.inspect(timeout=3).active_queues() or {}
        self.names = sorted(
            name for name, consumed in queues.items() if any(q["name"] == QUEUE for q in consumed)
        )
        if not self.names:
            raise SystemExit(f"No worker consumes '{QUEUE}' on {url}: is the service running?")

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Detection workers take no job inside the block (running ones finish)."""
        self._app.control.cancel_consumer(QUEUE, destination=self.names, reply=True, timeout=5)
        try:
            yield
        finally:
            self.resume()

    def resume(self) -> None:
        self._app.control.add_consumer(QUEUE, destination=self.names, reply=True, timeout=5)
