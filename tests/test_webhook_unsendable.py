"""A pending delivery is closed without a request once its endpoint is disabled or its account
is being deleted."""

import pytest

from accounts.clients import Client
from accounts.services import request_account_deletion
from jobs.webhooks import dispatch, services
from jobs.webhooks.models import WebhookDelivery
from tests.webhook_factories import failed_job

pytestmark = pytest.mark.django_db  # never committed: only these calls make attempts


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def test_delivery_to_an_endpoint_disabled_since_is_not_sent(account, webhook_receiver):
    user, _, _ = account
    endpoint = services.create_endpoint(user=user, url=webhook_receiver.url())
    delivery = WebhookDelivery.objects.get(job=failed_job(user))
    services.disable_endpoint(endpoint_id=endpoint.pk, reason="disabled by staff")

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.outcome == "failed" and "endpoint disabled" in attempt.error
    assert webhook_receiver.received == []
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_delivery_of_an_account_being_deleted_is_not_sent(account, webhook_receiver):
    user, _, _ = account
    delivery = WebhookDelivery.objects.get(job=failed_job(user, webhook_url=webhook_receiver.url()))
    request_account_deletion(user=user, client=Client())

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.outcome == "failed" and attempt.error.startswith("not sent:")
    assert webhook_receiver.received == []
