"""The reads on every request's path (facedetect/rowreads.py) give exactly what the ORM's
equivalent queries give, on SQLite and PostgreSQL alike, and still refuse what they must."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.clients import Client
from accounts.models import ApiKey
from accounts.services import revoke_key
from jobs import selectors as job_selectors
from jobs.errors import JobNotFound
from jobs.models import Feedback, Job
from tests import job_factories

FACES = [
    {
        "box": {"x": 10, "y": 20, "width": 50, "height": 60},
        "confidence": 0.998,
        "landmarks": {"left_eye": [30, 40], "right_eye": [50, 40], "nose": [40, 50]},
    }
]


def values(instance) -> dict:
    """Every column's value on a model instance, as Python sees it."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def orm_key(raw: str) -> ApiKey | None:
    prefix = raw.split("_")[1]
    return (
        ApiKey.objects.select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def orm_job(user, job_id) -> Job:
    return job_selectors.with_current_feedback(Job.objects.filter(user=user, pk=job_id)).get()


def test_an_active_key_reads_as_the_orm_reads_it(make_account):
    user, raw = make_account()
    ApiKey.objects.filter(prefix=raw.split("_")[1]).update(last_used_at=timezone.now())

    key = account_selectors.find_active_key(raw)

    expected = orm_key(raw)
    assert values(key) == values(expected)
    assert values(key.user) == values(expected.user)
    assert key.user_id == user.pk
    assert isinstance(key.created_at, type(expected.created_at)) and key.created_at.tzinfo
    # A loaded instance, not a new one: saving it updates its row.
    assert key._state.adding is False
    key.name = "renamed"
    key.save(update_fields=["name"])
    assert ApiKey.objects.get(pk=key.pk).name == "renamed"


def test_keys_that_must_not_authenticate_do_not(make_account):
    user, raw = make_account()
    other_user, other_raw = make_account()
    prefix, secret = raw.split("_")[1], raw.split("_", 2)[2]

    assert account_selectors.find_active_key(f"fd_{prefix}_{secret[:-1]}x") is None  # bad secret
    assert account_selectors.find_active_key("fd_0123456789_" + secret) is None  # unknown
    assert account_selectors.find_active_key("not-a-key") is None

    revoke_key(user=user, prefix=prefix, client=Client())
    assert account_selectors.find_active_key(raw) is None

    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    assert account_selectors.find_active_key(other_raw) is None


def test_a_job_without_feedback_reads_as_the_orm_reads_it(make_account):
    user, _ = make_account()
    job = job_factories.make_job(user, status="succeeded", faces=FACES)
    Job.objects.filter(pk=job.pk).update(
        started_at=timezone.now(), image_metadata={"brightness": 101.5, "mode": "RGB"}
    )

    read = job_selectors.get_job(user, job.pk)

    expected = orm_job(user, job.pk)
    assert values(read) == values(expected)
    assert read.faces == FACES and read.image_metadata["brightness"] == 101.5
    assert isinstance(read.id, uuid.UUID)
    assert read.current_feedback == expected.current_feedback == []


def test_a_job_reads_with_its_current_feedback_only(make_account):
    user, _ = make_account()
    job = job_factories.make_job(user, status="succeeded", faces=FACES)
    now = timezone.now()
    Feedback.objects.create(job=job, correct=True, superseded_at=now, created_at=now)
    current = Feedback.objects.create(
        job=job,
        correct=False,
        false_positives=[0],
        missed_faces=[{"x": 1, "y": 2, "width": 30, "height": 40}],
        comment="a poster",
        created_at=now + timedelta(seconds=1),
    )

    read = job_selectors.get_job(user, str(job.pk))  # the id as text works too

    expected = orm_job(user, job.pk)
    assert [values(f) for f in read.current_feedback] == [
        values(f) for f in expected.current_feedback
    ]
    assert read.current_feedback[0].pk == current.pk
    assert read.current_feedback[0].missed_faces == [{"x": 1, "y": 2, "width": 30, "height": 40}]


def test_another_tenants_job_and_an_unknown_one_are_not_found(make_account):
    owner, _ = make_account()
    stranger, _ = make_account()
    job = job_factories.make_job(owner, status="running")

    assert job_selectors.job_status(owner, job.pk) == "running"
    for user, job_id in ((stranger, job.pk), (owner, uuid.uuid4())):
        with pytest.raises(JobNotFound):
            job_selectors.get_job(user, job_id)
        with pytest.raises(JobNotFound):
            job_selectors.job_status(user, job_id)
