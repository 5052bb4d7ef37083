"""Submitting and deleting jobs, and feedback on their predictions. Detection itself is in
jobs/processing.py."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.clients import Client
from insights import events
from insights.services import record_event
from jobs.decode_budget import decode_guard
from jobs.errors import (
    IdempotencyConflict,
    InvalidFeedback,
    JobFailed,
    JobNotFinished,
    JobNotFound,
    StoreUnavailable,
)
from jobs.models import Feedback, Job, JobStatus
from jobs.queueing import enqueue_task
from jobs.storage import get_object_store, input_key
from jobs.webhook_urls import validate_webhook_url
from ml.images import probe_image

DETECT_TASK = "workers.tasks.detect_faces"
DELETE_IMAGE_TASK = "workers.tasks.delete_stored_image"
DELETE_IMAGE_RETRY_DELAY = 30  # seconds; the task then backs off on its own

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobOptions:
    min_confidence: float | None = None
    min_face_size: int | None = None
    webhook_url: str = ""


def _fingerprint(sha256: str, options: JobOptions) -> str:
    material = f"{sha256}|{options.min_confidence}|{options.min_face_size}|{options.webhook_url}"
    return hashlib.sha256(material.encode()).hexdigest()


def submit_job(
    *,
    user,
    api_key_prefix: str,
    data: bytes,
    options: JobOptions,
    idempotency_key: str | None,
    client: Client,
) -> tuple[Job, bool]:
    """Validate and store an image, create its job and enqueue it once committed.

    Returns (job, created); with an ``Idempotency-Key`` seen before for the same body, the
    earlier job and False. The same key with another body is a conflict.
    """
    info = probe_image(data, max_pixels=settings.MAX_IMAGE_PIXELS, decode_guard=decode_guard)
    if options.webhook_url:
        validate_webhook_url(options.webhook_url)
    fingerprint = _fingerprint(info.sha256, options)
    if idempotency_key:
        earlier = _replay(user, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier, False

    job = Job(
        user=user,
        api_key_prefix=api_key_prefix,
        content_type=info.content_type,
        image_format=info.format,
        size_bytes=info.size_bytes,
        sha256=info.sha256,
        width=info.width,
        height=info.height,
        image_metadata={"mode": info.mode, "exif_orientation": info.exif_orientation},
        min_confidence=options.min_confidence,
        min_face_size=options.min_face_size,
        webhook_url=options.webhook_url,
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
    )
    job.object_key = input_key(
        created_at=job.created_at, user_id=user.pk, job_id=str(job.id), image_format=info.format
    )
    store = get_object_store()
    # The bytes are durable before the row exists: a committed job always has its image.
    store.put(job.object_key, data, content_type=info.content_type, sha256=info.sha256)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            record_event(
                events.JOB_SUBMITTED,
                user_id=user.pk,
                job_id=str(job.id),
                key_prefix=api_key_prefix,
                size_bytes=info.size_bytes,
                format=info.format,
                **client.as_fields(),
            )
            transaction.on_commit(lambda: enqueue_detection(str(job.id)))
    except IntegrityError:
        delete_stored_image(job.object_key)
        earlier = _replay(user, idempotency_key, fingerprint) if idempotency_key else None
        if earlier is None:
            raise
        return earlier, False
    except BaseException:  # the database refused the row (locked, down): no job, no image
        delete_stored_image(job.object_key)
        raise
    return job, True


def _replay(user, idempotency_key: str, fingerprint: str) -> Job | None:
    earlier = Job.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if earlier is not None and earlier.request_fingerprint != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was already used with a different request.")
    return earlier


def enqueue_detection(job_id: str, *, countdown: int | None = None) -> None:
    """Send a job to the detection queue. A broker outage is logged, not raised: the job is
    committed, and the stale-job sweeper enqueues it again."""
    enqueue_task(DETECT_TASK, args=[job_id], countdown=countdown)


def delete_job(*, user, job_id, client: Client) -> None:
    """Delete one of the user's jobs and its stored image."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise JobNotFound("No such job.")
        object_key = job.object_key
        job.delete()
        record_event(events.JOB_DELETED, user_id=user.pk, job_id=str(job_id), **client.as_fields())
        transaction.on_commit(lambda: delete_stored_image(object_key))


def delete_stored_image(object_key: str) -> None:
    """Delete an image whose job is gone (deleted, or never written) now, or from a worker,
    with retries, if the store is down; never raises for the store, so its outcome never
    changes the answer."""
    try:
        get_object_store().delete(object_key)
    except StoreUnavailable as exc:
        logger.warning("could not delete %s now (%s); a worker will retry", object_key, exc)
        enqueue_task(DELETE_IMAGE_TASK, args=[object_key], countdown=DELETE_IMAGE_RETRY_DELAY)


def purge_user_jobs(*, user_id: int) -> int:
    """Delete every job of a user and its stored image (account deletion); idempotent."""
    store = get_object_store()
    count = 0
    for job_id, object_key in Job.objects.filter(user_id=user_id).values_list("pk", "object_key"):
        store.delete(object_key)
        Job.objects.filter(pk=job_id).delete()
        count += 1
    return count


def sweep_stale_jobs(*, now=None) -> dict[str, int]:
    """Re-enqueue jobs stuck in queued or running past JOB_STALE_AFTER; give up on those that
    used all their attempts. Safe to run at any time: detection claims each job atomically."""
    from jobs.processing import fail_job

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_STALE_AFTER)
    stale = Job.objects.filter(status__in=["queued", "running"], updated_at__lt=cutoff)
    requeued = failed = 0
    for job_id, attempts in stale.values_list("pk", "attempts")[:1000]:
        if attempts >= settings.JOB_MAX_ATTEMPTS:
            if fail_job(
                job_id,
                code="processing_failed",
                message=f"Detection did not complete after {attempts} attempts.",
                only_if_stale_before=cutoff,
            ):
                failed += 1
            continue
        # Back to queued: with the hard time limit below JOB_STALE_AFTER, no worker still holds it.
        touched = Job.objects.filter(pk=job_id, updated_at__lt=cutoff).update(
            status="queued", updated_at=now
        )
        if touched:
            enqueue_detection(str(job_id))
            requeued += 1
    return {"requeued": requeued, "failed": failed}


@dataclass(frozen=True)
class FeedbackInput:
    """Feedback as the owner sends it; boxes are {x, y, width, height} in displayed pixels."""

    correct: bool
    false_positives: list[int] = field(default_factory=list)
    missed_faces: list[dict] = field(default_factory=list)
    comment: str = ""


def submit_feedback(*, user, job_id, feedback: FeedbackInput, client: Client) -> Feedback:
    """Record the owner's feedback on a succeeded job. An earlier feedback is superseded, not
    deleted, so that its history stays; the event commits with the new row."""
    with transaction.atomic():
        # The lock serialises two submissions for one job: exactly one stays current.
        job = Job.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise JobNotFound("No such job.")
        _check_feedback(job, feedback)
        now = timezone.now()
        replaced = Feedback.objects.filter(job=job, superseded_at__isnull=True).update(
            superseded_at=now
        )
        row = Feedback.objects.create(
            job=job,
            correct=feedback.correct,
            false_positives=sorted(feedback.false_positives),
            missed_faces=[_box(face) for face in feedback.missed_faces],
            comment=feedback.comment,
            created_at=now,
        )
        record_event(
            events.FEEDBACK_SUBMITTED,
            user_id=user.pk,
            job_id=str(job.pk),
            correct=feedback.correct,
            faces_corrected=len(row.false_positives) + len(row.missed_faces),
            false_positives=len(row.false_positives),
            missed_faces=len(row.missed_faces),
            replaced=bool(replaced),
            **client.as_fields(),
        )
    return row


def _check_feedback(job: Job, feedback: FeedbackInput) -> None:
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise JobNotFinished("The job has no result yet; give feedback once it has succeeded.")
    if job.status == JobStatus.FAILED:
        raise JobFailed("The job failed: there is no prediction to give feedback on.")
    if feedback.correct and (feedback.false_positives or feedback.missed_faces):
        raise InvalidFeedback(
            "A prediction marked correct cannot have false_positives or missed_faces."
        )
    face_count = len(job.faces or [])
    if len(set(feedback.false_positives)) != len(feedback.false_positives):
        raise InvalidFeedback("false_positives lists a face more than once.")
    for index in feedback.false_positives:
        if not 0 <= index < face_count:
            raise InvalidFeedback(
                f"false_positives: {index} is not a face of this job (it has {face_count})."
            )
    for number, face in enumerate(feedback.missed_faces):
        box = _box(face)
        if box["width"] < 1 or box["height"] < 1:
            raise InvalidFeedback(f"missed_faces[{number}]: width and height must be positive.")
        inside = (
            box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= job.width
            and box["y"] + box["height"] <= job.height
        )
        if not inside:
            raise InvalidFeedback(
                f"missed_faces[{number}]: the box must lie inside the {job.width}x{job.height} "
                "image."
            )


def _box(face: dict) -> dict:
    return {name: int(face[name]) for name in ("x", "y", "width", "height")}
