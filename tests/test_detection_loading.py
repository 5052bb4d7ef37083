"""Loading a claimed job's image: one job's trouble never strands the others, a store outage
is retried with backoff, and a one-colour photo is a photo like any other."""

import hashlib
import io
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image, ImageStat

from jobs import processing
from jobs.errors import StoreUnavailable
from jobs.models import Job
from jobs.storage import get_object_store
from ml.metadata import image_statistics
from tests.conftest import EXPECTED_FACES, submit_and_wait
from tests.images import encode
from tests.job_factories import make_job
from workers.detector import get_detector


def white(width: int = 999, height: int = 1919) -> np.ndarray:
    # At these sizes Pillow's ImageStat reads a negative variance and fails on its root.
    return np.full((height, width, 3), 255, dtype=np.uint8)


def test_a_one_colour_photo_has_statistics():
    assert image_statistics(white()) == {"brightness": 255.0, "contrast": 0.0, "sharpness": 0.0}


def test_statistics_are_pillows_where_pillow_can_count(photo):
    image = Image.open(io.BytesIO(photo("multiface.jpg"))).convert("RGB")
    stat = ImageStat.Stat(image.convert("L"))
    ours = image_statistics(np.asarray(image))
    assert ours["brightness"] == pytest.approx(stat.mean[0], abs=1e-3)
    assert ours["contrast"] == pytest.approx(stat.stddev[0], abs=1e-3)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_white_photo_succeeds_through_the_worker(account):
    _, _, client = account
    job = submit_and_wait(client, encode(Image.fromarray(white()), "PNG"), "white.png")
    assert job["status"] == "succeeded", job
    assert job["result"]["face_count"] == 0
    assert (job["image"]["brightness"], job["image"]["contrast"]) == (255.0, 0.0)


def stored_job(user, data: bytes) -> Job:
    job = make_job(user)
    get_object_store().put(
        job.object_key, data, content_type="image/jpeg", sha256=hashlib.sha256(data).hexdigest()
    )
    return job


class DownStore:
    def get(self, key: str) -> bytes:
        raise StoreUnavailable("S3: SlowDown")


@pytest.mark.django_db
def test_an_unavailable_store_puts_the_job_back_without_spending_an_attempt(account, monkeypatch):
    # An outage is not the job's fault: counted as attempts, one of a minute failed every
    # queued job for good. The job is tried again after a quarter of its age (10 s at least).
    job = make_job(account[0])
    sent = []
    monkeypatch.setattr(processing, "get_object_store", DownStore)
    monkeypatch.setattr(
        "jobs.services.enqueue_task", lambda name, *, args, countdown=None: sent.append(countdown)
    )
    for _ in range(5):
        assert processing.run_detection(job.pk, detector=get_detector()) == []
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 0)
    assert sent == [processing.STORE_RETRY_MIN] * 5


@pytest.mark.django_db
def test_a_job_the_store_failed_for_too_long_fails_as_input_unavailable(
    account, monkeypatch, settings
):
    settings.JOB_STORE_WAIT = 60
    job = make_job(account[0])
    since = timezone.now() - timedelta(seconds=61)
    Job.objects.filter(pk=job.pk).update(store_unavailable_since=since)
    monkeypatch.setattr(processing, "get_object_store", DownStore)
    assert processing.run_detection(job.pk, detector=get_detector()) == []
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "input_unavailable")


@pytest.mark.django_db
def test_the_wait_counts_from_the_first_store_failure_not_from_submission(
    account, monkeypatch, settings
):
    # A job two hours in a backlog that meets its first store error waits like any other.
    settings.JOB_STORE_WAIT = 60
    job = make_job(account[0])
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    monkeypatch.setattr(processing, "get_object_store", DownStore)
    monkeypatch.setattr("jobs.services.enqueue_task", lambda *args, **kwargs: True)
    assert processing.run_detection(job.pk, detector=get_detector()) == []
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 0)
    assert job.store_unavailable_since is not None


@pytest.mark.django_db
def test_a_store_that_is_back_clears_the_wait(account, photo):
    job = stored_job(account[0], photo("ivan.jpg"))
    Job.objects.filter(pk=job.pk).update(store_unavailable_since=timezone.now())
    assert processing.run_detection(job.pk, detector=get_detector()) == []
    job.refresh_from_db()
    assert job.status == "succeeded" and job.store_unavailable_since is None


@pytest.mark.django_db
def test_one_jobs_unforeseen_failure_does_not_strand_its_batch(account, photo, monkeypatch):
    user = account[0]
    broken = stored_job(user, photo("ivan.jpg"))
    fine = stored_job(user, photo("ivan.jpg"))
    real = processing.image_statistics
    calls = []

    def statistics_failing_once(image):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("unforeseen")
        return real(image)

    monkeypatch.setattr(processing, "image_statistics", statistics_failing_once)
    retry = processing.run_detection(broken.pk, detector=get_detector(), batch_size=2)
    assert retry == [str(broken.pk)]
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.status == "queued"
    assert fine.status == "succeeded" and fine.face_count == EXPECTED_FACES["ivan.jpg"]
