"""Django admin manages users and keys and never shows a stored secret."""

import pytest

from accounts.models import ApiKey, User
from jobs.models import Job
from tests.job_factories import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    client.force_login(admin)
    return client


def test_key_list_and_detail_never_show_the_hash(staff_client, account):
    key = ApiKey.objects.get(user=account[0], name="tests")
    listing = staff_client.get("/admin/accounts/apikey/?q=" + key.prefix).content.decode()
    assert key.prefix in listing and key.hashed_key not in listing
    detail = staff_client.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()
    assert key.hashed_key not in detail and account[1] not in detail


def test_revoke_action_stops_the_key(staff_client, account, api_client):
    user, raw, _ = account
    keys = ApiKey.objects.filter(user=user)
    response = staff_client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [k.pk for k in keys]},
    )
    assert response.status_code == 302
    assert not ApiKey.objects.active().filter(user=user).exists()
    assert api_client(raw).get("/api/v1/accounts/me").status_code == 401


def test_user_admin_searches_by_email(staff_client, account):
    page = staff_client.get("/admin/accounts/user/?q=" + account[0].email).content.decode()
    assert account[0].email in page


def test_users_and_jobs_are_not_deleted_as_bare_rows(staff_client, account):
    # A bare delete would keep the stored images and events; accounts go through the
    # delete_accounts action (tests/test_account_deletion.py), jobs through the API.
    user = account[0]
    job = make_job(user)
    assert staff_client.get(f"/admin/accounts/user/{user.pk}/delete/").status_code == 403
    assert staff_client.get(f"/admin/jobs/job/{job.pk}/delete/").status_code == 403
    staff_client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [user.pk]}
    )
    staff_client.post(
        "/admin/jobs/job/",
        {"action": "delete_selected", "_selected_action": [job.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=user.pk).exists()
    assert Job.objects.filter(pk=job.pk).exists()
