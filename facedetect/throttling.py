"""Rate limits as fixed-window counters in Redis (the cache's database).

DRF's own throttle keeps a list of request times per client in the cache: it reads the list,
trims it, appends and writes it back, so every request moves a payload that grows with the
rate (1,200 timestamps at the default job rate) over two round trips, and two requests that
race both read the same list, so one is not counted. Here a request is one pipelined round
trip (create the window's counter if missing, then INCR it), exact under any concurrency.
A fixed window lets a client spend one window's budget at its end and the next at the start
of the next: at most twice the rate over a short span, the usual trade for O(1).

A view's ``throttle_scope`` names its budget; every other authenticated request counts against
the ``api`` one, per account. Requests without a key are counted by client address
(``accounts.clients.client_ip``), never by a header the client writes.

If Redis cannot be reached the request is let through (logged): an outage of the counters
must not take the API down with it.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

from accounts.clients import client_ip
from facedetect.redis_clients import client_for

logger = logging.getLogger(__name__)


# Every authenticated request without a scope of its own counts against this one, per account.
DEFAULT_SCOPE = "api"


def count_hit(key: str, *, window_seconds: int) -> int:
    """Add one hit to ``key``'s counter, which lives for the window; the count so far."""
    pipe = client_for(settings.CACHE_URL).pipeline(transaction=False)
    pipe.set(key, 0, ex=window_seconds + 1, nx=True)
    pipe.incr(key)
    return int(pipe.execute()[1])


class WindowRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle``'s scopes, rates and client identity; counted per fixed window."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            if getattr(request, "user", None) is None:
                return True  # open endpoints without a scope of their own (health, schema)
            self.scope = DEFAULT_SCOPE
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None or self.num_requests is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        try:
            hits = count_hit(f"facedetect:{self.key}:{window}", window_seconds=self.duration)
        except redis.RedisError:
            logger.warning("rate limit counters unavailable; letting %s through", self.key)
            return True
        if hits <= self.num_requests:
            return True
        self._wait = max(1.0, (window + 1) * self.duration - now)
        return False

    def get_ident(self, request) -> str:
        # DRF's own trusts the whole X-Forwarded-For header unless NUM_PROXIES is set: a client
        # could send a new one with each request and never be counted (sign-up, recovery).
        return client_ip(request.META) or ""

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
