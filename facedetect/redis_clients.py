"""Process-wide Redis clients, one per URL: redis-py clients are thread-safe and keep a pool of
connections, so every thread of a process shares one instead of connecting per use."""

from __future__ import annotations

import threading

import redis

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def client_for(url: str) -> redis.Redis:
    """The process's client for ``url`` (2 s to connect and per reply)."""
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            _clients[url] = client
        return client
