"""Events are written with the change they describe, then shipped to the sink exactly once,
even when the sink is down for a while."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.clients import Client
from insights import events
from insights.errors import SinkUnavailable
from insights.models import InsightEvent, OutboxEvent
from insights.services import (
    prune_shipped_events,
    purge_user_events,
    record_event,
    ship_pending_events,
)
from insights.sinks.database import DatabaseSink
from tests.conftest import wait_until
from tests.fake_elasticsearch import FakeElasticsearch, free_port


class Boom(Exception):
    pass


@pytest.fixture
def elasticsearch_port(settings):
    """The sink is Elasticsearch on a port where, for now, nothing listens."""
    port = free_port()
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    settings.ELASTICSEARCH_TIMEOUT = 2
    return port


@pytest.fixture
def fake_elasticsearch():
    started = []

    def start(port: int) -> FakeElasticsearch:
        started.append(FakeElasticsearch(port).start())
        return started[-1]

    yield start
    for fake in started:
        fake.stop()


def pending() -> int:
    return OutboxEvent.objects.filter(shipped_at__isnull=True).count()


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event(make_account):
    user, _ = make_account()
    before = OutboxEvent.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        account_services.create_key(user=user, name="doomed", client=Client())
        raise Boom
    assert OutboxEvent.objects.count() == before
    assert not user.api_keys.filter(name="doomed").exists()


@pytest.mark.django_db
def test_a_committed_change_has_its_event(make_account):
    user, _ = make_account()
    key, raw = account_services.create_key(user=user, name="kept", client=Client(ip="10.0.0.1"))
    event = OutboxEvent.objects.filter(type=events.USER_KEY_CREATED, user_id=user.pk).latest("at")
    assert event.data["key_prefix"] == key.prefix and event.data["client_ip"] == "10.0.0.1"
    assert raw not in json.dumps(event.data)  # the prefix, never the key
    assert event.shipped_at is None


@pytest.mark.django_db
def test_events_ship_to_the_database_sink_once(settings):
    settings.OUTBOX_BATCH_SIZE = 2  # several batches in one flush
    recorded = [record_event(events.JOB_SUBMITTED, user_id=7, job_id=f"j{i}") for i in range(5)]
    report = ship_pending_events()
    assert report.shipped == 5 and pending() == 0
    stored = InsightEvent.objects.filter(pk__in=[e.pk for e in recorded])
    assert sorted(e.data["job_id"] for e in stored) == [f"j{i}" for i in range(5)]
    assert ship_pending_events().shipped == 0


@pytest.mark.django_db
def test_a_retried_batch_does_not_duplicate_in_the_database_sink():
    event = record_event(events.USER_LOGGED_IN, user_id=3, key_prefix="fd_abc")
    ship_pending_events()
    # The acknowledgement was lost: the same event is shipped again.
    OutboxEvent.objects.filter(pk=event.pk).update(shipped_at=None)
    DatabaseSink().write([event])
    assert ship_pending_events().shipped == 1
    assert InsightEvent.objects.filter(pk=event.pk).count() == 1


@pytest.mark.django_db
def test_events_wait_while_the_sink_is_down_and_ship_once_it_is_back(
    elasticsearch_port, fake_elasticsearch
):
    first = record_event(events.JOB_SUBMITTED, user_id=1, job_id="a")
    second = record_event(events.OUTPUT_PRODUCED, user_id=1, job_id="a", confidences=[0.9])

    with pytest.raises(SinkUnavailable):
        ship_pending_events()
    kept = OutboxEvent.objects.filter(pk__in=[first.pk, second.pk])
    assert all(e.shipped_at is None and e.attempts == 1 and e.last_error for e in kept)
    # Backoff: the next tick leaves them alone instead of hammering a dead sink.
    assert ship_pending_events().shipped == 0
    later = timezone.now() + timedelta(seconds=6)
    with pytest.raises(SinkUnavailable):
        ship_pending_events(now=later)
    assert set(kept.values_list("attempts", flat=True)) == {2}

    fake = fake_elasticsearch(elasticsearch_port)
    report = ship_pending_events(now=later + timedelta(seconds=11))
    assert report.shipped == 2 and pending() == 0
    documents = fake.all_documents()
    assert set(documents) == {str(first.pk), str(second.pk)}
    assert documents[str(second.pk)]["faces"] == [{"confidence": 0.9}]


@pytest.mark.django_db
def test_a_retried_batch_does_not_duplicate_in_elasticsearch(
    elasticsearch_port, fake_elasticsearch
):
    fake = fake_elasticsearch(elasticsearch_port)
    event = record_event(events.USER_SIGNED_UP, user_id=5)
    ship_pending_events()
    OutboxEvent.objects.filter(pk=event.pk).update(shipped_at=None)  # the ack was lost
    # Elasticsearch answers 409 for an _id it has: that counts as shipped.
    assert ship_pending_events().shipped == 1
    assert pending() == 0 and fake.bulk_requests == 2
    assert list(fake.all_documents()) == [str(event.pk)]


@pytest.mark.django_db
def test_shipped_events_are_pruned_after_the_retention(settings):
    settings.OUTBOX_RETENTION_DAYS = 7
    old = record_event(events.USER_LOGGED_IN, user_id=1)
    recent = record_event(events.USER_LOGGED_IN, user_id=1)
    unshipped = record_event(events.USER_LOGGED_IN, user_id=1)
    now = timezone.now()
    OutboxEvent.objects.filter(pk=old.pk).update(shipped_at=now - timedelta(days=8))
    OutboxEvent.objects.filter(pk=recent.pk).update(shipped_at=now - timedelta(days=6))
    OutboxEvent.objects.filter(pk=unshipped.pk).update(at=now - timedelta(days=30))
    assert prune_shipped_events(now=now) == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) >= {recent.pk, unshipped.pk}
    assert not OutboxEvent.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_purging_a_user_deletes_their_events_from_the_database_sink():
    record_event(events.USER_LOGGED_IN, user_id=11)
    other = record_event(events.USER_LOGGED_IN, user_id=12)
    ship_pending_events()
    record_event(events.JOB_SUBMITTED, user_id=11, job_id="x")  # still pending
    purge_user_events(user_id=11)
    assert not OutboxEvent.objects.filter(user_id=11).exists()
    assert not InsightEvent.objects.filter(user_id=11).exists()
    assert InsightEvent.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_purging_a_user_deletes_their_events_from_elasticsearch(
    elasticsearch_port, fake_elasticsearch
):
    fake = fake_elasticsearch(elasticsearch_port)
    record_event(events.USER_LOGGED_IN, user_id=21)
    other = record_event(events.USER_LOGGED_IN, user_id=22)
    ship_pending_events()
    # At once: the shipped events are not yet searchable when the purge starts.
    purge_user_events(user_id=21)
    assert list(fake.all_documents()) == [str(other.pk)]


@pytest.mark.django_db
def test_a_purge_that_elasticsearch_left_unfinished_is_raised(
    elasticsearch_port, fake_elasticsearch
):
    fake = fake_elasticsearch(elasticsearch_port)
    record_event(events.USER_LOGGED_IN, user_id=23)
    ship_pending_events()
    fake.delete_failures = [{"index": "x", "id": "y", "cause": {"type": "es_rejected"}}]
    with pytest.raises(SinkUnavailable, match="1 failures"):
        purge_user_events(user_id=23)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_the_flush_task_ships_through_the_events_queue():
    from workers.events import flush_outbox

    assert flush_outbox.app.amqp.router.route({}, flush_outbox.name)["queue"].name == "events"
    event = record_event(events.USER_SIGNED_UP, user_id=31)
    flush_outbox.delay()
    wait_until(
        lambda: InsightEvent.objects.filter(pk=event.pk).exists(), message="event not shipped"
    )
    assert OutboxEvent.objects.get(pk=event.pk).shipped_at is not None
