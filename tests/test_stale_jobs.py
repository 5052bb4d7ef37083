"""The sweeper: a 202 always ends in succeeded or failed, even if the message is lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job
from jobs.services import sweep_stale_jobs
from tests.conftest import submit_image, wait_for_job

pytestmark = pytest.mark.django_db(transaction=True)


def make_job(client, photo) -> str:
    return submit_image(client, photo("no-faces.jpg"))["id"]


@pytest.mark.usefixtures("celery_worker")
def test_job_whose_message_was_lost_is_requeued_and_finishes(account, photo, settings):
    _, _, client = account
    job_id = make_job(client, photo)
    wait_for_job(client, job_id)
    # Pretend the worker died mid-job and its message is gone: running, not touched for long.
    old = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 5)
    Job.objects.filter(pk=job_id).update(status="running", updated_at=old, faces=None, attempts=1)
    assert sweep_stale_jobs() == {"requeued": 1, "failed": 0}
    assert wait_for_job(client, job_id)["status"] == "succeeded"
    assert Job.objects.get(pk=job_id).attempts == 2


def unqueued_job(user, **fields) -> Job:
    """A job row no worker has a message for (the session's test worker may be running)."""
    return Job.objects.create(
        user=user, object_key="inputs/none.jpg", content_type="image/jpeg", image_format="JPEG",
        size_bytes=1, sha256="0" * 64, width=1, height=1, **fields,
    )  # fmt: skip


def test_job_that_used_all_its_attempts_fails_with_a_reason(account, settings):
    user, _, client = account
    old = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 5)
    job_id = unqueued_job(
        user, status="running", updated_at=old, attempts=settings.JOB_MAX_ATTEMPTS
    ).pk
    assert sweep_stale_jobs() == {"requeued": 0, "failed": 1}
    body = client.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "failed" and body["error"]["code"] == "processing_failed"


def test_recent_jobs_are_left_alone(account):
    user, _, _ = account
    unqueued_job(user, status="queued")
    unqueued_job(user, status="running")
    assert sweep_stale_jobs() == {"requeued": 0, "failed": 0}
