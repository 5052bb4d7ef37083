"""Reads of jobs, always scoped to their owner: another tenant's job does not exist."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from jobs.errors import JobNotFound
from jobs.models import Feedback, Job


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
    """One of the user's jobs, or JobNotFound (also for another tenant's job)."""
    job = with_current_feedback(Job.objects.filter(user=user, pk=job_id)).first()
    if job is None:
        raise JobNotFound("No such job.")
    return job


def job_status(user, job_id) -> str:
    """Only the status of one of the user's jobs (JobNotFound as get_job): for re-reading a job
    cheaply while waiting for it to finish."""
    status = Job.objects.filter(user=user, pk=job_id).values_list("status", flat=True).first()
    if status is None:
        raise JobNotFound("No such job.")
    return status
