"""Liveness and readiness probes."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from jobs.storage import get_object_store


def healthz(request) -> JsonResponse:
    """The process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Database, broker and object store all answer; 503 with the failing checks otherwise."""
    checks = {"database": _check_database, "broker": _check_broker, "object_store": _check_store}
    results, ready = {}, True
    for name, check in checks.items():
        try:
            check()
            results[name] = {"ok": True}
        except Exception as exc:
            ready = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
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
