"""Authentication by key, and the key lifecycle: create (shown once), list, revoke."""

import pytest

from insights.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_missing_key_is_401_with_challenge(api_client):
    response = api_client().get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "raw", ["nonsense", "fd_0123456789_secret", "fd__x", "Bearer abc", "fd_abcdefghij_" + "x" * 43]
)
def test_unknown_or_malformed_key_is_401(api_client, raw):
    response = api_client(raw).get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_right_prefix_wrong_secret_is_401(account, api_client):
    _, raw, _ = account
    forged = raw[: raw.rindex("_") + 1] + "A" * 43
    assert api_client(forged).get("/api/v1/accounts/me").status_code == 401


def test_x_api_key_header_works(account, api_client):
    user, raw, _ = account
    client = api_client()
    response = client.get("/api/v1/accounts/me", HTTP_X_API_KEY=raw)
    assert response.status_code == 200 and response.json()["email"] == user.email


def test_login_returns_account_and_key_and_logs_it(account):
    user, raw, client = account
    response = client.post("/api/v1/accounts/login")
    assert response.status_code == 200
    body = response.json()
    assert body["account"]["email"] == user.email
    assert raw.startswith(f"fd_{body['key']['prefix']}_") and "key" not in body["key"]
    assert OutboxEvent.objects.filter(type="user.logged_in", user_id=user.pk).count() == 1


def test_created_key_is_shown_once_then_listed_without_secret(account, api_client):
    _, _, client = account
    created = client.post("/api/v1/keys", {"name": "ci"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"key", "prefix", "name", "created_at"}
    assert api_client(body["key"]).get("/api/v1/accounts/me").status_code == 200
    listed = client.get("/api/v1/keys").json()
    assert {k["prefix"] for k in listed} >= {body["prefix"]}
    assert body["key"] not in str(listed)
    assert all(
        set(k) == {"prefix", "name", "created_at", "last_used_at", "revoked", "revoked_at"}
        for k in listed
    )


def test_revoked_key_is_refused_on_the_next_request(account, api_client):
    user, _, client = account
    spare = client.post("/api/v1/keys", {"name": "spare"}, format="json").json()
    assert api_client(spare["key"]).get("/api/v1/accounts/me").status_code == 200
    assert client.delete(f"/api/v1/keys/{spare['prefix']}").status_code == 204
    refused = api_client(spare["key"]).get("/api/v1/accounts/me")
    assert refused.status_code == 401
    assert client.get("/api/v1/accounts/me").status_code == 200  # the other key still works
    listed = {k["prefix"]: k for k in client.get("/api/v1/keys").json()}
    assert listed[spare["prefix"]]["revoked"] is True
    revoked = OutboxEvent.objects.get(type="user.key_revoked", user_id=user.pk)
    assert revoked.data["key_prefix"] == spare["prefix"]


def test_a_key_can_revoke_itself(account, api_client):
    _, raw, client = account
    prefix = raw.split("_")[1]
    assert client.delete(f"/api/v1/keys/{prefix}").status_code == 204
    assert api_client(raw).get("/api/v1/accounts/me").status_code == 401


def test_other_tenants_key_cannot_be_revoked(make_account, api_client):
    _, mine = make_account()
    _, theirs = make_account()
    response = api_client(mine).delete(f"/api/v1/keys/{theirs.split('_')[1]}")
    assert response.status_code == 404
    assert api_client(theirs).get("/api/v1/accounts/me").status_code == 200


def test_me_reports_usage(account):
    _, _, client = account
    body = client.get("/api/v1/accounts/me").json()
    assert body["usage"] == {
        "jobs_total": 0,
        "jobs_by_status": {},
        "faces_detected": 0,
        "active_keys": 2,
    }
