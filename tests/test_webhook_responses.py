"""What the receiver answers decides a delivery: 2xx ends it; network errors, timeouts, 5xx
and 429 are retried; redirects (never followed) and other 4xx fail it; 410 disables the
endpoint. Attempts are made here by calling the worker's service directly, in a transaction
that never commits, so that no worker is sent the same delivery."""

import socket

import pytest

from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery
from tests.webhook_factories import failed_job
from tests.webhook_receiver import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def delivery_of(job) -> WebhookDelivery:
    return WebhookDelivery.objects.get(job=job)


@pytest.mark.parametrize(
    ("answer", "outcome", "status"),
    [
        (Answer(status=200), "succeeded", "succeeded"),
        (Answer(status=204, body=b""), "succeeded", "succeeded"),
        (Answer(status=429), "retry", "pending"),
        (Answer(status=500), "retry", "pending"),
        (Answer(status=502), "retry", "pending"),
        (Answer(status=400), "failed", "failed"),
        (Answer(status=404), "failed", "failed"),
        (Answer(status=302, headers={"Location": "/elsewhere"}), "failed", "failed"),
    ],
)
def test_answer_decides_whether_to_retry(account, webhook_receiver, answer, outcome, status):
    user, _, _ = account
    webhook_receiver.script(answer)
    delivery = delivery_of(failed_job(user, webhook_url=webhook_receiver.url()))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.status_code == answer.status and attempt.outcome == outcome
    assert [r.path for r in webhook_receiver.received] == ["/hooks"]  # no redirect followed
    delivery.refresh_from_db()
    assert delivery.status == status
    assert (delivery.next_attempt_at is not None) == (status == "pending")


def test_endpoint_answering_410_is_disabled(account, webhook_receiver):
    user, _, client = account
    endpoint = client.post("/api/v1/webhooks", {"url": webhook_receiver.url()}, format="json")
    endpoint_id = endpoint.json()["id"]
    webhook_receiver.script(410)
    delivery = delivery_of(failed_job(user))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.status_code == 410 and attempt.outcome == "failed"
    shown = client.get(f"/api/v1/webhooks/{endpoint_id}").json()
    assert shown["active"] is False and "410" in shown["disabled_reason"]
    later = failed_job(user)
    assert not WebhookDelivery.objects.filter(job=later).exists()


def test_unreachable_receiver_is_retried(account):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    user, _, _ = account
    delivery = delivery_of(failed_job(user, webhook_url=f"http://127.0.0.1:{port}/hooks"))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.outcome == "retry" and attempt.status_code is None
    assert "refused" in attempt.error.lower()


def test_hanging_receiver_times_out_and_is_retried(account, webhook_receiver, settings):
    settings.WEBHOOK_READ_TIMEOUT = 0.5
    user, _, _ = account
    webhook_receiver.script(Answer(hang=10))
    delivery = delivery_of(failed_job(user, webhook_url=webhook_receiver.url()))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.outcome == "retry" and attempt.status_code is None
    assert "timed out" in attempt.error.lower()


def test_receiver_trickling_its_answer_is_cut_off_and_retried(account, webhook_receiver, settings):
    # Each byte comes well within the read timeout, so only the attempt's deadline (3 connects
    # and the read timeout: 1.1 s here) ends it; the whole answer would take over 10 s.
    settings.WEBHOOK_CONNECT_TIMEOUT = 0.2
    settings.WEBHOOK_READ_TIMEOUT = 0.5
    user, _, _ = account
    webhook_receiver.script(Answer(status=200, trickle=0.25))
    delivery = delivery_of(failed_job(user, webhook_url=webhook_receiver.url()))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.outcome == "retry" and attempt.status_code is None
    assert "no whole answer within 1.1 s" in attempt.error


def test_long_response_is_kept_as_a_short_excerpt(account, webhook_receiver):
    user, _, _ = account
    webhook_receiver.script(Answer(status=500, body=b"x" * 100_000))
    delivery = delivery_of(failed_job(user, webhook_url=webhook_receiver.url()))

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert attempt.response_excerpt == "x" * 500
