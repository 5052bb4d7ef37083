"""`manage.py createapikey EMAIL` prints only a working key."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("createapikey", *args, stdout=out)
    return out.getvalue()


def test_creates_user_and_prints_only_the_key(api_client):
    output = run("new@example.com")
    raw = output.strip()
    assert output.count("\n") == 1 and raw.startswith("fd_")
    assert api_client(raw).get("/api/v1/accounts/me").json()["email"] == "new@example.com"
    assert User.objects.get(email="new@example.com").is_staff is False


def test_existing_user_gets_another_key_and_staff_flag(api_client):
    first = run("ops@example.com").strip()
    second = run("ops@example.com", "--staff").strip()
    assert first != second
    assert api_client(first).get("/api/v1/accounts/me").status_code == 200
    assert api_client(second).get("/api/v1/accounts/me").json()["is_staff"] is True
