"""Where shipped events end up: the database (embedded default) or Elasticsearch.

A sink writes batches of outbox events and reports, per event, whether it took it; the outbox
marks an event shipped only then. Writes are idempotent by event ID, so a batch sent again
after a lost acknowledgement never duplicates anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from django.conf import settings

from insights.models import OutboxEvent


class Sink(Protocol):
    name: str

    def write(self, events: Sequence[OutboxEvent]) -> dict[str, str]:
        """Store the events; returns {event id: error} for those it refused (empty: all taken).
        Raises SinkUnavailable when nothing could be written."""
        ...

    def delete_user_events(self, *, user_id: int) -> None:
        """Delete every stored event of a user (account deletion)."""
        ...

    def check(self) -> None:
        """Raise SinkUnavailable when the sink cannot be used."""
        ...


def get_sink() -> Sink:
    """The configured sink: Elasticsearch when ELASTICSEARCH_URL is set, else the database."""
    if settings.ELASTICSEARCH_URL:
        from insights.sinks.elasticsearch import ElasticsearchSink

        return ElasticsearchSink.from_settings()
    from insights.sinks.database import DatabaseSink

    return DatabaseSink()
