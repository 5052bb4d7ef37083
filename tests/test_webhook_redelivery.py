"""A user can ask for a delivery again: the worker sends the same message (same webhook-id and
body) at once, with a fresh round of retries; another tenant's delivery is a 404."""

import pytest

from jobs.webhooks.models import WebhookDelivery
from tests.conftest import wait_until
from tests.webhook_factories import failed_job, verified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def status_of(delivery_id) -> str:
    return WebhookDelivery.objects.get(pk=delivery_id).status


def test_failed_delivery_is_sent_again_on_request(account, webhook_receiver):
    user, _, client = account
    webhook_receiver.script(400)
    job = failed_job(user, webhook_url=webhook_receiver.url())
    delivery = WebhookDelivery.objects.get(job=job)
    wait_until(lambda: status_of(delivery.pk) == "failed")

    response = client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    wait_until(lambda: status_of(delivery.pk) == "succeeded")

    first, second = webhook_receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.webhook_id
    assert first.body == second.body
    secret = client.get("/api/v1/webhooks/secret").json()["secret"]
    assert verified(second, secret)["data"]["id"] == str(job.pk)
    shown = client.get(f"/api/v1/webhooks/deliveries/{delivery.pk}").json()
    assert [(a["number"], a["status_code"], a["outcome"]) for a in shown["attempts"]] == [
        (1, 400, "failed"),
        (2, 200, "succeeded"),
    ]


def test_another_tenants_delivery_is_a_404(account, make_account, api_client, webhook_receiver):
    user, _, _ = account
    job = failed_job(user, webhook_url=webhook_receiver.url())
    delivery = WebhookDelivery.objects.get(job=job)
    wait_until(lambda: status_of(delivery.pk) == "succeeded")
    _, other_key = make_account()
    other = api_client(other_key)

    assert other.get(f"/api/v1/webhooks/deliveries/{delivery.pk}").status_code == 404
    assert other.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 404
    assert other.get(f"/api/v1/jobs/{job.pk}/deliveries").status_code == 404
    assert len(webhook_receiver.received) == 1


def test_delivery_to_a_disabled_endpoint_is_not_redelivered(account, webhook_receiver):
    user, _, client = account
    endpoint = client.post("/api/v1/webhooks", {"url": webhook_receiver.url()}, format="json")
    webhook_receiver.script(410)
    delivery = WebhookDelivery.objects.get(job=failed_job(user))
    wait_until(lambda: status_of(delivery.pk) == "failed")

    response = client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "endpoint_disabled"
    client.post(f"/api/v1/webhooks/{endpoint.json()['id']}/enable")
    assert client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 202
    wait_until(lambda: status_of(delivery.pk) == "succeeded")
