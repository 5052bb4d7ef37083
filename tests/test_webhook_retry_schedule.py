"""Retries wait in the database on the Standard Webhooks schedule (with jitter), are not made
before they are due, and stop when the schedule is spent."""

import pytest

from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery
from tests.webhook_factories import failed_job

pytestmark = pytest.mark.django_db  # never committed: only these calls make attempts


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def test_default_schedule_is_the_standard_webhooks_one():
    from django.conf import settings

    assert settings.WEBHOOK_RETRY_SCHEDULE == [5, 300, 1800, 7200, 18000, 36000, 36000]


def test_retry_waits_for_its_delay_with_jitter(account, webhook_receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [300, 1800]
    webhook_receiver.script(500)
    user, _, _ = account
    delivery = WebhookDelivery.objects.get(job=failed_job(user, webhook_url=webhook_receiver.url()))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - attempt.at).total_seconds()
    assert 0.8 * 300 <= wait <= 1.2 * 300 + 5
    assert dispatch.deliver(delivery_id=str(delivery.pk)) is None  # not due yet
    assert dispatch.enqueue_due_deliveries() == 0
    assert len(webhook_receiver.received) == 1


def test_retries_stop_when_the_schedule_is_spent(account, webhook_receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    webhook_receiver.script(500, 500, 500, 500)
    user, _, _ = account
    delivery = WebhookDelivery.objects.get(job=failed_job(user, webhook_url=webhook_receiver.url()))

    attempts = [dispatch.deliver(delivery_id=str(delivery.pk)) for _ in range(4)]

    assert [a.outcome for a in attempts[:3]] == ["retry", "retry", "failed"]
    assert attempts[3] is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempt_count == 3
    assert delivery.next_attempt_at is None and len(webhook_receiver.received) == 3
