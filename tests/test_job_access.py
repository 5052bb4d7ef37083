"""Listing, tenancy and deletion of jobs."""

import uuid

import pytest

from insights.models import OutboxEvent
from jobs.errors import StoreUnavailable
from jobs.models import Job
from jobs.storage import ObjectMissing, get_object_store
from tests.conftest import submit_image, wait_until

pytestmark = pytest.mark.django_db


def test_another_tenants_job_is_404(make_account, api_client, photo):
    _, mine = make_account()
    _, theirs = make_account()
    job_id = submit_image(api_client(theirs), photo("ivan.jpg"))["id"]
    response = api_client(mine).get(f"/api/v1/jobs/{job_id}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api_client(mine).delete(f"/api/v1/jobs/{job_id}").status_code == 404
    assert Job.objects.filter(pk=job_id).exists()
    assert job_id not in str(api_client(mine).get("/api/v1/jobs").json())


def test_unknown_job_is_404(account):
    _, _, client = account
    assert client.get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/v1/jobs/not-a-uuid").status_code == 404


def test_list_is_newest_first_paginated_and_filtered(account, photo):
    _, _, client = account
    ids = [submit_image(client, photo("no-faces.jpg"))["id"] for _ in range(5)]
    Job.objects.filter(pk=ids[0]).update(status="failed")
    page = client.get("/api/v1/jobs?page_size=2").json()
    assert [j["id"] for j in page["results"]] == ids[::-1][:2]
    second = client.get(page["next"]).json()
    assert [j["id"] for j in second["results"]] == ids[::-1][2:4]
    failed = client.get("/api/v1/jobs?status=failed").json()["results"]
    assert [j["id"] for j in failed] == [ids[0]]
    assert client.get("/api/v1/jobs?status=bogus").status_code == 400


def test_delete_removes_the_job_and_its_image(account, photo):
    _, _, client = account
    job_id = submit_image(client, photo("ivan.jpg"))["id"]
    response = client.delete(f"/api/v1/jobs/{job_id}")
    assert response.status_code == 204
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert not Job.objects.filter(pk=job_id).exists()
    assert OutboxEvent.objects.filter(type="job.deleted", data__job_id=job_id).exists()


@pytest.mark.django_db(transaction=True)
def test_deleted_jobs_image_is_gone_from_the_store(account, photo):
    _, _, client = account
    job_id = submit_image(client, photo("ivan.jpg"))["id"]
    key = Job.objects.get(pk=job_id).object_key
    assert client.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    with pytest.raises(ObjectMissing):
        get_object_store().get(key)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_an_image_the_store_refuses_to_delete_is_deleted_later(account, photo, monkeypatch):
    _, _, client = account
    job_id = submit_image(client, photo("no-faces.jpg"))["id"]
    key = Job.objects.get(pk=job_id).object_key
    store_class = type(get_object_store())
    real_delete = store_class.delete
    refusals = []

    def delete_failing_once(self, object_key):
        if not refusals:
            refusals.append(object_key)
            raise StoreUnavailable("S3: SlowDown")
        return real_delete(self, object_key)

    monkeypatch.setattr(store_class, "delete", delete_failing_once)
    monkeypatch.setattr("jobs.services.DELETE_IMAGE_RETRY_DELAY", 0, raising=False)
    # The job is gone, so the answer is the job's, not the store's.
    assert client.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    assert refusals == [key]

    def image_gone() -> bool:
        try:
            get_object_store().get(key)
        except ObjectMissing:
            return True
        return False

    wait_until(image_gone, message="the worker did not delete the image")
