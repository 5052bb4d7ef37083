"""Finished jobs are pushed, signed, to the job's webhook_url and to the account's endpoints,
through the real worker, and verified with the official standardwebhooks library."""

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from jobs.services import enqueue_detection
from tests.conftest import submit_image, wait_for_job, wait_until
from tests.webhook_factories import queued_job, verified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.PUBLIC_BASE_URL = "http://testserver"  # links as the test client sees them


def test_job_webhook_url_receives_the_finished_job_signed(account, photo, webhook_receiver):
    _, _, client = account
    job_id = submit_image(client, photo("paul_rudd.jpg"), webhook_url=webhook_receiver.url())["id"]
    [received] = webhook_receiver.wait_for(1)
    job = wait_for_job(client, job_id)
    secret = client.get("/api/v1/webhooks/secret").json()["secret"]

    payload = verified(received, secret)
    assert payload == {"type": "job.succeeded", "timestamp": job["finished_at"], "data": job}
    assert job["status"] == "succeeded" and job["result"]["face_count"] == 1
    assert received.path == "/hooks"
    assert received.headers["webhook-id"].startswith("msg_")
    assert received.headers["Content-Type"] == "application/json"

    wait_until(
        lambda: (
            client.get(f"/api/v1/jobs/{job_id}/deliveries").json()["results"][0]["status"]
            == "succeeded"
        )
    )
    [delivery] = client.get(f"/api/v1/jobs/{job_id}/deliveries").json()["results"]
    assert delivery["webhook_id"] == received.headers["webhook-id"]
    assert delivery["event_type"] == "job.succeeded" and delivery["endpoint_id"] is None
    [attempt] = delivery["attempts"]
    assert attempt["number"] == 1 and attempt["status_code"] == 200
    assert attempt["outcome"] == "succeeded" and attempt["response_excerpt"] == "ok"
    assert attempt["latency_ms"] >= 0


def test_registered_endpoint_receives_a_failed_job_with_its_own_secret(account, webhook_receiver):
    user, _, client = account
    created = client.post(
        "/api/v1/webhooks", {"url": webhook_receiver.url("/endpoint")}, format="json"
    )
    assert created.status_code == 201, created.content
    endpoint = created.json()
    job = queued_job(user, webhook_url=webhook_receiver.url("/job"))
    enqueue_detection(str(job.pk))  # the worker finds no stored image and fails the job

    requests = {r.path: r for r in webhook_receiver.wait_for(2)}
    shown = wait_for_job(client, str(job.pk))
    assert shown["status"] == "failed" and shown["error"]["code"] == "input_missing"
    payload = verified(requests["/endpoint"], endpoint["secret"])
    assert payload["type"] == "job.failed" and payload["data"] == shown
    account_secret = client.get("/api/v1/webhooks/secret").json()["secret"]
    assert verified(requests["/job"], account_secret)["data"] == shown
    # Each target has its own message, signed with its own secret only.
    assert requests["/endpoint"].headers["webhook-id"] != requests["/job"].headers["webhook-id"]
    with pytest.raises(WebhookVerificationError):
        Webhook(account_secret).verify(requests["/endpoint"].body, requests["/endpoint"].headers)

    wait_until(
        lambda: (
            client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json()["results"][0][
                "status"
            ]
            == "succeeded"
        )
    )
    [delivery] = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json()["results"]
    assert delivery["job_id"] == str(job.pk) and delivery["endpoint_id"] == endpoint["id"]
