"""How many decoded pixels a web process holds at once while it checks uploads.

A few KB of WebP or PNG can decode to MAX_IMAGE_PIXELS (40 million) pixels, hundreds of MB
in the decoder: with 32 threads a process, a burst of such uploads would take the machine's
memory. Each check holds its pixels from this budget (``probe_image``'s ``decode_guard``);
when the budget is spent, a check waits for others to finish, and one that cannot start
within DECODE_WAIT seconds is answered 503 with Retry-After, so no thread waits for ever. An
image larger than the whole budget still runs, alone. JPEGs, checked at 1/8 scale, cost a
64th of their pixels and almost never wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from jobs.errors import DecoderBusy


class PixelBudget:
    """A counting limit on pixels in use, shared by a process's threads."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.in_use = 0
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, pixels: int, *, timeout: float) -> Iterator[None]:
        """Hold ``pixels`` for the block; DecoderBusy if they are not free within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            # Alone, any image may run: the limit bounds the sum, not a single check.
            while self.in_use and self.in_use + pixels > self.limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DecoderBusy(
                        "Too many large images are being checked right now; try again shortly."
                    )
                self._changed.wait(remaining)
            self.in_use += pixels
        try:
            yield
        finally:
            with self._changed:
                self.in_use -= pixels
                self._changed.notify_all()


_lock = threading.Lock()
_budget: PixelBudget | None = None


def decode_guard(pixels: int):
    """``probe_image``'s decode_guard: this process's budget, sized by DECODE_BUDGET_PIXELS."""
    global _budget
    with _lock:
        if _budget is None or _budget.limit != max(1, settings.DECODE_BUDGET_PIXELS):
            _budget = PixelBudget(settings.DECODE_BUDGET_PIXELS)
        budget = _budget
    return budget.hold(pixels, timeout=settings.DECODE_WAIT)
