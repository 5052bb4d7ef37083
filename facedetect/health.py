"""Liveness and readiness probes."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from jobs.storage import get_object_store

logger = logging.getLogger(__name__)


def healthz(request) -> JsonResponse:
    """The process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Database, broker and object store all answer; 503 with the failing checks otherwise.

    The answer is public, so a failing check gives only the error's type; its message, which
    names hosts, ports, buckets and paths, goes to the log."""
    checks = {"database": _check_database, "broker": _check_broker, "object_store": _check_store}
    results, ready = {}, True
    for name, check in checks.items():
        try:
            check()
            results[name] = {"ok": True}
        except Exception as exc:
            ready = False
            logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = {"ok": False, "error": type(exc).__name__}
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_broker() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _check_store() -> None:
    get_object_store().check()
