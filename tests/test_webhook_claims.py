"""Two workers never make the same attempt, and a slow host holds only its share of them: a
delivery is claimed with a conditional update before anything is sent."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery
from tests.webhook_factories import failed_job, queued_job
from tests.webhook_receiver import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.mark.django_db(transaction=True)
def test_delivery_picked_by_two_workers_is_sent_once(account, webhook_receiver, settings):
    user, _, _ = account
    webhook_receiver.script(Answer(hang=1))
    # Committed, so that the other thread sees it, but sent to no queue: only these two send.
    job = queued_job(user, status="failed", webhook_url=webhook_receiver.url())
    [delivery_id] = dispatch.create_job_deliveries(job=job)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    outcomes = []

    def worker() -> None:
        outcomes.append(dispatch.deliver(delivery_id=str(delivery.pk)))
        connection.close()

    first = threading.Thread(target=worker)
    first.start()
    webhook_receiver.wait_for(1)  # the first worker holds it and is waiting for an answer
    second = dispatch.deliver(delivery_id=str(delivery.pk))
    first.join()

    assert second is None
    assert len(outcomes) == 1 and outcomes[0].outcome == "succeeded"
    assert len(webhook_receiver.received) == 1
    assert delivery.attempts.count() == 1


def test_busy_host_makes_a_delivery_wait_without_an_attempt(account, webhook_receiver, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 1
    user, _, _ = account
    in_flight = WebhookDelivery.objects.get(
        job=failed_job(user, webhook_url=webhook_receiver.url())
    )
    WebhookDelivery.objects.filter(pk=in_flight.pk).update(
        locked_until=timezone.now() + timedelta(minutes=1)
    )  # as while a worker waits for that host
    same_host = WebhookDelivery.objects.get(
        job=failed_job(user, webhook_url=webhook_receiver.url("/other"))
    )
    other_host = WebhookDelivery.objects.get(
        job=failed_job(user, webhook_url=webhook_receiver.url(host="localhost"))
    )

    assert dispatch.deliver(delivery_id=str(same_host.pk)) is None
    assert dispatch.deliver(delivery_id=str(other_host.pk)).outcome == "succeeded"

    same_host.refresh_from_db()
    assert same_host.attempt_count == 0 and same_host.status == "pending"
    assert same_host.next_attempt_at > timezone.now()
    assert [r.path for r in webhook_receiver.received] == ["/hooks"]
