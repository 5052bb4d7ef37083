"""Registering, listing, reading, rotating, enabling and deleting webhook endpoints, and the
account's default secret. Secrets are shown only when created or rotated; another tenant's
endpoint is a 404."""

import base64

import pytest
from standardwebhooks import Webhook

from jobs.webhooks.models import WebhookEndpoint
from jobs.webhooks.services import MAX_ENDPOINTS_PER_ACCOUNT

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def create(client, url: str = URL):
    return client.post("/api/v1/webhooks", {"url": url}, format="json")


def assert_secret(secret: str) -> None:
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    Webhook(secret)  # the official library accepts it


def test_created_endpoint_answers_201_with_its_secret_once(account):
    _, _, client = account
    response = create(client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == URL and body["active"] is True and body["id"]
    assert_secret(body["secret"])

    listed = client.get("/api/v1/webhooks").json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]
    shown = client.get(f"/api/v1/webhooks/{body['id']}").json()
    assert shown["url"] == URL and "secret" not in shown


def test_each_endpoint_has_its_own_secret(account):
    _, _, client = account
    first, second = create(client).json(), create(client).json()
    assert first["secret"] != second["secret"]


def test_rotating_an_endpoint_secret_shows_the_new_one(account):
    _, _, client = account
    endpoint = create(client).json()
    response = client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret")
    assert response.status_code == 200
    rotated = response.json()
    assert_secret(rotated["secret"])
    assert rotated["secret"] != endpoint["secret"] and rotated["secret_rotated_at"]
    assert WebhookEndpoint.objects.get(pk=endpoint["id"]).secret == rotated["secret"]


def test_deleted_endpoint_is_gone(account):
    _, _, client = account
    endpoint = create(client).json()
    assert client.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404
    assert client.get("/api/v1/webhooks").json() == []


def test_disabled_endpoint_can_be_enabled_again(account):
    _, _, client = account
    endpoint = create(client).json()
    WebhookEndpoint.objects.filter(pk=endpoint["id"]).update(
        disabled_at="2026-01-01T00:00:00Z", disabled_reason="answered 410 Gone"
    )
    assert client.get(f"/api/v1/webhooks/{endpoint['id']}").json()["active"] is False
    response = client.post(f"/api/v1/webhooks/{endpoint['id']}/enable")
    assert response.status_code == 200
    assert response.json()["active"] is True and response.json()["disabled_reason"] == ""


def test_another_tenants_endpoint_is_a_404(account, make_account, api_client):
    _, _, client = account
    endpoint = create(client).json()
    _, other_key = make_account()
    other = api_client(other_key)
    for method, path in [
        ("get", f"/api/v1/webhooks/{endpoint['id']}"),
        ("delete", f"/api/v1/webhooks/{endpoint['id']}"),
        ("post", f"/api/v1/webhooks/{endpoint['id']}/rotate-secret"),
        ("post", f"/api/v1/webhooks/{endpoint['id']}/enable"),
        ("get", f"/api/v1/webhooks/{endpoint['id']}/deliveries"),
    ]:
        response = getattr(other, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert other.get("/api/v1/webhooks").json() == []
    assert WebhookEndpoint.objects.filter(pk=endpoint["id"]).exists()


def test_account_secret_is_stable_until_rotated(account):
    _, _, client = account
    first = client.get("/api/v1/webhooks/secret").json()
    assert_secret(first["secret"])
    assert client.get("/api/v1/webhooks/secret").json()["secret"] == first["secret"]
    rotated = client.post("/api/v1/webhooks/secret").json()
    assert rotated["secret"] != first["secret"] and rotated["rotated_at"]
    assert client.get("/api/v1/webhooks/secret").json()["secret"] == rotated["secret"]


def test_endpoints_need_a_key(api_client):
    assert api_client().get("/api/v1/webhooks").status_code == 401
    assert api_client().post("/api/v1/webhooks", {"url": URL}, format="json").status_code == 401


def test_invalid_url_is_a_400(account):
    _, _, client = account
    for body in ({}, {"url": "not a url"}, {"url": "ftp://example.com/x"}):
        response = client.post("/api/v1/webhooks", body, format="json")
        assert response.status_code == 400, body


def test_endpoints_per_account_are_limited(account):
    _, _, client = account
    for _ in range(MAX_ENDPOINTS_PER_ACCOUNT):
        assert create(client).status_code == 201
    response = create(client)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_endpoints"
