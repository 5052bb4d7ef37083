"""Recording events (in the caller's transaction: the event commits with the change), shipping
them from the outbox to the sink, and deleting a user's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from insights.errors import SinkUnavailable
from insights.events import EVENT_TYPES
from insights.models import OutboxEvent
from insights.sinks import Sink, get_sink

# Never let a secret reach the event store, whatever a caller passes.
_FORBIDDEN_FIELDS = frozenset({"key", "api_key", "secret", "password", "token"})


def record_event(
    event_type: str,
    *,
    user_id: int | None = None,
    at: datetime | None = None,
    **fields: Any,
) -> OutboxEvent:
    """Write one event to the outbox, in the caller's transaction."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    leaked = _FORBIDDEN_FIELDS.intersection(fields)
    if leaked:
        raise ValueError(f"events never carry secrets: {sorted(leaked)}")
    event = OutboxEvent(type=event_type, user_id=user_id, data=fields)
    if at is not None:
        event.at = at
    event.save(force_insert=True)
    return event


def purge_user_events(*, user_id: int) -> int:
    """Delete every event of a user, from the outbox and then from the sink; returns how many
    outbox rows were deleted. Raises SinkUnavailable when the sink is down (the caller retries).
    """
    # A flush shipping this user's events holds their rows locked: the delete waits for it, so
    # the sink is cleaned after, never before, those events reach it.
    with transaction.atomic():
        deleted, _ = OutboxEvent.objects.filter(user_id=user_id).delete()
    get_sink().delete_user_events(user_id=user_id)
    return deleted


@dataclass(frozen=True)
class ShipReport:
    shipped: int = 0
    refused: int = 0


def ship_pending_events(
    *, sink: Sink | None = None, now: datetime | None = None, max_batches: int = 20
) -> ShipReport:
    """Ship due outbox events to the sink in batches of OUTBOX_BATCH_SIZE, oldest first.

    An event is marked shipped only once the sink took it. An event the sink refused, or a
    whole batch when the sink is down, stays pending with its error and waits an exponential
    backoff before the next try (the beat tick is the retry). Raises SinkUnavailable after
    recording the failure when the sink could not be reached.
    """
    sink = sink or get_sink()
    now = now or timezone.now()
    shipped = refused = 0
    for _ in range(max_batches):
        outage = None
        with transaction.atomic():
            # Rows stay locked while the sink writes: concurrent flushes take other rows.
            batch = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(shipped_at__isnull=True)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("at")[: settings.OUTBOX_BATCH_SIZE]
            )
            if not batch:
                break
            try:
                errors = sink.write(batch)
            except SinkUnavailable as exc:
                outage, errors = exc, {str(event.id): str(exc) for event in batch}
            taken = [event.id for event in batch if str(event.id) not in errors]
            OutboxEvent.objects.filter(pk__in=taken).update(
                shipped_at=timezone.now(), last_error="", next_attempt_at=None
            )
            for event in batch:
                if str(event.id) in errors:
                    _defer(event, errors[str(event.id)], now=now)
        if outage is not None:
            raise outage
        shipped, refused = shipped + len(taken), refused + len(errors)
        if len(batch) < settings.OUTBOX_BATCH_SIZE:
            break
    return ShipReport(shipped=shipped, refused=refused)


def retry_delay(attempts: int) -> timedelta:
    """How long an event waits after its n-th failed shipment: 5 s, 10 s, 20 s... capped."""
    return timedelta(seconds=min(settings.OUTBOX_RETRY_MAX_DELAY, 5 * 2 ** min(attempts - 1, 20)))


def _defer(event: OutboxEvent, error: str, *, now: datetime) -> None:
    attempts = event.attempts + 1
    OutboxEvent.objects.filter(pk=event.pk).update(
        attempts=attempts, last_error=error[:1000], next_attempt_at=now + retry_delay(attempts)
    )


def prune_shipped_events(*, now: datetime | None = None) -> int:
    """Delete outbox rows shipped more than OUTBOX_RETENTION_DAYS ago; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxEvent.objects.filter(shipped_at__lt=cutoff).delete()
    return deleted
