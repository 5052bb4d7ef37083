"""Feedback on a job's prediction: owner only, validated against the job, replaced with its
history kept, recorded as an event, shown on the job and in the admin."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient

from accounts.models import User
from insights.models import OutboxEvent
from jobs.models import Feedback, Job
from tests import job_factories

FACES = [
    {
        "box": {"x": 10, "y": 20, "width": 50, "height": 60},
        "confidence": 0.998,
        "landmarks": {
            "left_eye": [30, 40],
            "right_eye": [50, 40],
            "nose": [40, 50],
            "mouth_left": [32, 62],
            "mouth_right": [48, 62],
        },
    },
    {
        "box": {"x": 200, "y": 100, "width": 30, "height": 30},
        "confidence": 0.72,
        "landmarks": {
            "left_eye": [205, 110],
            "right_eye": [220, 110],
            "nose": [212, 115],
            "mouth_left": [206, 122],
            "mouth_right": [219, 122],
        },
    },
]


def make_job(user, *, status: str = "succeeded", faces=None) -> Job:
    """A job row as the worker leaves it (the image itself is not needed here)."""
    faces = FACES if faces is None and status == "succeeded" else faces
    return job_factories.make_job(user, status=status, faces=faces)


def post_feedback(client, job, body):
    return client.post(f"/api/v1/jobs/{job.pk}/feedback", body, format="json")


WRONG = {
    "correct": False,
    "false_positives": [1],
    "missed_faces": [{"x": 5, "y": 5, "width": 40, "height": 40}],
    "comment": "the second face is a poster",
}


def test_owner_gives_feedback_and_it_shows_on_the_job(account):
    user, _, client = account
    job = make_job(user)
    response = post_feedback(client, job, WRONG)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["job_id"] == str(job.pk) and body["correct"] is False
    assert body["false_positives"] == [1]
    assert body["missed_faces"] == [{"x": 5, "y": 5, "width": 40, "height": 40}]
    assert body["comment"] == "the second face is a poster" and body["submitted_at"]
    shown = client.get(f"/api/v1/jobs/{job.pk}").json()["feedback"]
    assert shown == body
    listed = client.get("/api/v1/jobs").json()["results"][0]
    assert listed["feedback"] == body


def test_job_without_feedback_shows_null(account):
    user, _, client = account
    job = make_job(user)
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["feedback"] is None


def test_correct_prediction_needs_only_the_flag(account):
    user, _, client = account
    job = make_job(user)
    response = post_feedback(client, job, {"correct": True})
    assert response.status_code == 201, response.content
    assert response.json()["false_positives"] == [] == response.json()["missed_faces"]


def test_another_tenants_job_is_not_found(account, make_account, api_client):
    user, _, _ = account
    job = make_job(user)
    _, other_key = make_account()
    response = post_feedback(api_client(other_key), job, WRONG)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Feedback.objects.exists()


def test_feedback_needs_an_api_key(account, api_client):
    user, _, _ = account
    job = make_job(user)
    assert post_feedback(api_client(), job, WRONG).status_code == 401


def test_later_feedback_replaces_and_keeps_history(account):
    user, _, client = account
    job = make_job(user)
    first = post_feedback(client, job, WRONG).json()
    second = post_feedback(client, job, {"correct": True, "comment": "my mistake"}).json()
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["feedback"] == second
    history = list(Feedback.objects.filter(job=job).order_by("created_at"))
    assert [row.correct for row in history] == [False, True]
    assert history[0].superseded_at is not None and history[0].comment == first["comment"]
    assert history[1].superseded_at is None
    assert history[0].false_positives == [1]  # the earlier corrections are kept as sent


def test_feedback_is_recorded_as_an_event(account):
    user, _, client = account
    job = make_job(user)
    post_feedback(client, job, WRONG)
    post_feedback(client, job, {"correct": True})
    events = list(OutboxEvent.objects.filter(type="feedback.submitted").order_by("at"))
    assert len(events) == 2
    first, second = (event.data for event in events)
    assert events[0].user_id == user.pk and first["job_id"] == str(job.pk)
    assert first["correct"] is False and first["faces_corrected"] == 2
    assert first["false_positives"] == 1 and first["missed_faces"] == 1
    assert first["replaced"] is False and second["replaced"] is True
    assert second["correct"] is True and second["faces_corrected"] == 0
    assert "comment" not in first


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"correct": False, "false_positives": [2]}, "invalid_feedback"),
        ({"correct": False, "false_positives": [0, 0]}, "invalid_feedback"),
        ({"correct": False, "false_positives": [-1]}, "validation_error"),
        ({"correct": True, "false_positives": [0]}, "invalid_feedback"),
        (
            {"correct": False, "missed_faces": [{"x": 300, "y": 5, "width": 40, "height": 40}]},
            "invalid_feedback",
        ),
        (
            {"correct": False, "missed_faces": [{"x": 5, "y": 220, "width": 40, "height": 40}]},
            "invalid_feedback",
        ),
        (
            {"correct": False, "missed_faces": [{"x": 5, "y": 5, "width": 0, "height": 40}]},
            "validation_error",
        ),
        ({"correct": False, "missed_faces": [{"x": 5, "y": 5}]}, "validation_error"),
        ({"correct": False, "comment": "x" * 2001}, "validation_error"),
        ({"false_positives": [0]}, "validation_error"),
    ],
)
def test_invalid_feedback_is_refused(account, body, code):
    user, _, client = account
    job = make_job(user)
    response = post_feedback(client, job, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert not Feedback.objects.exists()
    assert not OutboxEvent.objects.filter(type="feedback.submitted").exists()


@pytest.mark.parametrize("status", ["queued", "running"])
def test_unfinished_job_cannot_receive_feedback(account, status):
    user, _, client = account
    job = make_job(user, status=status)
    response = post_feedback(client, job, {"correct": True})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_not_finished"


def test_failed_job_cannot_receive_feedback(account):
    user, _, client = account
    job = make_job(user, status="failed")
    response = post_feedback(client, job, {"correct": False, "comment": "it should work"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_failed"


def test_deleted_job_cannot_receive_feedback(account):
    user, _, client = account
    job = make_job(user)
    post_feedback(client, job, WRONG)
    assert client.delete(f"/api/v1/jobs/{job.pk}").status_code == 204
    assert post_feedback(client, job, {"correct": True}).status_code == 404
    assert not Feedback.objects.exists()  # its history went with the job


def test_feedback_shows_in_admin(account):
    user, _, client = account
    job = make_job(user)
    post_feedback(client, job, WRONG)
    post_feedback(client, job, {**WRONG, "comment": "and the second look"})
    staff = User.objects.create_superuser("admin@example.com", "pw-for-tests")
    browser = BrowserClient()
    browser.force_login(staff)
    page = browser.get(f"/admin/jobs/job/{job.pk}/change/")
    assert page.status_code == 200
    assert b"the second face is a poster" in page.content
    assert b"and the second look" in page.content
    listing = browser.get("/admin/jobs/feedback/")
    assert listing.status_code == 200 and user.email.encode() in listing.content
