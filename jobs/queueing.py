"""Sending tasks from the apps, by name (the apps do not import workers/)."""

from __future__ import annotations

import logging

from celery import current_app

logger = logging.getLogger(__name__)

# A few quick publish retries; past them the caller's own recovery (a sweeper, a beat scan)
# sends the work again, so a broker outage never fails the request that committed it.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}


def enqueue_task(name: str, *, args: list, countdown: int | None = None) -> bool:
    """Send a task by name; False (and a log line) when the broker cannot take it."""
    try:
        current_app.send_task(
            name, args=args, countdown=countdown, retry=True, retry_policy=_PUBLISH_RETRY
        )
    except Exception:
        logger.exception("could not enqueue %s%s", name, args)
        return False
    return True
