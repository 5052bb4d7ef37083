"""Key recovery by email, with no account enumeration."""

import pytest
from django.core import mail

from insights.models import OutboxEvent
from tests.test_signup import key_in

pytestmark = pytest.mark.django_db


def test_recover_emails_a_new_working_key(account, api_client, django_capture_on_commit_callbacks):
    user, _, _ = account
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client().post(
            "/api/v1/accounts/recover", {"email": user.email}, format="json"
        )
    assert response.status_code == 202
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert api_client(key_in(mail.outbox[0])).get("/api/v1/accounts/me").status_code == 200
    assert OutboxEvent.objects.filter(type="user.key_recovered", user_id=user.pk).exists()


def test_recover_for_unknown_address_answers_the_same_and_sends_nothing(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client().post(
            "/api/v1/accounts/recover", {"email": "nobody@example.com"}, format="json"
        )
    assert response.status_code == 202
    assert mail.outbox == []
