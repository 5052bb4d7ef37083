"""Webhook targets on loopback, private, link-local (cloud metadata), multicast, reserved or
IPv4-mapped addresses are refused with WEBHOOK_ALLOW_PRIVATE_NETWORKS off: at registration and
submit (a 400 before anything exists), and again at delivery, without connecting."""

import pytest

from jobs.errors import InvalidWebhookUrl
from jobs.models import Job
from jobs.webhook_urls import resolve_webhook_target, validate_webhook_url
from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import post_image
from tests.webhook_factories import failed_job

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.1/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one number, read by the resolver
    "http://localhost:8000/hook",
    "http://localhost./hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",  # 169.254.169.254, IPv4-mapped
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://240.0.0.1/hook",
    "http://255.255.255.255/hook",
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "http://user:pass@93.184.215.14/hook",
    "http://user@93.184.215.14/hook",
    "http:///hook",
    "http://93.184.215.14:99999/hook",
    "http://no-such-host.invalid/hook",
]


@pytest.fixture(autouse=True)
def _public_only(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize("url", REFUSED)
def test_refused_target_is_rejected_by_the_check(url):
    with pytest.raises(InvalidWebhookUrl):
        validate_webhook_url(url)


def test_a_refused_name_does_not_tell_what_it_resolves_to():
    # Else the API would be a lookup service for the internal network's names.
    with pytest.raises(InvalidWebhookUrl) as refused:
        validate_webhook_url("http://localhost:8000/hook")
    message = refused.value.message
    assert "127.0.0.1" not in message and "::1" not in message and "loopback" not in message
    assert "not public" in message


def test_a_refused_address_is_told_why():
    with pytest.raises(InvalidWebhookUrl, match=r"address 10\.0\.0\.5 is private"):
        validate_webhook_url("http://10.0.0.5/hook")


@pytest.mark.parametrize(
    "url", ["http://93.184.215.14/hook", "https://[2606:4700:4700::1111]:8443/a?b=c"]
)
def test_public_address_is_allowed(url):
    target = resolve_webhook_target(url)
    assert target.addresses and target.path.startswith("/")


@pytest.mark.parametrize("url", REFUSED)
def test_refused_endpoint_is_a_400_and_not_registered(account, url):
    user, _, client = account
    response = client.post("/api/v1/webhooks", {"url": url}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid_webhook_url", "validation_error")
    assert not WebhookEndpoint.objects.filter(user=user).exists()


@pytest.mark.parametrize("url", REFUSED)
def test_refused_job_webhook_url_is_a_400_before_any_job_exists(account, photo, url, settings):
    user, _, client = account
    response = post_image(client, photo("paul_rudd.jpg"), webhook_url=url)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid_webhook_url", "validation_error")
    assert not Job.objects.filter(user=user).exists()
    objects = settings.OBJECT_STORE_DIR
    assert not objects.exists() or not any(p.is_file() for p in objects.rglob("*"))


def test_link_local_and_unspecified_stay_refused_with_private_networks_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    validate_webhook_url("http://127.0.0.1:8000/hook")
    validate_webhook_url("http://10.1.2.3/hook")
    for url in ("http://169.254.169.254/", "http://0.0.0.0/", "http://224.0.0.1/"):
        with pytest.raises(InvalidWebhookUrl):
            validate_webhook_url(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_delivery_to_an_address_refused_since_is_not_sent(
    account, webhook_receiver, settings, host
):
    # Allowed when the job was submitted; by delivery time the rule (as a DNS answer could)
    # says otherwise. The check runs again on the address about to be connected to.
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    user, _, _ = account
    job = failed_job(user, webhook_url=webhook_receiver.url(host=host))
    delivery = WebhookDelivery.objects.get(job=job)
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    attempt = dispatch.deliver(delivery_id=str(delivery.pk))

    assert webhook_receiver.received == []
    assert attempt.outcome == "failed" and attempt.status_code is None
    # An address the owner wrote is named with its kind; a name's addresses are not told.
    expected = "not public" if host == "localhost" else f"{host} is loopback"
    assert attempt.error.startswith("refused:") and expected in attempt.error
    delivery.refresh_from_db()
    assert delivery.status == "failed"
