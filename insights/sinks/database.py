"""The database sink: shipped events in the InsightEvent table (the embedded default)."""

from __future__ import annotations

from collections.abc import Sequence

from insights.models import InsightEvent, OutboxEvent


class DatabaseSink:
    """Events copied into InsightEvent, keyed by their UUID; a repeated event is ignored."""

    name = "database"

    def write(self, events: Sequence[OutboxEvent]) -> dict[str, str]:
        rows = [
            InsightEvent(id=e.id, type=e.type, at=e.at, user_id=e.user_id, data=e.data)
            for e in events
        ]
        # Insert-or-ignore: an event already shipped by an earlier, unacknowledged try stays.
        InsightEvent.objects.bulk_create(rows, ignore_conflicts=True)
        return {}

    def delete_user_events(self, *, user_id: int) -> None:
        InsightEvent.objects.filter(user_id=user_id).delete()

    def check(self) -> None:
        InsightEvent.objects.exists()
