"""Deleting an account kills every key at once, then purges jobs, images and events."""

import pytest
from django.contrib.auth import get_user_model

from insights.models import OutboxEvent
from jobs.models import Job
from jobs.storage import ObjectMissing, get_object_store
from tests.conftest import submit_and_wait, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def test_account_deletion_purges_everything(make_account, api_client, photo):
    user, raw = make_account()
    client = api_client(raw)
    spare = client.post("/api/v1/keys", {"name": "spare"}, format="json").json()["key"]
    job_id = submit_and_wait(client, photo("ivan.jpg"), "ivan.jpg")["id"]
    object_key = Job.objects.get(pk=job_id).object_key
    other_user, other_raw = make_account()

    response = client.delete("/api/v1/accounts/me")
    assert response.status_code == 202
    # Every key is dead on the very next request, before the purge runs.
    assert api_client(raw).get("/api/v1/accounts/me").status_code == 401
    assert api_client(spare).get(f"/api/v1/jobs/{job_id}").status_code == 401

    User = get_user_model()
    wait_until(lambda: not User.objects.filter(pk=user.pk).exists(), message="account not purged")
    assert not Job.objects.filter(user_id=user.pk).exists()
    with pytest.raises(ObjectMissing):
        get_object_store().get(object_key)
    remaining = set(OutboxEvent.objects.filter(user_id=user.pk).values_list("type", flat=True))
    assert remaining == {"user.account_deleted"}  # only the anonymous fact of the deletion
    assert api_client(other_raw).get("/api/v1/accounts/me").status_code == 200
    assert User.objects.filter(pk=other_user.pk).exists()


def test_deleted_address_can_sign_up_again_after_the_purge(make_account, api_client):
    user, raw = make_account("again@example.com")
    api_client(raw).delete("/api/v1/accounts/me")
    User = get_user_model()
    wait_until(lambda: not User.objects.filter(pk=user.pk).exists())
    response = api_client().post(
        "/api/v1/accounts/signup", {"email": "again@example.com"}, format="json"
    )
    assert response.status_code == 201


def test_the_admin_deletes_an_account_the_way_the_api_does(make_account, api_client, photo, client):
    user, raw = make_account()
    job_id = submit_and_wait(api_client(raw), photo("no-faces.jpg"))["id"]
    object_key = Job.objects.get(pk=job_id).object_key
    User = get_user_model()
    client.force_login(User.objects.create_superuser(f"root-{user.pk}@example.com", "pw-123456789"))

    response = client.post(
        "/admin/accounts/user/", {"action": "delete_accounts", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert api_client(raw).get("/api/v1/accounts/me").status_code == 401
    wait_until(lambda: not User.objects.filter(pk=user.pk).exists(), message="account not purged")
    with pytest.raises(ObjectMissing):
        get_object_store().get(object_key)
