"""Key recovery by email, with no account enumeration: the request only queues the work, and
a worker creates and e-mails the key."""

import smtplib

import pytest
from django.core import mail

from accounts import services as account_services
from accounts.clients import Client
from accounts.models import ApiKey
from insights.models import OutboxEvent
from tests.conftest import wait_until
from tests.test_signup import key_in

ANSWER = {"detail": "If an account exists for this address, a new key is being emailed to it."}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_recover_emails_a_new_working_key_from_the_worker(account, api_client):
    user, _, _ = account
    mail.outbox.clear()
    response = api_client().post("/api/v1/accounts/recover", {"email": user.email}, format="json")
    assert response.status_code == 202 and response.json() == ANSWER
    wait_until(lambda: len(mail.outbox) == 1, message="no recovery e-mail")
    assert mail.outbox[0].to == [user.email]
    assert api_client(key_in(mail.outbox[0])).get("/api/v1/accounts/me").status_code == 200
    assert OutboxEvent.objects.filter(type="user.key_recovered", user_id=user.pk).exists()


@pytest.mark.django_db
def test_the_answer_is_the_same_for_an_unknown_address(api_client, monkeypatch):
    queued = []
    monkeypatch.setattr(
        account_services.current_app, "send_task", lambda *a, **kw: queued.append((a, kw))
    )
    response = api_client().post(
        "/api/v1/accounts/recover", {"email": " Nobody@Example.com"}, format="json"
    )
    assert response.status_code == 202 and response.json() == ANSWER
    # The same work as for a real account: one task, with the address and no key.
    assert queued == [
        (
            ("workers.tasks.recover_key",),
            {
                "args": ["nobody@example.com"],
                "kwargs": {"client_ip": "127.0.0.1", "user_agent": ""},
            },
        )
    ]


@pytest.mark.django_db
def test_an_unknown_address_gets_nothing():
    mail.outbox.clear()
    assert account_services.recover_key(email="nobody@example.com", client=Client()) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_refused_email_leaves_no_key_behind(account, monkeypatch):
    user, _, _ = account

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("provider down")

    monkeypatch.setattr("accounts.emails.send_mail", refuse)
    keys = ApiKey.objects.filter(user=user).count()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        account_services.recover_key(email=user.email, client=Client())
    assert ApiKey.objects.filter(user=user).count() == keys
    assert not OutboxEvent.objects.filter(type="user.key_recovered", user_id=user.pk).exists()
