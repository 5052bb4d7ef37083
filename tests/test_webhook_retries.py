"""A receiver that fails twice then succeeds gets three attempts of one message, sent by the
real worker as the scan finds each retry due."""

import pytest

from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery
from tests.conftest import wait_until
from tests.webhook_factories import failed_job, verified
from tests.webhook_receiver import Answer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0, 0, 0, 0, 0, 0]  # no waiting between attempts


def test_receiver_failing_twice_then_succeeding_gets_three_attempts_of_one_message(
    account, webhook_receiver
):
    user, _, client = account
    webhook_receiver.script(500, Answer(status=503, body=b"busy"))
    job = failed_job(user, webhook_url=webhook_receiver.url())
    # The beat task's scan, driven here: it sends each due retry to the worker.
    wait_until(
        lambda: dispatch.enqueue_due_deliveries() >= 0 and len(webhook_receiver.received) >= 3
    )
    wait_until(lambda: WebhookDelivery.objects.get(job=job).status == "succeeded")

    secret = client.get("/api/v1/webhooks/secret").json()["secret"]
    requests = webhook_receiver.received
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    assert all(verified(r, secret)["type"] == "job.failed" for r in requests)
    [delivery] = client.get(f"/api/v1/jobs/{job.pk}/deliveries").json()["results"]
    assert delivery["status"] == "succeeded" and delivery["attempt_count"] == 3
    attempts = delivery["attempts"]
    assert [(a["number"], a["status_code"], a["outcome"]) for a in attempts] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "succeeded"),
    ]
    assert attempts[1]["response_excerpt"] == "busy"
