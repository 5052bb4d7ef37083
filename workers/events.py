"""Celery tasks that move events from the outbox to the insights sink (queue ``events``)."""

from __future__ import annotations

import logging

from celery import shared_task

from insights import services
from insights.errors import SinkUnavailable

logger = logging.getLogger(__name__)


@shared_task
def flush_outbox() -> int:
    """Ship due outbox events to the sink (beat, every OUTBOX_FLUSH_INTERVAL seconds).

    On a sink outage the events stay pending with a per-event backoff; the next tick retries.
    """
    try:
        report = services.ship_pending_events()
    except SinkUnavailable as exc:
        logger.warning("insights sink unavailable, events kept in the outbox: %s", exc)
        return 0
    if report.refused:
        logger.warning("the sink refused %d event(s); they will be retried", report.refused)
    return report.shipped


@shared_task
def prune_outbox() -> int:
    """Delete outbox rows shipped more than OUTBOX_RETENTION_DAYS ago (beat, hourly)."""
    return services.prune_shipped_events()
