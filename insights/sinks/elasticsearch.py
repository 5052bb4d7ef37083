"""The Elasticsearch sink: one time-based index per event family, from index templates.

Events of a family go to monthly indices, ``<prefix>-events-<family>-YYYY.MM`` (by the event's
time), created on first write from the composable template ``<prefix>-events-<family>``,
whose explicit mapping declares every field of DESIGN.md's events table. Mappings are not
dynamic: a field the template does not know is kept in ``_source`` but not indexed, so a new
event field never breaks a write nor bloats the mapping.

Writes are bulk ``create`` operations with the event UUID as ``_id``: a batch sent again after
a lost acknowledgement gets 409 conflicts for what is already there, which count as success.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch_dsl import (
    Boolean,
    Date,
    Double,
    Integer,
    Ip,
    Keyword,
    Long,
    Mapping,
    Nested,
)

from insights.errors import SinkUnavailable
from insights.events import family
from insights.models import OutboxEvent

FAMILIES = ("input", "output", "user", "job", "feedback")

_COMMON_FIELDS = {
    "@timestamp": Date(),
    "event_id": Keyword(),
    "type": Keyword(),
    "user_id": Long(),
}
_CLIENT_FIELDS = {
    "client_ip": Ip(ignore_malformed=True),
    "user_agent": Keyword(ignore_above=512),
}
# Confidences and brightness are doubles, not floats, so that range buckets compare exactly
# as the database sink's do (a float 0.9 is stored as 0.89999998).
FAMILY_FIELDS = {
    "input": {
        "job_id": Keyword(),
        "object_key": Keyword(),
        "content_type": Keyword(),
        "size_bytes": Long(),
        "width": Integer(),
        "height": Integer(),
        "mode": Keyword(),
        "format": Keyword(),
        "brightness": Double(),
        "contrast": Double(),
        "sharpness": Double(),
        "exif_orientation": Integer(),
        "sha256": Keyword(),
    },
    "output": {
        "job_id": Keyword(),
        "status": Keyword(),
        "error_code": Keyword(),
        "face_count": Integer(),
        "confidences": Double(),
        # One nested object per face, so that aggregations count faces, not images (a range
        # aggregation over a plain array counts each document once per bucket).
        "faces": Nested(properties={"confidence": Double()}),
        "min_confidence": Double(),
        "mean_confidence": Double(),
        "max_confidence": Double(),
        "model_name": Keyword(),
        "model_version": Keyword(),
        "queue_ms": Long(),
        "inference_ms": Long(),
        "total_ms": Long(),
    },
    "user": {"key_prefix": Keyword(), **_CLIENT_FIELDS},
    "job": {
        "job_id": Keyword(),
        "key_prefix": Keyword(),
        "size_bytes": Long(),
        "format": Keyword(),
        **_CLIENT_FIELDS,
    },
    "feedback": {
        "job_id": Keyword(),
        "correct": Boolean(),
        "faces_corrected": Integer(),
        "false_positives": Integer(),
        "missed_faces": Integer(),
        "replaced": Boolean(),
        **_CLIENT_FIELDS,
    },
}


def index_pattern(prefix: str, family_name: str = "*") -> str:
    """The indices of one family (or of every family with ``*``)."""
    return f"{prefix}-events-{family_name}-*" if family_name != "*" else f"{prefix}-events-*"


def index_name(prefix: str, event_type: str, at: datetime) -> str:
    """The monthly index an event goes to, by its family and its time (UTC)."""
    return f"{prefix}-events-{family(event_type)}-{at.astimezone(UTC):%Y.%m}"


def event_mapping(family_name: str) -> Mapping:
    """The explicit mapping of one family's indices."""
    mapping = Mapping()
    mapping.meta("dynamic", False)
    for name, field in {**_COMMON_FIELDS, **FAMILY_FIELDS[family_name]}.items():
        mapping.field(name, field)
    return mapping


def index_template(prefix: str, family_name: str) -> dict:
    """The composable index template of one family (the body of PUT _index_template)."""
    return {
        "index_patterns": [index_pattern(prefix, family_name)],
        # Above the built-in templates (priority 100 at most), so ours wins for our indices.
        "priority": 200,
        "template": {
            "settings": {"number_of_shards": 1, "refresh_interval": "5s"},
            "mappings": event_mapping(family_name).to_dict(),
        },
        "_meta": {"managed_by": "facedetect"},
    }


def index_templates(prefix: str) -> dict[str, dict]:
    """Every family's template body by template name."""
    return {f"{prefix}-events-{name}": index_template(prefix, name) for name in FAMILIES}


def event_document(event: OutboxEvent) -> dict:
    """The document of an event: its data flattened beside the common fields."""
    document = {
        **event.data,
        "@timestamp": event.at.astimezone(UTC).isoformat(),
        "event_id": str(event.id),
        "type": event.type,
        "user_id": event.user_id,
    }
    if "confidences" in event.data:
        document["faces"] = [{"confidence": c} for c in event.data["confidences"] or []]
    return document


def bulk_operations(events: Iterable[OutboxEvent], prefix: str) -> list[dict]:
    """The bulk body: a ``create`` with the event UUID as ``_id``, then the document."""
    operations: list[dict] = []
    for event in events:
        target = {"_index": index_name(prefix, event.type, event.at), "_id": str(event.id)}
        operations.append({"create": target})
        operations.append(event_document(event))
    return operations


def refused_items(response: dict) -> dict[str, str]:
    """{event id: reason} for the items of a bulk response that were not stored.

    201 is stored; 409 means an earlier try stored it already, which is success too.
    """
    refused = {}
    for item in response.get("items", []):
        result = next(iter(item.values()))
        if result.get("status") in (200, 201, 409):
            continue
        error = result.get("error") or {}
        reason = error.get("reason", "") if isinstance(error, dict) else str(error)
        kind = error.get("type", "error") if isinstance(error, dict) else "error"
        refused[result.get("_id", "")] = f"{result.get('status')} {kind}: {reason}"[:1000]
    return refused


def build_client(url: str, *, api_key: str = "", timeout: int = 10) -> Elasticsearch:
    """A client for the sink; the outbox retries, so the client itself does not."""
    return Elasticsearch(
        url, api_key=api_key or None, request_timeout=timeout, max_retries=0, retry_on_timeout=False
    )


class ElasticsearchSink:
    """Bulk writes to the family indices; deletes by query."""

    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, *, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_settings(cls) -> ElasticsearchSink:
        client = build_client(
            settings.ELASTICSEARCH_URL,
            api_key=settings.ELASTICSEARCH_API_KEY,
            timeout=settings.ELASTICSEARCH_TIMEOUT,
        )
        return cls(client, prefix=settings.ELASTICSEARCH_INDEX_PREFIX)

    def write(self, events: Sequence[OutboxEvent]) -> dict[str, str]:
        if not events:
            return {}
        try:
            response = self.client.bulk(operations=bulk_operations(events, self.prefix))
        except (ApiError, TransportError) as exc:
            raise SinkUnavailable(f"Elasticsearch bulk write failed: {exc}") from exc
        return refused_items(response.body)

    def delete_user_events(self, *, user_id: int) -> None:
        """Delete every event of the user; SinkUnavailable unless all are known to be gone."""
        pattern = index_pattern(self.prefix)
        try:
            # delete_by_query deletes what a search finds, and a search finds only what a
            # refresh has made visible: without this, the events shipped within the last
            # refresh interval (the template's 5 s) would outlive the account.
            self.client.indices.refresh(index=pattern, allow_no_indices=True)
            response = self.client.delete_by_query(
                index=pattern,
                query={"term": {"user_id": user_id}},
                conflicts="proceed",
                refresh=True,
                allow_no_indices=True,
            )
        except (ApiError, TransportError) as exc:
            raise SinkUnavailable(f"Elasticsearch delete_by_query failed: {exc}") from exc
        body = response.body
        if body.get("failures") or body.get("version_conflicts"):
            # Some documents were not deleted: the caller retries the whole purge.
            raise SinkUnavailable(
                f"Elasticsearch delete_by_query left events of user {user_id}: "
                f"{len(body.get('failures') or [])} failures, "
                f"{body.get('version_conflicts', 0)} version conflicts"
            )

    def check(self) -> None:
        try:
            self.client.info()
        except (ApiError, TransportError) as exc:
            raise SinkUnavailable(f"Elasticsearch is not usable: {exc}") from exc

    def install_templates(self) -> list[str]:
        """Create or update every family's index template; returns their names."""
        try:
            for name, body in index_templates(self.prefix).items():
                self.client.indices.put_index_template(name=name, **body)
        except (ApiError, TransportError) as exc:
            raise SinkUnavailable(f"Installing the index templates failed: {exc}") from exc
        return list(index_templates(self.prefix))

    def search(self, body: dict) -> dict:
        """Run a search over every family's indices; returns the raw response."""
        try:
            return self.client.search(index=index_pattern(self.prefix), **body).body
        except (ApiError, TransportError) as exc:
            raise SinkUnavailable(f"Elasticsearch search failed: {exc}") from exc
