"""POST /api/v1/jobs with ``Prefer: wait=N`` (RFC 7240): the submission is held until the job
has finished, answered 201 with the faces; a wait that runs out is the usual 202, and a
preference that cannot be honoured is ignored, never an error."""

import pytest
from django.utils import timezone

from jobs import services, waiting
from jobs.errors import JobNotFound
from jobs.models import Job
from jobs.preferences import wait_preference
from tests.conftest import EXPECTED_FACES, post_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_wait_slots")]

SUBMITTED_FIELDS = {"id", "status", "created_at", "links"}


@pytest.fixture
def no_worker_told(monkeypatch):
    """Submitted jobs stay queued: the session's worker (if another test started it) is not
    told about them."""
    monkeypatch.setattr(services, "enqueue_detection", lambda *args, **kwargs: None)


def submit(client, data: bytes, prefer: str | None = None, **headers):
    if prefer is not None:
        headers["HTTP_PREFER"] = prefer
    return post_image(client, data, headers=headers)


@pytest.mark.usefixtures("celery_worker")
def test_a_job_finished_within_the_wait_is_answered_201_with_its_faces(account, photo, settings):
    # A recheck longer than the wait: only the worker's announcement can end it early.
    settings.JOB_WAIT_RECHECK = 60
    _, _, client = account
    response = submit(client, photo("multiface.jpg"), prefer="wait=30")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded", body
    assert body["result"]["face_count"] == EXPECTED_FACES["multiface.jpg"]
    assert response["Location"].endswith(f"/api/v1/jobs/{body['id']}")
    assert response["Preference-Applied"] == "wait=30"
    # The same job, as a later GET reads it.
    assert client.get(f"/api/v1/jobs/{body['id']}").json() == body


@pytest.mark.usefixtures("no_worker_told")
def test_a_wait_that_runs_out_answers_202_with_the_job_as_it_is(account, photo):
    _, _, client = account
    response = submit(client, photo("ivan.jpg"), prefer="respond-async, wait=1")
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == SUBMITTED_FIELDS and body["status"] == "queued"
    assert response["Preference-Applied"] == "wait=1"
    assert response["Location"].endswith(f"/api/v1/jobs/{body['id']}")
    assert Job.objects.filter(pk=body["id"], status="queued").exists()


@pytest.mark.usefixtures("no_worker_told")
def test_the_wait_is_capped_at_JOB_WAIT_MAX(account, photo, settings):
    settings.JOB_WAIT_MAX = 1
    _, _, client = account
    response = submit(client, photo("ivan.jpg"), prefer="wait=600")
    assert response.status_code == 202
    assert response["Preference-Applied"] == "wait=1"


@pytest.mark.usefixtures("no_worker_told")
@pytest.mark.parametrize(
    "prefer", ["", "wait=soon", "wait=-1", "wait=1.5", "wait=", "wait=0", "respond-async"]
)
def test_a_preference_that_cannot_be_honoured_is_ignored(account, photo, prefer):
    _, _, client = account
    response = submit(client, photo("ivan.jpg"), prefer=prefer)
    assert response.status_code == 202, response.content
    assert set(response.json()) == SUBMITTED_FIELDS
    assert "Preference-Applied" not in response


@pytest.mark.usefixtures("no_worker_told")
def test_with_every_waiting_slot_taken_the_answer_is_immediate(account, photo, settings):
    settings.JOB_WAIT_MAX_WAITERS = 1
    _, _, client = account
    slots = waiting._waiting_slots()
    assert slots.acquire(blocking=False)  # another request holds the only slot
    try:
        response = submit(client, photo("ivan.jpg"), prefer="wait=30")
    finally:
        slots.release()
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert "Preference-Applied" not in response


@pytest.mark.usefixtures("no_worker_told")
def test_a_replayed_submission_of_a_finished_job_is_answered_201_at_once(account, photo):
    _, _, client = account
    data = photo("ivan.jpg")
    first = submit(client, data, HTTP_IDEMPOTENCY_KEY="order-7")
    assert first.status_code == 202
    Job.objects.filter(pk=first.json()["id"]).update(
        status="succeeded", faces=[], face_count=0, finished_at=timezone.now()
    )
    again = submit(client, data, prefer="wait=30", HTTP_IDEMPOTENCY_KEY="order-7")
    assert again.status_code == 201, again.content
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "succeeded"
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.usefixtures("no_worker_told")
def test_a_job_deleted_while_the_submission_waits_is_still_a_202(account, photo, monkeypatch):
    def deleted(*args, **kwargs):
        raise JobNotFound("No such job.")

    monkeypatch.setattr(waiting, "wait_for_job", deleted)
    _, _, client = account
    response = submit(client, photo("ivan.jpg"), prefer="wait=30")
    assert response.status_code == 202
    assert set(response.json()) == SUBMITTED_FIELDS
    assert "Preference-Applied" not in response


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("wait=10", 10),
        ("respond-async, wait=10", 10),
        ("WAIT = 7", 7),
        ('wait="5"', 5),
        ("wait=5; foo=bar", 5),
        ("wait=5, wait=9", 5),  # only the first instance counts (RFC 7240, section 2)
        ("wait=99", 30),
        ("wait=" + "9" * 5000, 30),
        ("wait=0000000005", 5),  # leading zeros count for nothing
        ("wait=0000000000", 0),
        ("wait=" + "0" * 5000 + "7", 7),
        (None, 0),
        ("handling=lenient", 0),
        ("wait=1e3", 0),
        ("wait=٣", 0),  # a digit, but not an ASCII one
    ],
)
def test_the_wait_preference_is_read_as_rfc_7240_writes_it(header, seconds):
    assert wait_preference(header, limit=30) == seconds
