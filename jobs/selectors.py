"""Reads of jobs, always scoped to their owner: another tenant's job does not exist."""

from __future__ import annotations

from functools import cache

from django.db import router
from django.db.models import Prefetch, QuerySet

from facedetect.rowreads import ModelRow, fetch_one, pk_param
from jobs.errors import JobNotFound
from jobs.models import Feedback, Job

_JOB = ModelRow(Job, "j")
_FEEDBACK = ModelRow(Feedback, "f")


def with_current_feedback(query: QuerySet[Job]) -> QuerySet[Job]:
    """Jobs with their current feedback as ``job.current_feedback`` (a list of 0 or 1)."""
    current = Feedback.objects.filter(superseded_at__isnull=True)
    return query.prefetch_related(
        Prefetch("feedback_history", queryset=current, to_attr="current_feedback")
    )


def jobs_of(user, *, status: str | None = None) -> QuerySet[Job]:
    """The user's jobs, newest first, optionally of one status."""
    query = Job.objects.filter(user=user).order_by("-created_at", "-id")
    if status:
        query = query.filter(status=status)
    return with_current_feedback(query)


def get_job(user, job_id) -> Job:
    """One of the user's jobs with its current feedback (as ``with_current_feedback``), or
    JobNotFound, also for another tenant's job.

    Every poll runs this: one query, its SQL written once (facedetect/rowreads.py), the current
    feedback (at most one per job, a constraint) joined instead of prefetched.
    """
    using = router.db_for_read(Job)
    row = fetch_one(using, _job_sql(using), [pk_param(Job, job_id, using), user.pk])
    if row is None:
        raise JobNotFound("No such job.")
    job = _JOB.build(row[: len(_JOB)], using)
    feedback = _FEEDBACK.build(row[len(_JOB) :], using)
    job.current_feedback = [feedback] if feedback is not None else []
    return job


def job_status(user, job_id) -> str:
    """Only the status of one of the user's jobs (JobNotFound as get_job): for re-reading a job
    cheaply while waiting for it to finish."""
    using = router.db_for_read(Job)
    row = fetch_one(using, _status_sql(using), [pk_param(Job, job_id, using), user.pk])
    if row is None:
        raise JobNotFound("No such job.")
    return row[0]


# Only identifiers from the models' options, quoted by the backend, are formatted into these
# statements; values are always parameters.


@cache
def _job_sql(using: str) -> str:
    return (
        f"SELECT {_JOB.columns(using)}, {_FEEDBACK.columns(using)}"  # noqa: S608
        f" FROM {_JOB.source(using)} LEFT OUTER JOIN {_FEEDBACK.source(using)}"
        f" ON {_FEEDBACK.column('job', using)} = {_JOB.column('id', using)}"
        f" AND {_FEEDBACK.column('superseded_at', using)} IS NULL"
        f"{_owned_job(using)}"
    )


@cache
def _status_sql(using: str) -> str:
    return f"SELECT {_JOB.column('status', using)} FROM {_JOB.source(using)}{_owned_job(using)}"  # noqa: S608


def _owned_job(using: str) -> str:
    return f" WHERE {_JOB.column('id', using)} = %s AND {_JOB.column('user', using)} = %s"
