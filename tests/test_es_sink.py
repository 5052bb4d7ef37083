"""The Elasticsearch sink: templates and mappings, documents, bulk writes, the aggregation
query and the reading of its response. No Elasticsearch runs here; the tests marked
``elasticsearch`` run against a real one when ELASTICSEARCH_URL is set (see the README)."""

import os
import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from accounts import services as account_services
from accounts.clients import Client
from insights import events
from insights.aggregations import Window, summarize
from insights.aggregations.elasticsearch import parse_response, query_body
from insights.aggregations.figures import build_summary
from insights.models import OutboxEvent
from insights.services import record_event
from insights.sinks.database import DatabaseSink
from insights.sinks.elasticsearch import (
    FAMILIES,
    bulk_operations,
    event_document,
    index_templates,
    refused_items,
)
from jobs.processing import fail_job
from tests.conftest import submit_image
from tests.fake_elasticsearch import FakeElasticsearch, free_port
from tests.seeded_events import EXPECTED, seed

COMMON = {"@timestamp": "date", "event_id": "keyword", "type": "keyword", "user_id": "long"}


def properties(family: str) -> dict:
    return index_templates("facedetect")[f"facedetect-events-{family}"]["template"]["mappings"][
        "properties"
    ]


def test_each_family_has_a_template_with_an_explicit_mapping():
    templates = index_templates("facedetect")
    assert set(templates) == {f"facedetect-events-{family}" for family in FAMILIES}
    for family in FAMILIES:
        template = templates[f"facedetect-events-{family}"]
        assert template["index_patterns"] == [f"facedetect-events-{family}-*"]
        assert template["priority"] > 100  # above Elasticsearch's built-in templates
        assert template["template"]["mappings"]["dynamic"] is False
        mapped = {name: spec["type"] for name, spec in properties(family).items()}
        assert COMMON.items() <= mapped.items()
    output = properties("output")
    assert output["confidences"]["type"] == "double"
    assert output["faces"] == {"type": "nested", "properties": {"confidence": {"type": "double"}}}
    assert properties("input")["brightness"]["type"] == "double"
    assert properties("user")["client_ip"] == {"type": "ip", "ignore_malformed": True}


@pytest.mark.django_db
def test_the_mappings_declare_every_field_the_service_records(account, photo):
    user, _, client = account
    login_key, _ = account_services.create_key(user=user, name="second", client=Client())
    account_services.log_in(key=login_key, client=Client(ip="10.1.2.3", user_agent="curl"))
    account_services.revoke_key(user=user, prefix=login_key.prefix, client=Client())
    account_services.recover_key(email=user.email, client=Client())
    job_id = submit_image(client, photo("ivan.jpg"), "ivan.jpg")["id"]
    fail_job(job_id, code="internal_error", message="for the test")
    client.delete(f"/api/v1/jobs/{job_id}")
    record_event(
        events.FEEDBACK_SUBMITTED,  # DESIGN.md's fields, as jobs.services.submit_feedback sends
        user_id=user.pk,
        job_id=job_id,
        correct=False,
        faces_corrected=1,
        false_positives=1,
        missed_faces=0,
        replaced=False,
        **Client().as_fields(),
    )

    seen = set()
    for event in OutboxEvent.objects.filter(user_id=user.pk):
        family = events.family(event.type)
        assert set(event_document(event)) <= set(properties(family)), event.type
        seen.add(event.type)
    assert seen == events.EVENT_TYPES - {events.USER_ACCOUNT_DELETED}


def make_event(event_type=events.OUTPUT_PRODUCED, **data) -> OutboxEvent:
    return OutboxEvent(
        id=uuid.uuid4(),
        type=event_type,
        at=datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
        user_id=42,
        data=data,
    )


def test_a_document_is_the_event_data_with_its_id_time_and_faces():
    event = make_event(job_id="j1", face_count=2, confidences=[0.99, 0.8], status="succeeded")
    assert event_document(event) == {
        "@timestamp": "2026-11-30T23:59:59+00:00",
        "event_id": str(event.id),
        "type": "output.produced",
        "user_id": 42,
        "job_id": "j1",
        "face_count": 2,
        "confidences": [0.99, 0.8],
        "faces": [{"confidence": 0.99}, {"confidence": 0.8}],
        "status": "succeeded",
    }


def test_bulk_creates_each_event_under_its_uuid_in_a_monthly_family_index():
    output = make_event(face_count=0, confidences=[])
    login = make_event(events.USER_LOGGED_IN, key_prefix="fd_abc")
    operations = bulk_operations([output, login], "facedetect")
    assert operations[0] == {
        "create": {"_index": "facedetect-events-output-2026.11", "_id": str(output.id)}
    }
    assert operations[2] == {
        "create": {"_index": "facedetect-events-user-2026.11", "_id": str(login.id)}
    }
    assert operations[3]["key_prefix"] == "fd_abc" and len(operations) == 4


# A bulk response as Elasticsearch 8 answers a retried batch: one new document, one already
# there (409, which is success for us), one rejected by the mapping, one throttled.
BULK_RESPONSE = {
    "took": 12,
    "errors": True,
    "items": [
        {"create": {"_index": "facedetect-events-user-2026.11", "_id": "a", "status": 201,
                    "result": "created", "_version": 1}},
        {"create": {"_index": "facedetect-events-user-2026.11", "_id": "b", "status": 409,
                    "error": {"type": "version_conflict_engine_exception",
                              "reason": "[b]: version conflict, document already exists"}}},
        {"create": {"_index": "facedetect-events-output-2026.11", "_id": "c", "status": 400,
                    "error": {"type": "document_parsing_exception",
                              "reason": "failed to parse field [face_count] of type [integer]"}}},
        {"create": {"_index": "facedetect-events-job-2026.11", "_id": "d", "status": 429,
                    "error": {"type": "es_rejected_execution_exception",
                              "reason": "rejected execution"}}},
    ],
}  # fmt: skip


def test_conflicts_count_as_stored_and_rejections_are_reported():
    refused = refused_items(BULK_RESPONSE)
    assert set(refused) == {"c", "d"}
    assert refused["c"].startswith("400 document_parsing_exception: failed to parse")
    assert refused["d"].startswith("429 es_rejected_execution_exception")
    assert refused_items({"errors": False, "items": BULK_RESPONSE["items"][:2]}) == {}


def test_the_summary_query_filters_the_window_and_buckets_like_the_database():
    window = Window(
        since=datetime(2026, 11, 2, 12, tzinfo=UTC),
        until=datetime(2026, 11, 4, tzinfo=UTC),
        interval="day",
    )
    body = query_body(window)
    assert body["size"] == 0 and body["track_total_hits"] is True
    assert body["query"] == {
        "bool": {
            "filter": [
                {
                    "range": {
                        "@timestamp": {
                            "gte": "2026-11-02T12:00:00+00:00",
                            "lt": "2026-11-04T00:00:00+00:00",
                        }
                    }
                }
            ]
        }
    }
    aggs = body["aggs"]
    succeeded = aggs["outputs"]["aggs"]["succeeded"]
    assert succeeded["filter"] == {"term": {"status": "succeeded"}}
    confidence = succeeded["aggs"]["faces"]
    assert confidence["nested"] == {"path": "faces"}
    ranges = confidence["aggs"]["confidence"]["range"]["ranges"]
    assert [r["from"] for r in ranges] == [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99]
    assert "to" not in ranges[-1] and ranges[3] == {"key": "3", "from": 0.8, "to": 0.9}
    assert aggs["outputs"]["aggs"]["total"]["percentiles"] == {
        "field": "total_ms",
        "percents": [50, 95, 99],
    }
    assert aggs["active"]["aggs"]["users"]["cardinality"]["field"] == "user_id"
    assert aggs["submitted"]["aggs"]["busiest"]["terms"]["size"] == 10
    # Exact across the monthly indices a window spans, not each shard's own top 25.
    assert aggs["submitted"]["aggs"]["busiest"]["terms"]["shard_size"] == 10_000
    series = aggs["series"]["date_histogram"]
    assert series["calendar_interval"] == "day" and series["time_zone"] == "UTC"
    assert series["min_doc_count"] == 0
    # From the start of the day holding since, to the last millisecond before until.
    assert series["extended_bounds"] == {"min": 1_793_577_600_000, "max": 1_793_750_399_999}
    weekly = query_body(Window(since=window.since, until=window.until, interval="week"))
    assert weekly["aggs"]["series"]["date_histogram"]["calendar_interval"] == "week"


def _terms(counts: dict) -> dict:
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": key, "doc_count": n} for key, n in counts.items()],
    }


def _ranges(edges, counts) -> dict:
    buckets = {}
    for i, (lo, n) in enumerate(zip(edges, counts)):
        bucket = {"from": lo, "doc_count": n}
        if i + 1 < len(edges):
            bucket["to"] = edges[i + 1]
        buckets[str(i)] = bucket
    return {"buckets": buckets}


def _day(ms: int, iso: str, submitted, succeeded, faces, failed, signups) -> dict:
    return {
        "key_as_string": iso,
        "key": ms,
        "doc_count": submitted + succeeded + failed + signups,
        "jobs_submitted": {"doc_count": submitted},
        "jobs_succeeded": {"doc_count": succeeded, "faces": {"value": float(faces)}},
        "jobs_failed": {"doc_count": failed},
        "signups": {"doc_count": signups},
    }


# The response of query_body() over the events of tests/seeded_events.py, in the shape
# Elasticsearch 8 gives it (keyed ranges, percentiles keyed "50.0", sums as floats).
SEEDED_RESPONSE = {
    "took": 7,
    "timed_out": False,
    "_shards": {"total": 5, "successful": 5, "skipped": 0, "failed": 0},
    "hits": {"total": {"value": 30, "relation": "eq"}, "max_score": None, "hits": []},
    "aggregations": {
        "types": _terms(
            {
                "job.submitted": 5,
                "output.produced": 5,
                "input.received": 5,
                "user.signed_up": 3,
                "feedback.submitted": 3,
                "job.deleted": 1,
                "user.account_deleted": 1,
                "user.key_created": 1,
                "user.key_recovered": 1,
                "user.key_revoked": 1,
                "user.logged_in": 1,
            }
        ),
        "outputs": {
            "doc_count": 5,
            "status": _terms({"succeeded": 4, "failed": 1}),
            "failed": {"doc_count": 1, "codes": _terms({"unsupported_media_type": 1})},
            "queue": {"values": {"50.0": 200.0, "95.0": 880.0, "99.0": 976.0}},
            "inference": {"values": {"50.0": 250.0, "95.0": 470.0, "99.0": 494.0}},
            "total": {"values": {"50.0": 500.0, "95.0": 1740.0, "99.0": 1948.0}},
            "succeeded": {
                "doc_count": 4,
                "face_count": {"value": 9.0},
                "faces_per_image": _ranges((0, 1, 2, 3, 4, 5), [1, 1, 1, 0, 0, 1]),
                "faces": {
                    "doc_count": 9,
                    "confidence": _ranges(
                        (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99), [1, 1, 1, 2, 1, 1, 2]
                    ),
                },
            },
        },
        "inputs": {
            "doc_count": 5,
            "brightness": _ranges((0, 32, 64, 96, 128, 160, 192, 224), [1, 1, 0, 0, 1, 0, 0, 1]),
            "size_bytes": _ranges(
                (0, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000), [1, 2, 1, 0, 0, 1]
            ),
        },
        "active": {"doc_count": 11, "users": {"value": 2}},
        "feedback_correct": {"doc_count": 2},
        "submitted": {"doc_count": 5, "busiest": _terms({1: 3, 2: 2})},
        "series": {
            "buckets": [
                _day(1_793_577_600_000, "2026-11-02T00:00:00.000Z", 4, 3, 3, 1, 2),
                _day(1_793_664_000_000, "2026-11-03T00:00:00.000Z", 1, 1, 6, 0, 1),
            ]
        },
    },
}


def test_the_response_reads_into_the_same_summary_as_the_database_gives():
    window = Window(
        since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 4, tzinfo=UTC)
    )
    summary = build_summary(window, parse_response(SEEDED_RESPONSE), source="elasticsearch")
    assert summary == {**EXPECTED, "source": "elasticsearch"}


def test_empty_percentiles_and_missing_intervals_read_as_none_and_zero():
    response = {
        "aggregations": {
            **SEEDED_RESPONSE["aggregations"],
            "outputs": {
                **SEEDED_RESPONSE["aggregations"]["outputs"],
                "queue": {"values": {"50.0": None, "95.0": None, "99.0": None}},
            },
            "series": {"buckets": []},
        }
    }
    window = Window(
        since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 4, tzinfo=UTC)
    )
    summary = build_summary(window, parse_response(response), source="elasticsearch")
    assert summary["latency_ms"]["queue"] == {"p50": None, "p95": None, "p99": None}
    assert [row["jobs_submitted"] for row in summary["series"]] == [0, 0]


def test_no_index_yet_reads_as_an_empty_window():
    # Elasticsearch omits "aggregations" when the pattern matches no index (a new deployment).
    window = Window(
        since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 4, tzinfo=UTC)
    )
    summary = build_summary(window, parse_response({"hits": {"hits": []}}), source="es")
    assert summary["latency_ms"]["queue"] == {"p50": None, "p95": None, "p99": None}
    assert [row["jobs_submitted"] for row in summary["series"]] == [0, 0]


@pytest.mark.django_db
def test_install_es_templates_puts_every_template(settings, capsys):
    fake = FakeElasticsearch(free_port()).start()
    try:
        settings.ELASTICSEARCH_URL = fake.url
        call_command("install_es_templates")
        assert fake.templates == index_templates("facedetect")
        assert "installed index template facedetect-events-output" in capsys.readouterr().out
    finally:
        fake.stop()


def test_install_es_templates_needs_elasticsearch(settings):
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL is not set"):
        call_command("install_es_templates")


# --- Live: a real Elasticsearch (ELASTICSEARCH_URL=http://localhost:9200 make test) --------

live = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set"
)


@pytest.fixture
def live_sink(settings):
    """The real cluster, under an index prefix of this test's own, removed afterwards."""
    from insights.sinks.elasticsearch import ElasticsearchSink, index_pattern

    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.ELASTICSEARCH_INDEX_PREFIX = f"facedetect-test-{uuid.uuid4().hex[:8]}"
    sink = ElasticsearchSink.from_settings()
    sink.install_templates()
    yield sink
    prefix = settings.ELASTICSEARCH_INDEX_PREFIX
    # By name: Elasticsearch 8 refuses wildcard deletes (action.destructive_requires_name).
    names = list(sink.client.indices.get(index=index_pattern(prefix), allow_no_indices=True))
    if names:
        sink.client.indices.delete(index=",".join(names))
    for name in index_templates(prefix):
        sink.client.indices.delete_index_template(name=name)


@live
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_live_both_sinks_answer_the_same_summary(live_sink):
    from insights.sinks.elasticsearch import index_pattern

    seed()  # ships to Elasticsearch, the configured sink
    DatabaseSink().write(list(OutboxEvent.objects.all()))
    live_sink.client.indices.refresh(index=index_pattern(live_sink.prefix))
    window = Window(
        since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 4, tzinfo=UTC)
    )
    from_es = summarize(window, source="elasticsearch")
    from_db = summarize(window, source="database")
    # Percentiles are TDigest estimates in Elasticsearch: compared loosely.
    for name, values in from_db.pop("latency_ms").items():
        for key, exact in values.items():
            assert from_es["latency_ms"][name][key] == pytest.approx(exact, rel=0.35), (name, key)
    from_es.pop("latency_ms")
    assert {**from_es, "source": "database"} == from_db


@live
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_live_retried_batch_and_user_purge(live_sink):
    from insights.sinks.elasticsearch import index_pattern

    mine = record_event(events.USER_LOGGED_IN, user_id=901, key_prefix="fd_x")
    other = record_event(events.USER_LOGGED_IN, user_id=902, key_prefix="fd_y")
    assert live_sink.write([mine, other]) == {}
    assert live_sink.write([mine, other]) == {}  # 409s: already there, not duplicated
    pattern = index_pattern(live_sink.prefix)
    live_sink.client.indices.refresh(index=pattern)
    assert live_sink.client.count(index=pattern)["count"] == 2
    live_sink.delete_user_events(user_id=901)
    assert live_sink.client.count(index=pattern, query={"term": {"user_id": 902}})["count"] == 1
    assert live_sink.client.count(index=pattern)["count"] == 1
