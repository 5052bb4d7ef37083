"""Sign-up emails the first key, which then works."""

import re

import pytest
from django.core import mail

from accounts.models import ApiKey, User
from insights.models import OutboxEvent

pytestmark = pytest.mark.django_db


def key_in(message) -> str:
    return re.search(r"Your (?:new )?API key: (\S+)", message.body).group(1)


def test_signup_emails_a_working_key(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client().post(
            "/api/v1/accounts/signup", {"email": "Ada@Example.com"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "ada@example.com"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]
    raw = key_in(mail.outbox[0])
    assert raw not in response.content.decode()
    me = api_client(raw).get("/api/v1/accounts/me")
    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"


def test_keys_are_stored_hashed(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_client().post("/api/v1/accounts/signup", {"email": "hash@example.com"}, format="json")
    raw = key_in(mail.outbox[0])
    key = ApiKey.objects.get(user__email="hash@example.com")
    assert raw.startswith(f"fd_{key.prefix}_")
    assert raw not in key.hashed_key and len(key.hashed_key) == 64


def test_signup_events_carry_the_prefix_never_the_key(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api_client().post("/api/v1/accounts/signup", {"email": "ev@example.com"}, format="json")
    raw = key_in(mail.outbox[0])
    user = User.objects.get(email="ev@example.com")
    events = OutboxEvent.objects.filter(user_id=user.pk)
    assert set(events.values_list("type", flat=True)) == {"user.signed_up", "user.key_created"}
    created = events.get(type="user.key_created").data
    assert raw.startswith(f"fd_{created['key_prefix']}_")
    for event in events:
        assert raw not in str(event.data) and raw.split("_", 2)[2] not in str(event.data)


def test_same_email_twice_is_a_conflict(api_client):
    client = api_client()
    client.post("/api/v1/accounts/signup", {"email": "twice@example.com"}, format="json")
    response = client.post("/api/v1/accounts/signup", {"email": "TWICE@example.com"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "account_exists"
    assert User.objects.filter(email__iexact="twice@example.com").count() == 1


def test_invalid_email_is_a_400_in_the_error_shape(api_client):
    response = api_client().post(
        "/api/v1/accounts/signup", {"email": "not-an-email"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "email" in error["detail"]


def test_signups_are_rate_limited_per_client(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "signup": "2/hour",
        },
    }
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        client = api_client()
        codes = [
            client.post("/api/v1/accounts/signup", {"email": f"r{i}@example.com"}, format="json")
            for i in range(3)
        ]
        assert [r.status_code for r in codes] == [201, 201, 429]
        assert int(codes[2]["Retry-After"]) > 0
        assert codes[2].json()["error"]["code"] == "rate_limited"
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
