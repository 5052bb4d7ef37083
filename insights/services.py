"""Recording events. Callers run inside their own transaction; the event commits with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from insights.events import EVENT_TYPES
from insights.models import OutboxEvent

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
    """Delete every event of a user; returns how many were deleted."""
    deleted, _ = OutboxEvent.objects.filter(user_id=user_id).delete()
    return deleted
