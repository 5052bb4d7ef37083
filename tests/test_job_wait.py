"""GET /api/v1/jobs/{id}?wait=N: held until the job finishes, woken by the worker's
announcement over Redis, bounded per process, and never wrong when an announcement is lost."""

import subprocess
import sys
import threading

import pytest
from django.utils import timezone

from facedetect.redis_clients import client_for
from jobs import waiting
from jobs.models import Job
from tests.conftest import EXPECTED_FACES, submit_image, wait_until
from tests.job_factories import make_job

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_wait_slots")]


def queued_job(user) -> Job:
    """A queued job that no worker was told about: it stays queued until the test moves it."""
    return make_job(user, status="queued")


def finish(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(
        status="succeeded", faces=[], face_count=0, finished_at=timezone.now()
    )


def wait_in_thread(user, job_id, timeout: float) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        from django.db import connection

        try:
            outcome["job"], outcome["waited"] = waiting.wait_for_job(user, job_id, timeout=timeout)
        except Exception as exc:  # the test looks at what was raised
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.usefixtures("celery_worker")
def test_wait_returns_the_finished_job_from_the_real_worker(account, photo, settings):
    # A recheck longer than the wait: only the worker's announcement can end it early.
    settings.JOB_WAIT_RECHECK = 60
    _, _, client = account
    job_id = submit_image(client, photo("ivan.jpg"), "ivan.jpg")["id"]
    response = client.get(f"/api/v1/jobs/{job_id}?wait=30")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded", body
    assert body["result"]["face_count"] == EXPECTED_FACES["ivan.jpg"]
    assert "Retry-After" not in response


def test_announcement_wakes_the_waiting_request(make_account, settings):
    settings.JOB_WAIT_RECHECK = 60
    user, _ = make_account()
    job = queued_job(user)
    waiting.finished_jobs.subscribed.wait(0)  # the subscription starts with the first waiter
    thread, outcome = wait_in_thread(user, job.pk, timeout=30)
    assert waiting.finished_jobs.subscribed.wait(10), "the process never subscribed"
    finish(job)
    waiting.announce_finished(job.pk)
    thread.join(timeout=15)
    assert not thread.is_alive(), "the announcement did not wake the waiting request"
    assert outcome["waited"] is True
    assert outcome["job"].status == "succeeded"


def test_an_announcement_for_an_unfinished_job_does_not_end_the_wait(make_account, settings):
    settings.JOB_WAIT_RECHECK = 60
    user, _ = make_account()
    job = queued_job(user)
    thread, outcome = wait_in_thread(user, job.pk, timeout=30)
    assert waiting.finished_jobs.subscribed.wait(10)
    wait_until(lambda: str(job.pk) in waiting.finished_jobs._waiters, timeout=10)
    waiting.announce_finished(job.pk)  # spurious: the job is still queued
    thread.join(timeout=1)
    assert thread.is_alive(), "the wait ended on an announcement while the job was queued"
    finish(job)
    waiting.announce_finished(job.pk)
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert outcome["job"].status == "succeeded"


def test_the_subscription_comes_back_after_redis_drops_it(make_account, settings):
    settings.JOB_WAIT_RECHECK = 60  # only an announcement can end the wait early
    user, _ = make_account()
    job = queued_job(user)
    thread, outcome = wait_in_thread(user, job.pk, timeout=30)
    assert waiting.finished_jobs.subscribed.wait(10)
    redis_client = client_for(settings.REDIS_URL)
    listeners = [c for c in redis_client.client_list() if c["name"] == waiting.LISTENER_NAME]
    assert listeners, "no subscription to drop"
    for listener in listeners:
        redis_client.client_kill_filter(_id=listener["id"])
    finish(job)
    # Announcements made before the listener is back are lost: keep announcing until one lands.
    for _ in range(75):
        waiting.announce_finished(job.pk)
        thread.join(timeout=0.2)
        if not thread.is_alive():
            break
    assert not thread.is_alive(), "the subscription did not come back"
    assert outcome["job"].status == "succeeded"
    back = [c["id"] for c in redis_client.client_list() if c["name"] == waiting.LISTENER_NAME]
    assert back and not set(back) & {listener["id"] for listener in listeners}


def test_a_lost_announcement_costs_a_recheck_not_a_wrong_answer(make_account, settings):
    settings.JOB_WAIT_RECHECK = 1
    user, _ = make_account()
    job = queued_job(user)
    thread, outcome = wait_in_thread(user, job.pk, timeout=30)
    finish(job)  # and no announcement
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert outcome["job"].status == "succeeded"


def test_wait_ends_with_the_job_as_it_is(account):
    user, _, client = account
    job = queued_job(user)
    response = client.get(f"/api/v1/jobs/{job.pk}?wait=0.3")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert "Retry-After" not in response


def test_without_wait_the_answer_is_immediate(account):
    user, _, client = account
    job = queued_job(user)
    response = client.get(f"/api/v1/jobs/{job.pk}")
    assert response.status_code == 200 and response.json()["status"] == "queued"


def test_a_finished_job_is_answered_at_once(account):
    user, _, client = account
    job = queued_job(user)
    finish(job)
    response = client.get(f"/api/v1/jobs/{job.pk}?wait=30")
    assert response.status_code == 200 and response.json()["status"] == "succeeded"


def test_past_the_limit_of_waiting_requests_the_answer_is_immediate(account, settings):
    settings.JOB_WAIT_MAX_WAITERS = 1
    user, _, client = account
    job = queued_job(user)
    slots = waiting._waiting_slots()
    assert slots.acquire(blocking=False)  # another request holds the only slot
    try:
        response = client.get(f"/api/v1/jobs/{job.pk}?wait=30")
    finally:
        slots.release()
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert response["Retry-After"] == "1"


def test_another_tenants_job_is_a_404_even_when_waiting(account, make_account, api_client):
    other, _ = make_account()
    job = queued_job(other)
    _, _, client = account
    response = client.get(f"/api/v1/jobs/{job.pk}?wait=5")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_job_deleted_while_waited_for_is_a_404(make_account, settings):
    settings.JOB_WAIT_RECHECK = 1
    user, _ = make_account()
    job = queued_job(user)
    thread, outcome = wait_in_thread(user, job.pk, timeout=30)
    Job.objects.filter(pk=job.pk).delete()
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert type(outcome["error"]).__name__ == "JobNotFound"


@pytest.mark.parametrize("wait", ["-1", "31", "soon", "nan"])
def test_a_bad_wait_is_a_400(account, wait):
    user, _, client = account
    job = queued_job(user)
    response = client.get(f"/api/v1/jobs/{job.pk}?wait={wait}")
    assert response.status_code == 400
    assert "wait" in response.json()["error"]["detail"]


def test_detection_pool_processes_lower_their_priority():
    # In a child process: the test process itself must keep its priority.
    code = (
        "import os, django; os.environ['WORKER_NICE'] = '7'; "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'facedetect.settings'); django.setup(); "
        "from workers.detector import _prepare_pool_process; before = os.nice(0); "
        "_prepare_pool_process(); print(os.nice(0) - before)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "7"
