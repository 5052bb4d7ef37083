"""Staff see endpoints and deliveries with their attempts in the admin, never a secret."""

import pytest

from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery, WebhookEndpoint
from jobs.webhooks.services import create_endpoint
from tests.webhook_factories import failed_job

pytestmark = pytest.mark.django_db


def test_admin_shows_endpoints_and_attempts_but_no_secret(
    make_account, webhook_receiver, settings, client
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    staff, _ = make_account(staff=True)
    staff.is_superuser = True
    staff.save()
    user, _ = make_account()
    endpoint = create_endpoint(user=user, url=webhook_receiver.url())
    webhook_receiver.script(503)
    delivery = WebhookDelivery.objects.get(job=failed_job(user))
    dispatch.deliver(delivery_id=str(delivery.pk))
    client.force_login(staff)

    pages = [
        "/admin/jobs/webhookendpoint/",
        f"/admin/jobs/webhookendpoint/{endpoint.pk}/change/",
        "/admin/jobs/webhookdelivery/",
        f"/admin/jobs/webhookdelivery/{delivery.pk}/change/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert endpoint.secret not in html and "whsec_" not in html, page
    detail = client.get(f"/admin/jobs/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert delivery.webhook_id in detail and "503" in detail
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret
